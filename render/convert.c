/*
 * `flamepre convert`: the profile trie written as normalized folded text,
 * speedscope JSON, or pprof (gzipped profile.proto).
 *
 * pprof model: one Function and one Location per distinct frame name (ids
 * equal the name id), one Mapping marked has_functions so pprof does not try
 * to symbolize, one Sample per trie node with a self count, locations leaf
 * first as profile.proto requires. The protobuf is hand-encoded: every
 * message we write is small and flat, and a generated library would be a
 * dependency for ~100 lines of varints.
 */
#include "format/frames.h"
#include "render/cmd.h"
#include "render/escape.h"
#include "render/outfile.h"
#include "render/parse.h"
#include "render/profile.h"
#include "render/units.h"
#include "render/util.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- folded ---- */

struct folded_line {
    char *stack; /* sanitized frames joined by ';', NUL-terminated */
    struct pcount count;
};

struct folded_ctx {
    const struct profile *p;
    struct folded_line *lines;
    size_t n, cap;
};

static int collect_line(const uint32_t *names, size_t n, const struct pcount *self, void *arg)
{
    struct folded_ctx *c = arg;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t l;
        const char *s = profile_name(c->p, names[i], &l);
        if (i)
            fputc(';', f);
        /* NUL, CR, tab, ESC... would split or truncate the line, or reach a
         * terminal: '_' (the parser never makes a name of blanks only) */
        text_sanitize(f, s, l);
    }
    if (fclose(f) != 0 || grow_array(&c->lines, &c->cap, c->n + 1, sizeof(*c->lines)) < 0) {
        free(buf);
        return -1;
    }
    c->lines[c->n++] = (struct folded_line){ buf, *self };
    return 0;
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(((const struct folded_line *)a)->stack, ((const struct folded_line *)b)->stack);
}

static int write_folded(FILE *f, struct profile *p)
{
    struct folded_ctx c = { .p = p };
    int rc = profile_walk_stacks(p, collect_line, &c);
    if (rc != 0)
        rc = cli_error("out of memory");
    if (rc == 0) {
        qsort(c.lines, c.n, sizeof(*c.lines), cmp_line);
        for (size_t i = 0; i < c.n;) {
            /* sanitizing can make distinct names equal: merge them again
             * (their integer parts sum within the profile's, which the
             * parser kept below 2^64) */
            struct pcount sum = c.lines[i].count;
            size_t j = i + 1;
            for (; j < c.n && strcmp(c.lines[j].stack, c.lines[i].stack) == 0; j++) {
                sum.n += c.lines[j].count.n;
                sum.frac += c.lines[j].count.frac;
            }
            /* integer counts, exact: the parser reads back what it read */
            uint64_t v;
            if (pcount_round(&sum, &v) < 0) {
                rc = cli_error("a count does not fit in 64 bits (stack \"%.40s\")",
                               c.lines[i].stack);
                break;
            }
            if (v > 0)
                fprintf(f, "%s %" PRIu64 "\n", c.lines[i].stack, v);
            i = j;
        }
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.lines[i].stack);
    free(c.lines);
    return rc;
}

/* ---- speedscope ---- */

/* One speedscope "sampled" profile per thread: each "[name tid=N]" root
 * frame becomes a profile named after it (stacks below the thread frame);
 * stacks under any other root go to one profile named after the input.
 * Frames are shared: frame index = name id - 1. */
struct ss_ctx {
    FILE *f;
    const struct profile *p;
    uint32_t *path;
    bool first;
    int pass;   /* 0: samples, 1: weights */
    double mul; /* weight of one count in the profile's unit (the period for samples) */
};

/* Visit every node with a self count under `top` (included when !skip_top),
 * calling ss_emit with the path of name ids below the skipped frame. */
