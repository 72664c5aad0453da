#ifndef FLAMEPRE_FORMAT_METRICS_H
#define FLAMEPRE_FORMAT_METRICS_H
/*
 * The metric table: every metric flamepre can record, in one place, for
 * both sides of the file format. The collector (library and collector
 * process) walks it to decide which <comm>.<pid>.<metric>.folded files to
 * write and what meta.json's "metrics" entries say; the CLI (render, top,
 * convert, diff, record's summary) looks a metric up by the name in a file
 * name to pick its unit and palette.
 *
 * Why one X-macro: the table used to exist four times (the collector's
 * file list, meta.json's units twice, the CLI's units and palettes). The
 * CLI's copy did not know cond_ns, so 106 ms of condition waits were read
 * as 105,910,438 samples of CPU time ("1069802.39 s") in the hot palette.
 * Adding a metric is one line here; tests/unit/test_metrics.c walks every
 * line through the CLI.
 *
 * Columns of FORMAT_METRICS(X):
 *   ID      enum metric_id suffix (METRIC_<ID>)
 *   name    the file-name component and meta.json key
 *   kind    enum unit_kind: how the CLI formats a count (samples are
 *           scaled by meta.json's period_ns when known)
 *   unit    meta.json's "unit" word
 *   event   EV_* bit (FLAMEPRE_EVENTS) that records it
 *   source  enum metric_source: which collector records feed it
 *   weight  enum metric_weight: which of a stack entry's weights it shows
 *   palette render/color.h palette name
 *   label   the words graph titles use ("lock wait")
 *   desc    one line for people (README, --help)
 *
 * Pure data and lookups: no state, safe anywhere (also in the host).
 */
#include <stddef.h>

/* ---- events (FLAMEPRE_EVENTS): ID, name ---- */
#define FORMAT_EVENTS(X) \
    X(CPU, "cpu")        \
    X(WALL, "wall")      \
    X(ALLOC, "alloc")    \
    X(LOCK, "lock")      \
    X(IO, "io")

enum event_index {
#define X(id, name) EV_INDEX_##id,
    FORMAT_EVENTS(X)
#undef X
        EV_INDEX_COUNT
};

enum event_bit {
#define X(id, name) EV_##id = 1u << EV_INDEX_##id,
    FORMAT_EVENTS(X)
#undef X
};

/* ---- units the CLI formats (its --units names) ---- */
#define FORMAT_UNITS(X)   \
    X(SAMPLES, "samples") \
    X(BYTES, "bytes")     \
    X(NS, "ns")           \
    X(COUNT, "count")

enum unit_kind {
#define X(id, name) UNIT_##id,
    FORMAT_UNITS(X)
#undef X
        UNIT_KIND_COUNT
};

/* Which records of an image a metric is built from. */
enum metric_source {
    SRC_NONE,      /* known to the CLI, not recorded by this version */
    SRC_CPU,       /* CPU samples from the rings */
    SRC_ALLOC,     /* allocation sites (allocsite.h) */
    SRC_WAIT_LOCK, /* lock waits from the rings (wait.h: WAIT_LOCK) */
    SRC_WAIT_COND, /* condition waits (WAIT_COND) */
    SRC_WAIT_IO,   /* I/O waits (WAIT_IO) */
    SRC_WALL,      /* CPU samples, every wait and thread lifetimes */
};

/* Which weight of a stack-table entry (collector/stacktab.h) a metric
 * shows: the main one (samples, bytes allocated, ns waited), the count
 * (in 1/65536 units, rounded), or the second extra (live bytes, bytes
 * transferred). */
enum metric_weight { MW_MAIN, MW_COUNT, MW_EXTRA };

/* X(ID, name, kind, unit, event, source, weight, palette, label, desc) */
#define FORMAT_METRICS(X)                                                                          \
    X(CPU, "cpu", UNIT_SAMPLES, "samples", EV_CPU, SRC_CPU, MW_MAIN, "hot", "CPU",                 \
      "user-space CPU time, in samples of period_ns")                                              \
    X(WALL, "wall", UNIT_NS, "nanoseconds", EV_WALL, SRC_WALL, MW_MAIN, "wall", "wall clock",      \
      "wall-clock time of each thread by state (format/wall_states.h), in nanoseconds")            \
    X(ALLOC_BYTES, "alloc_bytes", UNIT_BYTES, "bytes", EV_ALLOC, SRC_ALLOC, MW_MAIN, "mem",        \
      "allocated bytes", "bytes allocated")                                                        \
    X(ALLOC_COUNT, "alloc_count", UNIT_COUNT, "allocations", EV_ALLOC, SRC_ALLOC, MW_COUNT, "mem", \
      "allocations", "allocations")                                                                \
    X(LIVE_BYTES, "live_bytes", UNIT_BYTES, "bytes", EV_ALLOC, SRC_ALLOC, MW_EXTRA, "mem",         \
      "live heap", "bytes still allocated at exit (leaks)")                                        \
    X(LOCK_NS, "lock_ns", UNIT_NS, "nanoseconds", EV_LOCK, SRC_WAIT_LOCK, MW_MAIN, "lock",         \
      "lock wait", "nanoseconds waited for contended locks")                                       \
    X(LOCK_COUNT, "lock_count", UNIT_COUNT, "contended acquisitions", EV_LOCK, SRC_WAIT_LOCK,      \
      MW_COUNT, "lock", "lock contentions", "contended lock acquisitions")                         \
    X(COND_NS, "cond_ns", UNIT_NS, "nanoseconds", EV_LOCK, SRC_WAIT_COND, MW_MAIN, "wait",         \
      "condition wait", "nanoseconds in pthread_cond_*wait")                                       \
    X(COND_COUNT, "cond_count", UNIT_COUNT, "condition waits", EV_LOCK, SRC_WAIT_COND, MW_COUNT,   \
      "wait", "condition waits", "condition waits")                                                \
    X(IO_NS, "io_ns", UNIT_NS, "nanoseconds", EV_IO, SRC_WAIT_IO, MW_MAIN, "io", "I/O wait",       \
      "nanoseconds blocked in I/O calls")                                                          \
    X(IO_BYTES, "io_bytes", UNIT_BYTES, "bytes", EV_IO, SRC_WAIT_IO, MW_EXTRA, "io", "I/O bytes",  \
      "bytes transferred by I/O calls")                                                            \
    X(IO_COUNT, "io_count", UNIT_COUNT, "calls", EV_IO, SRC_WAIT_IO, MW_COUNT, "io", "I/O calls",  \
      "I/O calls")

enum metric_id {
#define X(id, name, kind, unit, event, source, weight, palette, label, desc) METRIC_##id,
    FORMAT_METRICS(X)
#undef X
        METRIC_COUNT
};

struct metric_def {
    const char *name;
    enum unit_kind kind;
    const char *unit;
    unsigned event;
    enum metric_source source;
    enum metric_weight weight;
    const char *palette;
    const char *label;
    const char *desc;
};

/* The table, indexed by enum metric_id. */
extern const struct metric_def metric_defs[METRIC_COUNT];

/* The metric called name (len bytes, need not be NUL-terminated), or NULL. */
const struct metric_def *metric_find(const char *name, size_t len);

/* Event name for an EV_* bit ("cpu"), NULL if not exactly one known bit. */
const char *event_name(unsigned bit);
/* EV_* bit for an event name of len bytes, 0 if unknown. */
unsigned event_find(const char *name, size_t len);

/* --units name of a unit kind ("samples"), and back: 0 or -1. */
const char *unit_kind_name(enum unit_kind k);
int unit_kind_find(const char *name, enum unit_kind *out);

#endif
