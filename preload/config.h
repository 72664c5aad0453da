#ifndef FLAMEPRE_CONFIG_H
#define FLAMEPRE_CONFIG_H
/*
 * The preload library's whole interface: FLAMEPRE_* environment variables.
 *
 * One table in config.c describes every variable (name, parser, default,
 * what is accepted), so adding a variable is one line there. A bad value is
 * reported once through the `report` callback with the variable's name and
 * what it accepts, and the default is kept; the caller decides whether that
 * disables the profiler. An unknown FLAMEPRE_* name is reported with the
 * nearest valid name. A message quotes a value or name with its control
 * characters escaped (log_escape) and cut after 48 bytes, so it is always
 * one line that still says why.
 *
 * Pure: no global state, no environment access of its own (the caller hands
 * it an envp array), so unit tests drive it directly. Not for signal
 * handlers (uses snprintf).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "format/metrics.h" /* enum event_bit: EV_CPU, ... */

enum unwind_mode { UNWIND_FP = 0, UNWIND_DWARF = 1 };

#define CONFIG_MAX_DEPTH 1024
#define CONFIG_PATH_MAX 1024

struct config {
    unsigned events;                /* EV_* bits */
    char output[CONFIG_PATH_MAX];   /* FLAMEPRE_OUTPUT as given */
    unsigned hz;                    /* FLAMEPRE_HZ */
    uint64_t alloc_sample;          /* FLAMEPRE_ALLOC_SAMPLE, bytes; 0 = every call */
    uint64_t wait_sample_ns;        /* FLAMEPRE_WAIT_SAMPLE, ns; 0 = every wait */
    enum unwind_mode unwind;        /* FLAMEPRE_UNWIND */
    unsigned depth;                 /* FLAMEPRE_DEPTH */
    bool threads;                   /* FLAMEPRE_THREADS */
    int log_level;                  /* FLAMEPRE_LOG: 0 quiet, 1 info, 2 debug */
    char log_file[CONFIG_PATH_MAX]; /* FLAMEPRE_LOG_FILE, "" = stderr */
    bool disable;                   /* FLAMEPRE_DISABLE=1: load but record nothing */
    int sampler;                    /* FLAMEPRE_SAMPLER: 0 auto, 1 perf, 2 timer */
    bool lock_addr; /* FLAMEPRE_LOCK_ADDR=1: a [mutex 0x...] frame above lock leaves */
    char collector
        [CONFIG_PATH_MAX]; /* FLAMEPRE_COLLECTOR: binary, "thread", "" = next to the library */
    uint64_t flush_ns;     /* FLAMEPRE_FLUSH: snapshot interval, 0 = at the end only */
    bool timeline;         /* FLAMEPRE_TIMELINE=1: time each sample and wait (.timeline) */
    bool inline_frames;    /* FLAMEPRE_INLINE: frames of inlined functions (collector) */
    bool lines;            /* FLAMEPRE_LINES: " (file.c:123)" on frames (collector) */
};

void config_defaults(struct config *cfg);

/* Parse every FLAMEPRE_* entry of envp ("NAME=value" strings, NULL-ended).
 * Each problem calls report(line, arg) once with a complete message line
 * (no trailing newline). Returns the number of problems. */
int config_parse(struct config *cfg, const char *const *envp,
                 void (*report)(const char *line, void *arg), void *arg);

/* Value parsers, exposed for tests and for later variables.
 * Return 0 on success, -1 if the text is not acceptable. */
int config_parse_duration(const char *s, uint64_t *ns); /* "100us", "1.5ms", "5s", "300" (ns) */
int config_parse_size(const char *s, uint64_t *bytes);  /* "512k", "1m", "2g", "4096" */
int config_parse_events(const char *s, unsigned *events, const char **bad, unsigned *bad_len);

/* "cpu,alloc" for meta.json; buf of at least 64 bytes. */
void config_events_string(unsigned events, char *buf, unsigned len);

#endif
