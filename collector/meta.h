#ifndef FLAMEPRE_META_H
#define FLAMEPRE_META_H
/*
 * meta.json: what was recorded and how well. Every loss has a counter here
 * so a reader can tell when a graph is lying. Written atomically.
 */
#include <stdbool.h>
#include <stdint.h>

#include "collector/collector.h"
#include "collector/modsum.h"
#include "collector/symbolize.h"
#include "format/metrics.h"
#include "format/wall_states.h"
#include "preload/alloc.h"
#include "preload/wait.h"

/* One profiled thread, as the collector last saw it. */
struct thread_rec {
    uint64_t serial;
    pid_t tid;
    char name[16];
    bool exited;
    uint64_t samples;  /* signals handled (weighted) */
    uint64_t recorded; /* weight that reached the stack table */
    uint64_t dropped;  /* weight lost to a full ring */
    uint64_t unwind_fail, truncated, shallow;
    uint64_t low_stack;     /* records not unwound: stack short or unknown */
    uint64_t alloc_sampled; /* allocation records taken */
    uint64_t alloc_dropped; /* allocation records lost (no room for a site) */
    uint64_t wait_sampled;  /* lock/I/O wait records taken */
    uint64_t wait_dropped;  /* wait records lost to a full ring */
    uint64_t tl_dropped;    /* timeline-only records lost (full or busy ring) */
    /* wall event: the slot's lifetime (CLOCK_MONOTONIC; end 0 while it
     * runs) and run_delay, as the host wrote them; the index of its last
     * CPU sample's stack-table entry (-1 none: [other]'s stack); and, at
     * a write, its time by state (format/wall_states.h) */
    uint64_t start_ns, end_ns, run_delay_ns;
    long last_cpu;
    bool has_wall;
    uint64_t lifetime_ns;
    uint64_t wall[WALL_STATE_COUNT];
};

struct meta_counts {
    uint64_t lost_oom;   /* weight lost because memory ran out */
    uint64_t incomplete; /* cpu samples whose walk stopped short of an entry point */
};

struct meta {
    const struct collector_session *sess;
    const char *how;       /* exit path, or how the image ended */
    const char *collector; /* "process" or "thread" */
    int exit_status;       /* -1: unknown */
    const char *name_tag;  /* between pid and metric in file names */
    const char *sampler_name;
    int sampler_signal;
    uint64_t period_ns;
    uint64_t end_ns, duration_ns;
    const struct thread_rec *threads;
    size_t nthreads;
    uint64_t threads_unprofiled, threads_unarmed, foreign_signals, no_slot;
    uint64_t clocks_rearmed; /* perf descriptors the program closed, re-opened */
    uint64_t threads_timer_fallback, threads_signal_blocked;
    uint64_t signal_moves, signals_withheld;
    struct meta_counts counts;
    /* Per metric (format/metrics.h): whether its file was written (or
     * tried), and its total and distinct stacks. */
    bool written[METRIC_COUNT];
    uint64_t total[METRIC_COUNT];
    size_t stacks[METRIC_COUNT];
    /* Self weight per module of the metrics whose leaves are code
     * addresses (CPU samples, allocation sites); empty for waits. */
    struct modsum modules[METRIC_COUNT];
    bool has_alloc; /* the allocation recorder ran */
    struct alloc_stats alloc;
    uint64_t alloc_oom; /* sites the collector had no memory for */
    bool has_wait;      /* the wait recorder ran */
    struct wait_stats wait;
    uint64_t wait_oom; /* wait records the collector had no memory for */
    bool has_timeline; /* FLAMEPRE_TIMELINE: the .timeline file below */
    char timeline_file[128];
    uint64_t timeline_events, timeline_lost; /* written; lost to memory */
    struct symbolizer_stats sym;
    const struct symbolizer *symbolizer; /* its modules without debug symbols */
};

/* Write path (relative to dirfd, or AT_FDCWD) atomically (the module
 * summaries are sorted in place). Returns 0, or -1 with errno set. */
int meta_write(int dirfd, const char *path, struct meta *m);

/* JSON string literal of s (quotes included), escaping per RFC 8259; bytes
 * that are not valid UTF-8 become U+FFFD. Exposed for tests. */
struct atomic_file;
void meta_json_string(struct atomic_file *af, const char *s, size_t len);

#endif
