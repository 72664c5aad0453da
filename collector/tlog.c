/*
 * The timeline log (see tlog.h): a growing array of events, sorted by
 * time and encoded (format/timeline.c) at each write.
 */
#include "collector/tlog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format/atomic_file.h"
#include "format/timeline.h"

struct tlog_ev {
    uint64_t t_ns;
    uint64_t weight;
    uint32_t entry;
};

struct tlog {
    struct tlog_ev *ev;
    size_t n, cap;
    uint64_t lost;
};

struct tlog *tlog_new(void)
{
    return calloc(1, sizeof(struct tlog));
}

void tlog_free(struct tlog *l)
{
    if (!l)
        return;
    free(l->ev);
    free(l);
}

int tlog_add(struct tlog *l, uint64_t t_ns, uint32_t entry, uint64_t weight)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        struct tlog_ev *n = realloc(l->ev, cap * sizeof *n);
        if (!n) {
            l->lost++;
            return -1;
        }
        l->ev = n;
        l->cap = cap;
    }
    l->ev[l->n++] = (struct tlog_ev){t_ns, weight, entry};
    return 0;
}

size_t tlog_count(const struct tlog *l)
{
    return l->n;
}

uint64_t tlog_lost(const struct tlog *l)
{
    return l->lost;
}

/* Events of one drain are in ring order per thread; across threads only
 * the sort puts them in order. Ties by entry, so the file is stable. */
static int ev_cmp(const void *a, const void *b)
{
    const struct tlog_ev *x = a, *y = b;
    if (x->t_ns != y->t_ns)
        return x->t_ns < y->t_ns ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static int rec_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct thread_rec *)a)->serial, y = ((const struct thread_rec *)b)->serial;
    return x < y ? -1 : x > y;
}

/* The file's index of a metric name, added on first use. */
static long metric_index(struct timeline *tl, const char *name)
{
    for (size_t i = 0; i < tl->nmetrics; i++)
        if (strcmp(tl->metrics[i], name) == 0)
            return (long)i;
    char *copy = strdup(name);
    char **n = realloc(tl->metrics, (tl->nmetrics + 1) * sizeof *n);
    if (!copy || !n) {
        free(copy);
        if (n)
            tl->metrics = n;
        return -1;
    }
    tl->metrics = n;
    tl->metrics[tl->nmetrics] = copy;
    return (long)tl->nmetrics++;
}

/* A view of an entry in the file: its stack there, weight factor, spread. */
struct view {
    uint32_t stack; /* UINT32_MAX: not named yet; UINT32_MAX - 1: left out */
    bool spread;
    uint64_t scale;
};

/* The file's stack of view v of entry e, named on first use; -1 to leave
 * it out. */
static long stack_of(struct timeline *tl, struct view *map, uint32_t e, unsigned v,
                     const struct tlog_session *s, const struct tlog_names *nm)
{
    struct view *vw = &map[(size_t)e * TLOG_VIEWS + v];
    if (vw->stack != UINT32_MAX)
        return vw->stack == UINT32_MAX - 1 ? -1 : (long)vw->stack;
    struct tlog_view o = {.scale = 1};
    vw->stack = UINT32_MAX - 1;
    if (!nm->entry(nm->arg, e, v, &o))
        return -1;
    vw->scale = o.scale;
    vw->spread = o.spread;
    long m = metric_index(tl, o.metric);
    char *copy = malloc(o.len + 1);
    struct tl_stack *st = realloc(tl->stacks, (tl->nstacks + 1) * sizeof *st);
    if (st)
        tl->stacks = st;
    if (m < 0 || !copy || !st) {
        free(copy);
        return -1;
    }
    memcpy(copy, o.text, o.len);
    copy[o.len] = 0;
    struct thread_rec key = {.serial = o.serial};
    const struct thread_rec *r = bsearch(&key, s->threads, s->nthreads, sizeof key, rec_cmp);
    /* a thread the records do not know is the last entry, "?" */
    size_t ti = r ? (size_t)(r - s->threads) : s->nthreads;
    tl->stacks[tl->nstacks] = (struct tl_stack){
        .metric = (uint32_t)m, .thread = (uint32_t)ti, .frames = copy, .len = o.len};
    vw->stack = (uint32_t)tl->nstacks;
    return (long)tl->nstacks++;
}

/* Append an event to tl->events (*cap of them allocated). */
static int push(struct timeline *tl, size_t *cap, struct tl_event ev)
{
    if (tl->nevents == *cap) {
        size_t n = *cap ? *cap * 2 : 4096;
        struct tl_event *e = realloc(tl->events, n * sizeof *e);
        if (!e)
            return -1;
        tl->events = e;
        *cap = n;
    }
    tl->events[tl->nevents++] = ev;
    return 0;
}

