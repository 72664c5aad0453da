#ifndef FLAMEPRE_FORMAT_TIMELINE_H
#define FLAMEPRE_FORMAT_TIMELINE_H
/*
 * The .timeline file (FLAMEPRE_TIMELINE=1): every CPU sample and every
 * recorded wait of one process image with its time, thread and stack,
 * self-contained (the stacks are in it, already symbolized), so the CLI
 * renders any time range of it (`render --from --to`, `heatmap`) without
 * the folded files or the program's binaries.
 *
 * Encoding, version 1. u32 is 4 bytes little-endian; a varint is LEB128
 * (7 bits a byte, least significant first, 0x80 = more follows, at most
 * 10 bytes); a string is a varint length and that many bytes (UTF-8, no
 * NUL). In order:
 *
 *   magic      8 bytes "FLAMETL\n"
 *   version    u32 = 1
 *   flags      u32 = 0 (a reader refuses other bits)
 *   start      varint: CLOCK_MONOTONIC ns of the image's start; event
 *              times are counted from it
 *   period     varint: ns of CPU time one sample stands for (0: unknown)
 *   pid        varint
 *   comm       string
 *   threads    varint n, then n x (varint tid, string name)
 *   metrics    varint n, then n x string: a metric name of
 *              format/metrics.h ("cpu", "lock_ns", "cond_ns", "io_ns",
 *              "alloc_bytes", "wall"); the unit follows from the name
 *   stacks     varint n, then n x (varint metric, varint thread, string
 *              frames): frames are one folded stack "root;...;leaf" as
 *              the .folded file of that metric has it (thread root frame
 *              included when FLAMEPRE_THREADS=1)
 *   events     varint n, then n x (varint dt, varint stack, varint
 *              weight), sorted by time: dt is ns since the previous
 *              event (the first: since start); weight is in the metric's
 *              unit (samples for cpu, estimated ns waited for waits,
 *              estimated bytes for alloc_bytes, ns for wall)
 *
 * Nothing follows. A CPU sample's time is when the signal was handled; a
 * wait's is when it began; an allocation's when it was made. At 99 Hz an
 * event is about 7 bytes (dt 4, stack 1-2, weight 1): an hour of one
 * thread is about 2.5 MB.
 *
 * The metrics are views of the same events (collector/tlog.h): a CPU
 * sample is in cpu and, with the wall event, in wall as period ns under a
 * "[cpu]" leaf; a wait is in its class's metric (sleeps and child waits
 * have none) and in wall under its state's leaf ("[lock]", "[cond]",
 * "[io]", "[sleep]", "[wait-child]"), there spread over its duration in
 * events of at most 20 ms from its start. wall holds no "[runnable]" or
 * "[other]": those are each thread's rest of its lifetime, known at its
 * end, with no time. Adding these metrics changed no encoding: version 1
 * files of before read as they did.
 *
 * Pure: no I/O, no global state; any thread (not signal handlers).
 */
#include <stddef.h>
#include <stdint.h>

#define TIMELINE_MAGIC "FLAMETL\n"
#define TIMELINE_MAGIC_LEN 8
#define TIMELINE_VERSION 1u

struct tl_thread {
    uint32_t tid;
    char *name; /* NUL-terminated */
};

struct tl_stack {
    uint32_t metric, thread; /* indices into metrics[], threads[] */
    char *frames;            /* NUL-terminated folded stack */
    size_t len;              /* strlen(frames) */
};

struct tl_event {
    uint64_t t_ns; /* since start */
    uint32_t stack;
    uint64_t weight;
};

struct timeline {
    uint64_t start_ns, period_ns;
    uint32_t pid;
    char *comm;
    struct tl_thread *threads;
    size_t nthreads;
    char **metrics;
    size_t nmetrics;
    struct tl_stack *stacks;
    size_t nstacks;
    struct tl_event *events; /* sorted by t_ns */
    size_t nevents;
};

/* Encode tl (events sorted by time, every index in range) into a new
 * buffer *out of *len bytes (free it). 0, or -1: out of memory, or tl not
 * valid (an index out of range, events out of order: EINVAL). */
int timeline_encode(const struct timeline *tl, unsigned char **out, size_t *len);

/* Decode len bytes (untrusted) into *tl (release with timeline_free).
 * 0, or -1 with *why saying what is wrong ("not a timeline", "truncated",
 * "stack index out of range", "out of memory", ...); *tl is then empty.
 * Never reads outside buf; every count is checked against the bytes left
 * before anything is allocated for it. */
int timeline_decode(const unsigned char *buf, size_t len, struct timeline *tl, const char **why);

/* Free what timeline_decode allocated; *tl becomes empty. */
void timeline_free(struct timeline *tl);

/* Does buf (len bytes) start like a timeline? */
int timeline_is(const unsigned char *buf, size_t len);

#endif