static double ss_subtree(struct ss_ctx *c, uint32_t top, bool skip_top)
{
    const struct profile *p = c->p;
    double sum = 0;
    uint32_t base = profile_node(p, top)->depth + (skip_top ? 1 : 0);
    uint32_t node = top;
    for (;;) {
        const struct pnode *nd = profile_node(p, node);
        if (nd->depth >= base)
            c->path[nd->depth - base] = nd->name;
        if (nd->self > 0 && nd->depth >= base) {
            size_t n = nd->depth - base + 1;
            sum += nd->self;
            fputs(c->first ? "" : ",", c->f);
            c->first = false;
            if (c->pass == 1) {
                fprintf(c->f, "%.15g", nd->self * c->mul);
            } else {
                fputc('[', c->f);
                for (size_t i = 0; i < n; i++)
                    fprintf(c->f, "%s%u", i ? "," : "", c->path[i] - 1);
                fputc(']', c->f);
            }
        }
        if (nd->first_child != PNODE_NONE) {
            node = nd->first_child;
            continue;
        }
        while (node != top && profile_node(p, node)->next_sibling == PNODE_NONE)
            node = profile_node(p, node)->parent;
        if (node == top)
            break;
        node = profile_node(p, node)->next_sibling;
    }
    return sum;
}

static bool ss_is_thread(const struct profile *p, uint32_t node)
{
    size_t len;
    const char *s = profile_name(p, profile_node(p, node)->name, &len);
    return frame_is_thread_root(s, len);
}

/* One profile: the thread root `node`, or (node == PNODE_NONE) every
 * non-thread root. */
static void ss_profile(struct ss_ctx *c, uint32_t node, const char *unit, const char *name,
                       bool comma)
{
    FILE *f = c->f;
    const struct profile *p = c->p;
    size_t len = 0;
    if (node != PNODE_NONE)
        name = profile_name(p, profile_node(p, node)->name, &len);
    else
        len = strlen(name);
    fputs(comma ? ",{\"type\":\"sampled\",\"name\":\"" : "{\"type\":\"sampled\",\"name\":\"", f);
    json_escape(f, name, len);
    fprintf(f, "\",\"unit\":\"%s\",\"startValue\":0,\"endValue\":", unit);
    /* endValue: the profile's total weight */
    double total = 0;
    if (node != PNODE_NONE) {
        total = profile_node(p, node)->total - profile_node(p, node)->self;
    } else {
        for (uint32_t k = profile_node(p, 0)->first_child; k != PNODE_NONE;
             k = profile_node(p, k)->next_sibling)
            if (!ss_is_thread(p, k))
                total += profile_node(p, k)->total;
    }
    fprintf(f, "%.15g,\"samples\":[", total * c->mul);
    for (c->pass = 0; c->pass < 2; c->pass++) {
        c->first = true;
        if (node != PNODE_NONE) {
            ss_subtree(c, node, true);
        } else {
            for (uint32_t k = profile_node(p, 0)->first_child; k != PNODE_NONE;
                 k = profile_node(p, k)->next_sibling)
                if (!ss_is_thread(p, k))
                    ss_subtree(c, k, false);
        }
        fputs(c->pass == 0 ? "],\"weights\":[" : "]}", f);
    }
}

/* speedscope's unit of a metric, and what one count weighs in it. Sampled
 * time (cpu, wall) is time when the period is known (meta.json): the viewer
 * then shows durations, not bare sample counts; counts of events stay
 * "none". */
static const char *ss_unit(const struct metric_info *mi, double *mul)
{
    *mul = 1;
    switch (mi->unit) {
    case UNIT_BYTES: return "bytes";
    case UNIT_NS: return "nanoseconds";
    case UNIT_SAMPLES:
        if (mi->period_ns > 0) {
            *mul = mi->period_ns;
            return "nanoseconds";
        }
        return "none";
    case UNIT_COUNT:
    case UNIT_KIND_COUNT: return "none";
    }
    return "none";
}

