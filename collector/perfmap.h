#ifndef FLAMEPRE_PERFMAP_H
#define FLAMEPRE_PERFMAP_H
/*
 * Perf map files: /tmp/perf-<pid>.map, which JIT runtimes write to name
 * the code they generate in anonymous memory (`node --perf-basic-prof`,
 * Java agents, Python 3.12's `-X perf`). One line per function:
 * "START SIZE name", START and SIZE in hex. Runtimes append as they
 * compile, and code moved or recompiled at an address gets a later line:
 * the later line wins.
 *
 * The file is read only when it is a regular file owned by the
 * collector's user or root (not a symlink: /tmp is shared), and read again
 * when it has grown. Collector side, normal context.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct perfmap_ent {
    uintptr_t lo, hi;
    uint32_t seq; /* line number: later lines win */
    char *name;
};

struct perfmap {
    char path[64];
    off_t size; /* bytes parsed so far */
    struct perfmap_ent *v;
    size_t n, cap;
    bool sorted;
    bool absent; /* no such file: not looked for again */
};

/* Start with pid's file (not read until needed). */
void perfmap_init(struct perfmap *pm, pid_t pid);
/* The name covering addr, or NULL. */
const char *perfmap_lookup(struct perfmap *pm, uintptr_t addr);
/* Parse text (lines as above) into pm; for tests and for the reader.
 * Malformed lines are skipped. */
void perfmap_parse(struct perfmap *pm, const char *text, size_t len);
void perfmap_free(struct perfmap *pm);

#endif
