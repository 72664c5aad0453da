#ifndef FLAMEPRE_COLLECTOR_TLOG_H
#define FLAMEPRE_COLLECTOR_TLOG_H
/*
 * The collector's timeline log (FLAMEPRE_TIMELINE=1): one entry per timed
 * ring record (time, stack-table entry, weight), appended as the rings are
 * drained, and written as <comm>.<pid>.timeline (format/timeline.h) at
 * each write of the image, snapshots included: every write holds every
 * event so far, so a snapshot's file is whole and self-contained.
 *
 * The log only names stack-table entries; the image's writer names them
 * (symbolized folded text, metric, thread) through a callback at write
 * time, so a stack is symbolized once however many events it has.
 *
 * Not thread-safe (the collector serialises); normal context only.
 */
#include <stddef.h>
#include <stdint.h>

#include "collector/meta.h" /* struct thread_rec */

struct tlog;

struct tlog *tlog_new(void);
void tlog_free(struct tlog *l);

/* Log an event at CLOCK_MONOTONIC time t_ns of stack-table entry `entry`
 * with `weight`. 0, or -1 when memory ran out (the event is counted as
 * lost). */
int tlog_add(struct tlog *l, uint64_t t_ns, uint32_t entry, uint64_t weight);

size_t tlog_count(const struct tlog *l);
uint64_t tlog_lost(const struct tlog *l);

/* What the writer says of a stack-table entry in each of its views: view
 * 0 is the entry as its own metric has it (a CPU sample under "cpu", a
 * lock wait under "lock_ns", an allocation under "alloc_bytes"), view 1
 * the same event as wall time (under "wall", with the state's leaf
 * frame), when the wall event is recorded. Every view of an event is
 * written at the event's time, its weight multiplied by `scale` (a CPU
 * sample's period for wall). With `spread`, an event of weight w ns
 * stands for the time [t, t + w) (a wait: it began at t) and is written
 * as pieces of at most TLOG_SPREAD_NS at t, t + TLOG_SPREAD_NS, ..., so a
 * 2 s sleep fills two seconds of the heatmap, not one cell. The host is
 * not trusted to say how long its waits were: pieces stop at the
 * session's end, and a file has at most one piece per TLOG_SPREAD_NS of
 * the session per thread (and one per event) before the rest of each
 * wait is written as one event; the weights always add up. */
#define TLOG_VIEWS 2u
#define TLOG_SPREAD_NS 20000000u /* 20 ms: a row of the heatmap's default 50 a second */
struct tlog_view {
    const char *text; /* folded text, valid until the next call */
    size_t len;
    const char *metric; /* format/metrics.h name */
    uint64_t serial;    /* the thread it belongs to */
    uint64_t scale;     /* weight factor (1 unless set) */
    bool spread;        /* the weight is ns from the event's time on */
};
/* False: the entry has no such view; its events are left out of it. */
struct tlog_names {
    bool (*entry)(void *arg, uint32_t entry, unsigned view, struct tlog_view *out);
    void *arg;
};

/* The session the file's header names; end_mono_ns: now (no spread piece
 * goes past it). */
struct tlog_session {
    uint64_t start_mono_ns, end_mono_ns, period_ns;
    uint32_t pid;
    const char *comm;
    const struct thread_rec *threads; /* sorted by serial */
    size_t nthreads;
};

/* Write the log as `name` in dirfd, atomically. 0, or -1 with errno. */
int tlog_write(struct tlog *l, const struct tlog_session *s, const struct tlog_names *names,
               int dirfd, const char *name);

#endif