static int write_speedscope(FILE *f, struct profile *p, const struct metric_info *mi,
                            const char *name)
{
    double mul;
    const char *unit = ss_unit(mi, &mul);
    fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
          "\"exporter\":\"flamepre\",\"name\":\"", f);
    json_escape(f, name, strlen(name));
    fputs("\",\"activeProfileIndex\":0,\"shared\":{\"frames\":[", f);
    for (size_t i = 1; i < profile_name_count(p); i++) {
        size_t len;
        const char *s = profile_name(p, (uint32_t)i, &len);
        fputs(i > 1 ? ",{\"name\":\"" : "{\"name\":\"", f);
        json_escape(f, s, len);
        fputs("\"}", f);
    }
    fputs("]},\"profiles\":[", f);
    struct ss_ctx c = { f, p, malloc((profile_max_depth(p) + 1) * sizeof(uint32_t)), true, 0, mul };
    if (!c.path)
        return cli_error("out of memory");
    bool any = false, other = false;
    for (uint32_t k = profile_node(p, 0)->first_child; k != PNODE_NONE;
         k = profile_node(p, k)->next_sibling)
        if (!ss_is_thread(p, k))
            other = true;
    /* non-thread stacks (or an empty profile) first: one profile for them */
    if (other || profile_node(p, 0)->first_child == PNODE_NONE) {
        ss_profile(&c, PNODE_NONE, unit, name, false);
        any = true;
    }
    for (uint32_t k = profile_node(p, 0)->first_child; k != PNODE_NONE;
         k = profile_node(p, k)->next_sibling)
        if (ss_is_thread(p, k)) {
            ss_profile(&c, k, unit, NULL, any);
            any = true;
        }
    fputs("]}\n", f);
    free(c.path);
    return 0;
}

/* ---- pprof ---- */

struct pb {
    unsigned char *b;
    size_t n, cap;
    int err;
};

static void pb_bytes(struct pb *o, const void *d, size_t len)
{
    if (o->err || grow_array(&o->b, &o->cap, o->n + len, 1) < 0) {
        o->err = 1;
        return;
    }
    memcpy(o->b + o->n, d, len);
    o->n += len;
}

