/*
 * The .timeline codec (see timeline.h): a growing byte buffer for the
 * writer, a bounds-checked cursor for the reader.
 */
#include "format/timeline.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ---- */

struct wbuf {
    unsigned char *p;
    size_t len, cap;
    bool oom;
};

static void wb_reserve(struct wbuf *b, size_t more)
{
    if (b->oom || b->cap - b->len >= more)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more)
        cap *= 2;
    unsigned char *n = realloc(b->p, cap);
    if (!n) {
        b->oom = true;
        return;
    }
    b->p = n;
    b->cap = cap;
}

static void wb_bytes(struct wbuf *b, const void *s, size_t n)
{
    wb_reserve(b, n);
    if (b->oom)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void wb_u32(struct wbuf *b, uint32_t v)
{
    unsigned char le[4] = {v & 0xff, v >> 8 & 0xff, v >> 16 & 0xff, v >> 24};
    wb_bytes(b, le, 4);
}

static void wb_var(struct wbuf *b, uint64_t v)
{
    unsigned char d[10];
    size_t n = 0;
    while (v >= 0x80) {
        d[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    d[n++] = (unsigned char)v;
    wb_bytes(b, d, n);
}

static void wb_str(struct wbuf *b, const char *s, size_t n)
{
    wb_var(b, n);
    wb_bytes(b, s, n);
}

static bool valid(const struct timeline *tl)
{
    for (size_t i = 0; i < tl->nstacks; i++)
        if (tl->stacks[i].metric >= tl->nmetrics || tl->stacks[i].thread >= tl->nthreads)
            return false;
    for (size_t i = 0; i < tl->nevents; i++)
        if (tl->events[i].stack >= tl->nstacks ||
            (i && tl->events[i].t_ns < tl->events[i - 1].t_ns))
            return false;
    return true;
}

int timeline_encode(const struct timeline *tl, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!valid(tl)) {
        errno = EINVAL;
        return -1;
    }
    struct wbuf b = {0};
    wb_bytes(&b, TIMELINE_MAGIC, TIMELINE_MAGIC_LEN);
    wb_u32(&b, TIMELINE_VERSION);
    wb_u32(&b, 0);
    wb_var(&b, tl->start_ns);
    wb_var(&b, tl->period_ns);
    wb_var(&b, tl->pid);
    const char *comm = tl->comm ? tl->comm : "";
    wb_str(&b, comm, strlen(comm));
    wb_var(&b, tl->nthreads);
    for (size_t i = 0; i < tl->nthreads; i++) {
        const char *nm = tl->threads[i].name ? tl->threads[i].name : "";
        wb_var(&b, tl->threads[i].tid);
        wb_str(&b, nm, strlen(nm));
    }
    wb_var(&b, tl->nmetrics);
    for (size_t i = 0; i < tl->nmetrics; i++)
        wb_str(&b, tl->metrics[i], strlen(tl->metrics[i]));
    wb_var(&b, tl->nstacks);
    for (size_t i = 0; i < tl->nstacks; i++) {
        wb_var(&b, tl->stacks[i].metric);
        wb_var(&b, tl->stacks[i].thread);
        wb_str(&b, tl->stacks[i].frames, tl->stacks[i].len);
    }
    wb_var(&b, tl->nevents);
    /* the events are most of the file: reserve once */
    wb_reserve(&b, tl->nevents * 8);
    uint64_t prev = 0;
    for (size_t i = 0; i < tl->nevents; i++) {
        const struct tl_event *e = &tl->events[i];
        wb_var(&b, e->t_ns - prev);
        wb_var(&b, e->stack);
        wb_var(&b, e->weight);
        prev = e->t_ns;
    }
    if (b.oom) {
        free(b.p);
        errno = ENOMEM;
        return -1;
    }
    *out = b.p;
    *len = b.len;
    return 0;
}

/* ---- reader ---- */

struct rbuf {
    const unsigned char *p;
    size_t left;
    const char *why; /* first problem */
};

static bool fail(struct rbuf *r, const char *why)
{
    if (!r->why)
        r->why = why;
    r->left = 0;
    return false;
}

static bool rd_var(struct rbuf *r, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (!r->left)
            return fail(r, "truncated");
        unsigned char c = *r->p++;
        r->left--;
        if (shift == 63 && c > 1)
            return fail(r, "varint too large");
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return true;
        }
    }
    return fail(r, "varint too long");
}

/* A count of items at least `min_bytes` each: never more than the bytes
 * left can hold, so a forged count cannot make us allocate. */
static bool rd_count(struct rbuf *r, size_t min_bytes, size_t *n)
{
    uint64_t v;
    if (!rd_var(r, &v))
        return false;
    if (v > r->left / min_bytes)
        return fail(r, "count larger than the file");
    *n = (size_t)v;
    return true;
}

static bool rd_index(struct rbuf *r, size_t limit, uint32_t *out, const char *why)
{
    uint64_t v;
    if (!rd_var(r, &v))
        return false;
    if (v >= limit)
        return fail(r, why);
    *out = (uint32_t)v;
    return true;
}

