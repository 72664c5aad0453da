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

/* The file's stack of entry e, named on first use; -1 to leave it out. */
static long stack_of(struct timeline *tl, uint32_t *map, uint32_t e, const struct tlog_session *s,
                     const struct tlog_names *nm)
{
    if (map[e] != UINT32_MAX)
        return map[e] == UINT32_MAX - 1 ? -1 : (long)map[e];
    const char *text, *metric;
    size_t len;
    uint64_t serial;
    map[e] = UINT32_MAX - 1;
    if (!nm->entry(nm->arg, e, &text, &len, &metric, &serial))
        return -1;
    long m = metric_index(tl, metric);
    char *copy = malloc(len + 1);
    struct tl_stack *st = realloc(tl->stacks, (tl->nstacks + 1) * sizeof *st);
    if (st)
        tl->stacks = st;
    if (m < 0 || !copy || !st) {
        free(copy);
        return -1;
    }
    memcpy(copy, text, len);
    copy[len] = 0;
    struct thread_rec key = {.serial = serial};
    const struct thread_rec *r = bsearch(&key, s->threads, s->nthreads, sizeof key, rec_cmp);
    /* a thread the records do not know is the last entry, "?" */
    size_t ti = r ? (size_t)(r - s->threads) : s->nthreads;
    tl->stacks[tl->nstacks] = (struct tl_stack){
        .metric = (uint32_t)m, .thread = (uint32_t)ti, .frames = copy, .len = len};
    map[e] = (uint32_t)tl->nstacks;
    return (long)tl->nstacks++;
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
    uint32_t *map = malloc(((size_t)max_entry + 1) * sizeof *map);
    tl->events = malloc((l->n ? l->n : 1) * sizeof *tl->events);
    if (!tl->comm || !tl->threads || !map || !tl->events) {
        free(map);
        return -1;
    }
    for (size_t i = 0; i < s->nthreads; i++) {
        tl->threads[i].tid = (uint32_t)s->threads[i].tid;
        tl->threads[i].name = strdup(s->threads[i].name[0] ? s->threads[i].name : "?");
    }
    tl->threads[s->nthreads].name = strdup("?");
    memset(map, 0xff, ((size_t)max_entry + 1) * sizeof *map);
    qsort(l->ev, l->n, sizeof *l->ev, ev_cmp);
    for (size_t i = 0; i < l->n; i++) {
        long st = stack_of(tl, map, l->ev[i].entry, s, nm);
        if (st < 0)
            continue;
        uint64_t t = l->ev[i].t_ns > s->start_mono_ns ? l->ev[i].t_ns - s->start_mono_ns : 0;
        tl->events[tl->nevents++] =
            (struct tl_event){.t_ns = t, .stack = (uint32_t)st, .weight = l->ev[i].weight};
    }
    free(map);
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
