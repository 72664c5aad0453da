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
#include "render/cmd.h"
#include "render/escape.h"
#include "render/parse.h"
#include "render/profile.h"
#include "render/units.h"
#include "render/util.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- folded ---- */

struct folded_ctx {
    const struct profile *p;
    char **lines;
    size_t n, cap;
};

static int collect_line(const uint32_t *names, size_t n, double self, void *arg)
{
    struct folded_ctx *c = arg;
    double v = llround(self);
    if (v <= 0)
        return 0;
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
        fwrite(s, 1, l, f);
    }
    fprintf(f, " %.0f", v);
    if (fclose(f) != 0 || grow_array(&c->lines, &c->cap, c->n + 1, sizeof(char *)) < 0) {
        free(buf);
        return -1;
    }
    c->lines[c->n++] = buf;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int write_folded(FILE *f, struct profile *p)
{
    struct folded_ctx c = { .p = p };
    int rc = profile_walk_stacks(p, collect_line, &c);
    if (rc == 0) {
        qsort(c.lines, c.n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < c.n; i++) {
            fputs(c.lines[i], f);
            fputc('\n', f);
        }
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.lines[i]);
    free(c.lines);
    return rc ? cli_error("out of memory") : 0;
}

/* ---- speedscope ---- */

struct ss_ctx {
    FILE *f;
    bool first;
    int pass; /* 0: samples, 1: weights */
};

static int ss_stack(const uint32_t *names, size_t n, double self, void *arg)
{
    struct ss_ctx *c = arg;
    fputs(c->first ? "" : ",", c->f);
    c->first = false;
    if (c->pass == 1) {
        fprintf(c->f, "%.15g", self);
        return 0;
    }
    fputc('[', c->f);
    for (size_t i = 0; i < n; i++)
        fprintf(c->f, "%s%u", i ? "," : "", names[i] - 1);
    fputc(']', c->f);
    return 0;
}

static int write_speedscope(FILE *f, struct profile *p, const struct metric_info *mi,
                            const char *name)
{
    const char *unit = mi->unit == UNIT_BYTES ? "bytes"
                       : mi->unit == UNIT_NS ? "nanoseconds" : "none";
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
    fprintf(f, "]},\"profiles\":[{\"type\":\"sampled\",\"name\":\"");
    json_escape(f, name, strlen(name));
    fprintf(f, "\",\"unit\":\"%s\",\"startValue\":0,\"endValue\":%.15g,\"samples\":[", unit,
            profile_total(p) - profile_node(p, 0)->self);
    struct ss_ctx c = { f, true, 0 };
    profile_walk_stacks(p, ss_stack, &c);
    fputs("],\"weights\":[", f);
    c.first = true;
    c.pass = 1;
    profile_walk_stacks(p, ss_stack, &c);
    fputs("]}]}\n", f);
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
};

static int pprof_sample(const uint32_t *names, size_t n, double self, void *arg)
{
    struct pprof_ctx *c = arg;
    long long v = llround(self);
    if (v <= 0)
        return 0;
    for (size_t i = n; i-- > 0;)
        pb_varint(c->packed, names[i]); /* location id = name id, leaf first */
    pb_msg(c->sample, 1, c->packed);
    pb_varint(c->packed, (uint64_t)v);
    pb_msg(c->sample, 2, c->packed);
    pb_msg(c->out, 2, c->sample);
    return c->out->err ? -1 : 0;
}

static int write_pprof(FILE *f, struct profile *p, const struct metric_info *mi)
{
    struct pb out = { 0 }, sub = { 0 }, sub2 = { 0 }, packed = { 0 };
    const char *type, *unit;
    switch (mi->unit) {
    case UNIT_BYTES: type = mi->metric[0] ? mi->metric : "space"; unit = "bytes"; break;
    case UNIT_NS: type = mi->metric[0] ? mi->metric : "delay"; unit = "nanoseconds"; break;
    case UNIT_COUNT: type = mi->metric[0] ? mi->metric : "count"; unit = "count"; break;
    default: type = "samples"; unit = "count"; break;
    }
    /* string table: 0 "", 1 type, 2 unit, 3 "flamepre", then name id i at 3 + i */
    pb_uint(&sub, 1, 1);
    pb_uint(&sub, 2, 2);
    pb_msg(&out, 1, &sub); /* sample_type */
    struct pprof_ctx c = { &out, &sub, &packed };
    if (profile_walk_stacks(p, pprof_sample, &c) != 0)
        out.err = 1;
    pb_uint(&sub, 1, 1);     /* mapping id */
    pb_uint(&sub, 5, 3);     /* filename */
    pb_uint(&sub, 7, 1);     /* has_functions */
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
        pb_uint(&sub, 1, i);     /* function id */
        pb_uint(&sub, 2, 3 + i); /* name */
        pb_uint(&sub, 3, 3 + i); /* system_name */
        pb_msg(&out, 5, &sub);
    }
    static const char *const fixed[] = { "", NULL, NULL, "flamepre" };
    for (size_t i = 0; i < 4; i++) {
        const char *s = i == 1 ? type : i == 2 ? unit : fixed[i];
        pb_len(&out, 6, s, strlen(s));
    }
    for (size_t i = 1; i < nn; i++) {
        size_t len;
        const char *s = profile_name(p, (uint32_t)i, &len);
        pb_len(&out, 6, s, len);
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
    metric_from_path(argv[optind], &mi);
    if (units && unit_parse(units, &mi.unit) < 0) {
        cli_error("--units: expected samples, bytes, ns or count, got \"%s\"", units);
        return 2;
    }
    struct profile *p = profile_new();
    if (!p) {
        cli_error("out of memory");
        return 1;
    }
    int status = 2;
    struct parse_stats st = { 0 };
    for (int i = optind; i < argc; i++)
        if (parse_folded_file(p, argv[i], &po, &st) < 0)
            goto done;
    if (st.skipped)
        cli_warn("%llu malformed lines skipped", (unsigned long long)st.skipped);
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
