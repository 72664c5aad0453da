#ifndef FLAMEPRE_FORMAT_WALL_STATES_H
#define FLAMEPRE_FORMAT_WALL_STATES_H
/*
 * The thread states of the `wall` metric (<comm>.<pid>.wall.folded): every
 * nanosecond of a thread's lifetime is in exactly one of them, and each
 * stack of a wall profile ends in the state's frame, `[cpu]`, `[lock]`, ...
 * One table for both sides: the collector names the leaves and the
 * meta.json keys with it, the CLI (--colors wall, the legend, top
 * --by-state) recognises the leaves with it.
 *
 * Columns of WALL_STATES(X): ID (WALL_<ID>), name (meta.json key; the
 * frame is "[name]"), what it is (for people).
 *
 * Pure data and lookups: safe anywhere.
 */
#include <stddef.h>

#define WALL_STATES(X)                                                               \
    X(CPU, "cpu", "user-space CPU time (CPU samples x period)")                      \
    X(LOCK, "lock", "waiting for a contended mutex, rwlock, spinlock or semaphore")  \
    X(COND, "cond", "in pthread_cond_*wait / cnd_*wait")                             \
    X(IO, "io", "blocked in an I/O call")                                            \
    X(SLEEP, "sleep", "sleeping, yielding or waiting for a signal")                  \
    X(CHILD, "wait-child", "waiting for a child process (wait*) or a thread (join)") \
    X(RUNNABLE, "runnable", "ready to run but not running (schedstat run_delay)")    \
    X(OTHER, "other", "the rest: kernel CPU, page faults, calls nobody interposed")

enum wall_state {
#define X(id, name, desc) WALL_##id,
    WALL_STATES(X)
#undef X
        WALL_STATE_COUNT
};

/* "cpu", "wait-child", ... */
const char *wall_state_name(enum wall_state s);
/* The state whose frame ("[cpu]") is the len bytes at f, or -1. */
int wall_state_of_frame(const char *f, size_t len);

#endif
