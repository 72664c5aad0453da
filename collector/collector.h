#ifndef FLAMEPRE_COLLECTOR_H
#define FLAMEPRE_COLLECTOR_H
/*
 * The in-process collector, the fallback where no collector process can
 * be started or reached: a background thread (all signals blocked) drains
 * the host's own shared mapping (layout.h) every 50 ms with the same code
 * as the collector process (image.h), and at the end symbolizes and writes
 * <comm>.<pid>.<metric>.folded and <comm>.<pid>.meta.json into the output
 * directory, each atomically. meta.json says "collector": "thread".
 *
 * Normal context only; never called from a signal handler. All entry points
 * serialise on one mutex, which the fork handlers hold across fork so the
 * child never inherits it locked.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "preload/config.h"

/* The session as the collector writes it into meta.json. */
struct collector_session {
    const struct config *cfg;
    char outdir[CONFIG_PATH_MAX]; /* absolute */
    char comm[16];                /* process name for file names */
    pid_t pid, ppid;
    const char *cmdline; /* NUL-separated argv, cmdline_len bytes */
    size_t cmdline_len;
    uint64_t start_ns;      /* CLOCK_REALTIME */
    uint64_t start_mono_ns; /* CLOCK_MONOTONIC */
};

/* Collect the host's mapping (shm.h, already filled) and, with
 * drain_thread, start the drain thread. Without it (only allocations are
 * recorded, with no timeline: they never go through the rings) the process keeps its thread
 * count, and glibc its single-threaded fast paths; the program's exiting
 * threads then call collector_recycle_exited themselves so their slots
 * are recycled. 0 or -1. */
int collector_start(bool drain_thread);

/* True when a drain thread runs. */
bool collector_threaded(void);

/* Ask the drain thread to drain now (a producer waits for ring room). Any
 * context but a signal handler; never blocks. */
void collector_kick(void);

/* Without a drain thread (collector_threaded false): record the slots of
 * threads that passed their exit hook and make them reusable (called by
 * each exiting thread), or also find threads that left without it (called
 * when no slot is free). Never block: signals masked, lock only tried. */
void collector_recycle_exited(void);
void collector_reap(void);

/* Stop the drain thread, drain, symbolize, write the files. `how` names the
 * exit path for meta.json ("exit", "_exit", "exec"); an image that leaves
 * no files (layout_leaves_no_files) writes nothing. Idempotent per
 * process. */
void collector_finish(const char *how);

/* fork(2) handlers (pthread_atfork order). The child, already on its own
 * mapping (shm_fork_child), starts over with an empty table; the parent's
 * data is never written by the child. */
void collector_fork_prepare(void);
void collector_fork_parent(void);
void collector_fork_child(void);

#endif