/* A string into a new NUL-terminated copy. */
static bool rd_str(struct rbuf *r, char **out, size_t *outlen)
{
    uint64_t n;
    if (!rd_var(r, &n))
        return false;
    if (n > r->left)
        return fail(r, "truncated string");
    if (memchr(r->p, 0, (size_t)n))
        return fail(r, "NUL in a string");
    char *s = malloc((size_t)n + 1);
    if (!s)
        return fail(r, "out of memory");
    memcpy(s, r->p, (size_t)n);
    s[n] = 0;
    r->p += n;
    r->left -= (size_t)n;
    *out = s;
    if (outlen)
        *outlen = (size_t)n;
    return true;
}

static void *alloc_n(struct rbuf *r, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        fail(r, "out of memory");
    return p;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int timeline_is(const unsigned char *buf, size_t len)
{
    return len >= TIMELINE_MAGIC_LEN && memcmp(buf, TIMELINE_MAGIC, TIMELINE_MAGIC_LEN) == 0;
}

static bool rd_header(struct rbuf *r, struct timeline *tl)
{
    uint64_t pid;
    if (!rd_var(r, &tl->start_ns) || !rd_var(r, &tl->period_ns) || !rd_var(r, &pid) ||
        !rd_str(r, &tl->comm, NULL))
        return false;
    if (pid > UINT32_MAX)
        return fail(r, "pid out of range");
    tl->pid = (uint32_t)pid;
    if (!rd_count(r, 2, &tl->nthreads) ||
        !(tl->threads = alloc_n(r, tl->nthreads, sizeof *tl->threads)))
        return false;
    for (size_t i = 0; i < tl->nthreads; i++) {
        uint64_t tid;
        if (!rd_var(r, &tid) || !rd_str(r, &tl->threads[i].name, NULL))
            return false;
        if (tid > UINT32_MAX)
            return fail(r, "tid out of range");
        tl->threads[i].tid = (uint32_t)tid;
    }
    if (!rd_count(r, 1, &tl->nmetrics) ||
        !(tl->metrics = alloc_n(r, tl->nmetrics, sizeof *tl->metrics)))
        return false;
    for (size_t i = 0; i < tl->nmetrics; i++)
        if (!rd_str(r, &tl->metrics[i], NULL))
            return false;
    return true;
}

static bool rd_body(struct rbuf *r, struct timeline *tl)
{
    if (!rd_count(r, 3, &tl->nstacks) ||
        !(tl->stacks = alloc_n(r, tl->nstacks, sizeof *tl->stacks)))
        return false;
    for (size_t i = 0; i < tl->nstacks; i++) {
        struct tl_stack *s = &tl->stacks[i];
        if (!rd_index(r, tl->nmetrics, &s->metric, "metric index out of range") ||
            !rd_index(r, tl->nthreads, &s->thread, "thread index out of range") ||
            !rd_str(r, &s->frames, &s->len))
            return false;
    }
    if (!rd_count(r, 3, &tl->nevents) ||
        !(tl->events = alloc_n(r, tl->nevents, sizeof *tl->events)))
        return false;
    uint64_t t = 0;
    for (size_t i = 0; i < tl->nevents; i++) {
        struct tl_event *e = &tl->events[i];
        uint64_t dt;
        if (!rd_var(r, &dt) || !rd_index(r, tl->nstacks, &e->stack, "stack index out of range") ||
            !rd_var(r, &e->weight))
            return false;
        if (dt > UINT64_MAX - t)
            return fail(r, "time out of range");
        t += dt;
        e->t_ns = t;
    }
    if (r->left)
        return fail(r, "bytes after the events");
    return true;
}

int timeline_decode(const unsigned char *buf, size_t len, struct timeline *tl, const char **why)
{
    memset(tl, 0, sizeof *tl);
    struct rbuf r = {buf, len, NULL};
    if (!timeline_is(buf, len) || len < TIMELINE_MAGIC_LEN + 8) {
        *why = "not a timeline (no FLAMETL magic)";
        return -1;
    }
    uint32_t version = le32(buf + 8), flags = le32(buf + 12);
    if (version != TIMELINE_VERSION || flags) {
        *why = "timeline version not supported";
        return -1;
    }
    r.p += 16;
    r.left -= 16;
    if (rd_header(&r, tl) && rd_body(&r, tl))
        return 0;
    *why = r.why ? r.why : "malformed";
    timeline_free(tl);
    return -1;
}

void timeline_free(struct timeline *tl)
{
    free(tl->comm);
    if (tl->threads)
        for (size_t i = 0; i < tl->nthreads; i++)
            free(tl->threads[i].name);
    free(tl->threads);
    if (tl->metrics)
        for (size_t i = 0; i < tl->nmetrics; i++)
            free(tl->metrics[i]);
    free(tl->metrics);
    if (tl->stacks)
        for (size_t i = 0; i < tl->nstacks; i++)
            free(tl->stacks[i].frames);
    free(tl->stacks);
    free(tl->events);
    memset(tl, 0, sizeof *tl);
}
