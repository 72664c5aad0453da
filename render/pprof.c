/*
 * pprof output (contract in pprof.h).
 *
 * Model: one Function and one Location per distinct frame name (ids equal
 * the name id), one Mapping marked has_functions so pprof does not try to
 * symbolize, one Sample per trie node with a self count, locations leaf
 * first as profile.proto requires. The protobuf is hand-encoded: every
 * message we write is small and flat, and a generated library would be a
 * dependency for ~100 lines of varints.
 */
#include "render/pprof.h"
#include "render/escape.h"
#include "render/profile.h"
#include "render/units.h"
#include "render/util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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
        pb_varint(c->packed,
                  pprof_value(((double)self->n + self->frac) * c->period, &c->saturated));
    pb_msg(c->sample, 2, c->packed);
    pb_msg(c->out, 2, c->sample);
    return c->out->err ? -1 : 0;
}

int pprof_write(FILE *f, struct profile *p, const struct metric_info *mi)
{
    struct pb out = {0}, sub = {0}, sub2 = {0}, packed = {0};
    /* Sample types from the metric. Sampled metrics (cpu, wall) carry two
     * values when the period is known, as Go's own CPU profiles do:
     * samples/count and METRIC/nanoseconds (count x period), with period_type
     * METRIC/nanoseconds and period = period_ns; pprof shows the last one. */
    const char *metric = mi->metric[0] ? mi->metric : NULL;
    const char *type, *unit;
    switch (mi->unit) {
    case UNIT_BYTES:
        type = metric ? metric : "space";
        unit = "bytes";
        break;
    case UNIT_NS:
        type = metric ? metric : "delay";
        unit = "nanoseconds";
        break;
    case UNIT_COUNT:
        type = metric ? metric : "count";
        unit = "count";
        break;
    default:
        type = "samples";
        unit = "count";
        break;
    }
    bool timed = mi->unit == UNIT_SAMPLES && mi->period_ns > 0;
    const char *ttype = metric ? metric : "cpu";
    /* string table: fixed strings below, then name id i at NFIXED - 1 + i */
    enum { S_TYPE = 1, S_UNIT, S_FILE, S_TTYPE, S_NS, NFIXED };
    const char *fixed[NFIXED] = {"", type, unit, "flamepre", ttype, "nanoseconds"};
    pb_uint(&sub, 1, S_TYPE);
    pb_uint(&sub, 2, S_UNIT);
    pb_msg(&out, 1, &sub); /* sample_type */
    if (timed) {
        pb_uint(&sub, 1, S_TTYPE);
        pb_uint(&sub, 2, S_NS);
        pb_msg(&out, 1, &sub);
    }
    struct pprof_ctx c = {&out, &sub, &packed, 0, timed ? mi->period_ns : 0};
    if (profile_walk_stacks(p, pprof_sample, &c) != 0)
        out.err = 1;
    if (c.saturated)
        cli_warn("%llu sample value(s) above 2^63-1 clamped to 9223372036854775807 "
                 "(pprof values are int64)",
                 (unsigned long long)c.saturated);
    pb_uint(&sub, 1, 1);      /* mapping id */
    pb_uint(&sub, 5, S_FILE); /* filename */
    pb_uint(&sub, 7, 1);      /* has_functions */
    pb_msg(&out, 3, &sub);
    size_t nn = profile_name_count(p);
    for (size_t i = 1; i < nn; i++) {
        pb_uint(&sub, 1, i);  /* location id */
        pb_uint(&sub, 2, 1);  /* mapping id */
        pb_uint(&sub2, 1, i); /* line.function_id */
        pb_msg(&sub, 4, &sub2);
        pb_msg(&out, 4, &sub);
    }
    for (size_t i = 1; i < nn; i++) {
        pb_uint(&sub, 1, i);              /* function id */
        pb_uint(&sub, 2, NFIXED - 1 + i); /* name */
        pb_uint(&sub, 3, NFIXED - 1 + i); /* system_name */
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
        pb_msg(&out, 11, &sub);                                      /* period_type */
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
