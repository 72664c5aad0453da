#ifndef FLAMEPRE_MAPS_H
#define FLAMEPRE_MAPS_H
/*
 * Module maps of another process, read from /proc/<pid>/maps while it
 * lives: every file-backed executable mapping, whoever mapped it (the
 * dynamic loader, or a runtime such as V8 that maps a second copy of its
 * own text), with the load bias that turns its addresses into the ELF's
 * virtual addresses; and the vDSO.
 *
 * A map accumulates: reading it again adds the mappings that are new and
 * keeps those that went away, so a library unloaded before the end is
 * still named. Each mapping carries the range of module-map epochs it was
 * seen in (symbolize.h), so a library loaded later at the same addresses
 * does not take the names of samples recorded in its predecessor.
 *
 * Normal context, collector side only.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct symbolizer;

struct map_module {
    uintptr_t lo, hi, bias;
    char *path; /* the file to open (maybe /proc/<pid>/root/...) */
    char *name; /* as the process names it */
    int vdso;
    uint32_t ep_lo, ep_hi; /* seen from epoch ep_lo to ep_hi (EPOCH_ANY: still) */
};

struct module_map {
    struct map_module *v;
    size_t n, cap;
};

/* Read the executable mappings of process pid as of epoch `epoch`: new
 * ones start there, those gone end at epoch - 1. Returns the number of
 * changes (0: the same map), or -1 when the maps cannot be read. */
int maps_read(pid_t pid, struct module_map *mm, uint32_t epoch);
/* /proc/<pid>/maps opened (read-only, close-on-exec), or -1. Whether we
 * may read it is decided at this open: a descriptor opened while the
 * process was dumpable reads its maps after prctl(PR_SET_DUMPABLE, 0)
 * too. */
int maps_open(pid_t pid);
/* maps_read on such a descriptor, from its start. */
int maps_read_fd(int fd, pid_t pid, struct module_map *mm, uint32_t epoch);

/* The same on a maps text (tests); pid only for /proc/<pid>/root. */
int maps_parse(pid_t pid, const char *text, struct module_map *mm, uint32_t epoch);

/* dst (empty) := the mappings of src that are still there, as of epoch
 * 0: a fork child's map is its parent's at the fork. -1 (dst empty) when
 * a file was reached through the parent's /proc/<pid>/root, or without
 * memory. */
int maps_copy_live(struct module_map *dst, const struct module_map *src);
/* Register every module on sym. */
void maps_register(const struct module_map *mm, struct symbolizer *sym);

/* Register on sym the modules of mm whose start no module of sym covers
 * yet: after symbolizer_add_self_modules (the dynamic loader's list), the
 * code a program mapped itself (V8's copy of its builtins). */
void maps_register_missing(const struct module_map *mm, struct symbolizer *sym);

void maps_free(struct module_map *mm);

#endif