/* Event w of view vw at t, in pieces when it is spread: not past end (ns
 * from the start), and no more pieces than *budget has left (tlog.h);
 * the last piece holds the rest. */
static int emit(struct timeline *tl, size_t *cap, uint64_t t, uint32_t stack, const struct view *vw,
                uint64_t w, uint64_t end, uint64_t *budget)
{
    w = vw->scale > 1 && w > UINT64_MAX / vw->scale ? UINT64_MAX : w * vw->scale;
    if (!vw->spread)
        return push(tl, cap, (struct tl_event){.t_ns = t, .stack = stack, .weight = w});
    for (; w > 0; t += TLOG_SPREAD_NS) {
        uint64_t piece = w < TLOG_SPREAD_NS ? w : TLOG_SPREAD_NS;
        if (piece < w && (*budget == 0 || t >= end || end - t <= TLOG_SPREAD_NS))
            piece = w;
        else if (piece < w)
            (*budget)--;
        if (push(tl, cap, (struct tl_event){.t_ns = t, .stack = stack, .weight = piece}) < 0)
            return -1;
        w -= piece;
    }
    return 0;
}

static int tl_ev_cmp(const void *a, const void *b)
{
    const struct tl_event *x = a, *y = b;
    if (x->t_ns != y->t_ns)
        return x->t_ns < y->t_ns ? -1 : 1;
    return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* Fill tl from the log (events sorted in place). */
static int build(struct tlog *l, const struct tlog_session *s, const struct tlog_names *nm,
                 struct timeline *tl)
{
    tl->start_ns = s->start_mono_ns;
    tl->period_ns = s->period_ns;
    tl->pid = s->pid;
    tl->comm = strdup(s->comm);
    tl->nthreads = s->nthreads + 1;
    tl->threads = calloc(tl->nthreads, sizeof *tl->threads);
    uint32_t max_entry = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->ev[i].entry > max_entry)
            max_entry = l->ev[i].entry;
    size_t nmap = ((size_t)max_entry + 1) * TLOG_VIEWS, cap = 0;
    struct view *map = malloc(nmap * sizeof *map);
    if (!tl->comm || !tl->threads || !map) {
        free(map);
        return -1;
    }
    for (size_t i = 0; i < s->nthreads; i++) {
        tl->threads[i].tid = (uint32_t)s->threads[i].tid;
        tl->threads[i].name = strdup(s->threads[i].name[0] ? s->threads[i].name : "?");
    }
    tl->threads[s->nthreads].name = strdup("?");
    for (size_t i = 0; i < nmap; i++)
        map[i] = (struct view){.stack = UINT32_MAX};
    if (l->n > 1)
        qsort(l->ev, l->n, sizeof *l->ev, ev_cmp);
    bool spread = false;
    uint64_t end = s->end_mono_ns > s->start_mono_ns ? s->end_mono_ns - s->start_mono_ns : 0;
    uint64_t budget = (end / TLOG_SPREAD_NS + 1) * (s->nthreads + 1) + l->n;
    for (size_t i = 0; i < l->n; i++) {
        uint64_t t = l->ev[i].t_ns > s->start_mono_ns ? l->ev[i].t_ns - s->start_mono_ns : 0;
        for (unsigned v = 0; v < TLOG_VIEWS; v++) {
            long st = stack_of(tl, map, l->ev[i].entry, v, s, nm);
            if (st < 0)
                continue;
            const struct view *vw = &map[(size_t)l->ev[i].entry * TLOG_VIEWS + v];
            spread |= vw->spread;
            if (emit(tl, &cap, t, (uint32_t)st, vw, l->ev[i].weight, end, &budget) < 0) {
                free(map);
                return -1;
            }
        }
    }
    free(map);
    if (spread && tl->nevents > 1) /* pieces run past the events after them */
        qsort(tl->events, tl->nevents, sizeof *tl->events, tl_ev_cmp);
    for (size_t i = 0; i < tl->nthreads; i++)
        if (!tl->threads[i].name)
            return -1;
    return 0;
}

int tlog_write(struct tlog *l, const struct tlog_session *s, const struct tlog_names *names,
               int dirfd, const char *name)
{
    struct timeline tl;
    memset(&tl, 0, sizeof tl);
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = -1;
    if (build(l, s, names, &tl) < 0)
        errno = ENOMEM;
    else if (timeline_encode(&tl, &buf, &len) == 0) {
        struct atomic_file af;
        if (atomic_file_openat(&af, dirfd, name, 0644) == 0) {
            atomic_file_write(&af, buf, len);
            rc = atomic_file_commit(&af);
        }
    }
    int e = errno;
    free(buf);
    timeline_free(&tl);
    errno = e;
    return rc;
}