static void pb_varint(struct pb *o, uint64_t v)
{
    unsigned char tmp[10];
    size_t i = 0;
    do {
        tmp[i++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    pb_bytes(o, tmp, i);
}

static void pb_uint(struct pb *o, unsigned field, uint64_t v)
{
    pb_varint(o, (uint64_t)field << 3);
    pb_varint(o, v);
}

static void pb_len(struct pb *o, unsigned field, const void *d, size_t len)
{
    pb_varint(o, ((uint64_t)field << 3) | 2);
    pb_varint(o, len);
    pb_bytes(o, d, len);
}

/* Append sub as a length-delimited field and reset it for reuse. */
static void pb_msg(struct pb *o, unsigned field, struct pb *sub)
{
    if (sub->err)
        o->err = 1;
    pb_len(o, field, sub->b, sub->n);
    sub->n = 0;
}

struct pprof_ctx {
    struct pb *out, *sample, *packed;
    uint64_t saturated; /* samples whose value was clamped to INT64_MAX */
    double period;      /* > 0: a second value, count x period (ns) */
};

/* A product (count x period) as pprof's int64 value: rounded, and clamped at
 * INT64_MAX (llround would overflow at 2^63). 0 for values that round to
 * nothing. The counts themselves go exact (pcount_round). */
static uint64_t pprof_value(double self, uint64_t *saturated)
{
    double v = round(self);
    if (!(v > 0))
        return 0;
    if (v >= 9223372036854775807.0) {
        ++*saturated;
        return INT64_MAX;
    }
    return (uint64_t)v;
}

static int pprof_sample(const uint32_t *names, size_t n, const struct pcount *self, void *arg)
{
    struct pprof_ctx *c = arg;
    uint64_t v;
    if (pcount_round(self, &v) < 0 || v > INT64_MAX) {
        ++c->saturated;
        v = INT64_MAX;
    }
    if (v == 0)
        return 0;
    for (size_t i = n; i-- > 0;)
        pb_varint(c->packed, names[i]); /* location id = name id, leaf first */
    pb_msg(c->sample, 1, c->packed);
    pb_varint(c->packed, v);
    if (c->period > 0)
        pb_varint(c->packed, pprof_value(((double)self->n + self->frac) * c->period,
                                         &c->saturated));
    pb_msg(c->sample, 2, c->packed);
    pb_msg(c->out, 2, c->sample);
    return c->out->err ? -1 : 0;
}

static int write_pprof(FILE *f, struct profile *p, const struct metric_info *mi)
{
    struct pb out = { 0 }, sub = { 0 }, sub2 = { 0 }, packed = { 0 };
    /* Sample types from the metric. Sampled metrics (cpu, wall) carry two
     * values when the period is known, as Go's own CPU profiles do:
     * samples/count and METRIC/nanoseconds (count x period), with period_type
     * METRIC/nanoseconds and period = period_ns; pprof shows the last one. */
    const char *metric = mi->metric[0] ? mi->metric : NULL;
    const char *type, *unit;
    switch (mi->unit) {
    case UNIT_BYTES: type = metric ? metric : "space"; unit = "bytes"; break;
    case UNIT_NS: type = metric ? metric : "delay"; unit = "nanoseconds"; break;
    case UNIT_COUNT: type = metric ? metric : "count"; unit = "count"; break;
    default: type = "samples"; unit = "count"; break;
    }
    bool timed = mi->unit == UNIT_SAMPLES && mi->period_ns > 0;
    const char *ttype = metric ? metric : "cpu";
    /* string table: fixed strings below, then name id i at NFIXED - 1 + i */
    enum { S_TYPE = 1, S_UNIT, S_FILE, S_TTYPE, S_NS, NFIXED };
    const char *fixed[NFIXED] = { "", type, unit, "flamepre", ttype, "nanoseconds" };
    pb_uint(&sub, 1, S_TYPE);
    pb_uint(&sub, 2, S_UNIT);
    pb_msg(&out, 1, &sub); /* sample_type */
    if (timed) {
        pb_uint(&sub, 1, S_TTYPE);
        pb_uint(&sub, 2, S_NS);
        pb_msg(&out, 1, &sub);
    }
    struct pprof_ctx c = { &out, &sub, &packed, 0, timed ? mi->period_ns : 0 };
    if (profile_walk_stacks(p, pprof_sample, &c) != 0)
        out.err = 1;
    if (c.saturated)
        cli_warn("%llu sample value(s) above 2^63-1 clamped to 9223372036854775807 "
                 "(pprof values are int64)", (unsigned long long)c.saturated);
    pb_uint(&sub, 1, 1);      /* mapping id */
    pb_uint(&sub, 5, S_FILE); /* filename */
    pb_uint(&sub, 7, 1);      /* has_functions */
    pb_msg(&out, 3, &sub);
    size_t nn = profile_name_count(p);
    for (size_t i = 1; i < nn; i++) {
        pb_uint(&sub, 1, i);     /* location id */
        pb_uint(&sub, 2, 1);     /* mapping id */
        pb_uint(&sub2, 1, i);    /* line.function_id */
        pb_msg(&sub, 4, &sub2);
        pb_msg(&out, 4, &sub);
    }
    for (size_t i = 1; i < nn; i++) {
        pb_uint(&sub, 1, i);                /* function id */
        pb_uint(&sub, 2, NFIXED - 1 + i);   /* name */
        pb_uint(&sub, 3, NFIXED - 1 + i);   /* system_name */
        pb_msg(&out, 5, &sub);
    }
    for (size_t i = 0; i < NFIXED; i++)
        pb_len(&out, 6, fixed[i], strlen(fixed[i]));
    for (size_t i = 1; i < nn; i++) {
        size_t len;
        const char *s = profile_name(p, (uint32_t)i, &len);
        if (text_is_clean(s, len)) {
            pb_len(&out, 6, s, len);
            continue;
        }
        /* names reach `go tool pprof`'s terminal output: sanitized as in top */
        char *t = NULL;
        size_t tl = 0;
        FILE *m = open_memstream(&t, &tl);
        if (!m || (text_sanitize(m, s, len), fclose(m)) != 0)
            out.err = 1;
        else
            pb_len(&out, 6, t, tl);
        free(t);
    }
    if (timed) {
        pb_uint(&sub, 1, S_TTYPE);
        pb_uint(&sub, 2, S_NS);
        pb_msg(&out, 11, &sub); /* period_type */
        pb_uint(&out, 12, pprof_value(mi->period_ns, &c.saturated)); /* period */
    }
    int rc = 0;
    if (out.err || sub.err || sub2.err || packed.err) {
        rc = cli_error("out of memory");
        goto done;
    }
    /* gzip (windowBits 15 + 16) as pprof expects */
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        rc = cli_error("zlib init failed");
        goto done;
    }
    unsigned char buf[65536];
    z.next_in = out.b;
    z.avail_in = (uInt)out.n;
    int zr;
    do {
        z.next_out = buf;
        z.avail_out = sizeof(buf);
        zr = deflate(&z, Z_FINISH);
        fwrite(buf, 1, sizeof(buf) - z.avail_out, f);
    } while (zr == Z_OK);
    deflateEnd(&z);
    if (zr != Z_STREAM_END)
        rc = cli_error("zlib deflate failed");
done:
    free(out.b);
    free(sub.b);
    free(sub2.b);
    free(packed.b);
    return rc;
}

void usage_convert(FILE *f)
{
    fputs("usage: flamepre convert IN.folded... --to folded|pprof|speedscope [-o OUT]\n"
          "\n"
          "  --to folded      normalized folded: merged, sorted, integer counts\n"
          "  --to pprof       gzipped profile.proto (go tool pprof -top OUT)\n"
          "  --to speedscope  speedscope JSON (https://www.speedscope.app)\n"
          "  -o, --output F   output file (default stdout)\n"
          "      --units U    samples, bytes, ns or count (default: from the file name)\n"
          "      --merge-threads, --lenient   as for render\n",
          f);
}

static const struct option convert_longopts[] = {
    { "to", required_argument, NULL, 't' },
    { "output", required_argument, NULL, 'o' },
    { "units", required_argument, NULL, 'u' },
    { "merge-threads", no_argument, NULL, 'm' },
    { "lenient", no_argument, NULL, 'l' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

int cmd_convert(int argc, char **argv)
{
    const char *to = NULL, *out = NULL, *units = NULL;
    struct parse_opts po = { 0 };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", convert_longopts, NULL)) != -1) {
        switch (c) {
        case 't': to = optarg; break;
        case 'o': out = optarg; break;
        case 'u': units = optarg; break;
        case 'm': po.merge_threads = true; break;
        case 'l': po.lenient = true; break;
        case 'h': usage_convert(stdout); return 0;
        default:
            bad_option(argv, "convert");
            return 2;
        }
    }
    if (optind >= argc || !to) {
        cli_error(optind >= argc ? "convert: no input file" : "convert: --to is required");
        usage_convert(stderr);
        return 2;
    }
    if (strcmp(to, "folded") && strcmp(to, "pprof") && strcmp(to, "speedscope")) {
        cli_error("--to: expected folded, pprof or speedscope, got \"%s\"", to);
        return 2;
    }
    struct metric_info mi;
    struct profile *p;
    int status = cmd_load(argv + optind, argc - optind, &po, units, &mi, &p);
    if (status)
        return status;
    status = 1;
    struct out_file of;
    if (out_open(&of, out) < 0)
        goto done;
    int rc;
    if (!strcmp(to, "folded"))
        rc = write_folded(of.f, p);
    else if (!strcmp(to, "speedscope"))
        rc = write_speedscope(of.f, p, &mi, path_base(argv[optind]));
    else
        rc = write_pprof(of.f, p, &mi);
    if (out_close(&of, rc == 0) == 0 && rc == 0)
        status = 0;
done:
    profile_free(p);
    return status;
}
