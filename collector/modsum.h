#ifndef FLAMEPRE_MODSUM_H
#define FLAMEPRE_MODSUM_H
/*
 * Self weight per module, one summary per metric, for meta.json
 * ("metrics": {"cpu": {"modules": [...]}}): the folded file names a
 * function but not the module it came from, so `flamepre top --by module`
 * and the record summary read the module of every leaf from here.
 *
 * Model: a small table keyed by module name (a process maps tens to a few
 * hundred modules), each row the weight of stacks whose leaf is in it and
 * the part of that weight the module had no symbol for ("[lib+0x..]"
 * frames). Leaves no module maps count under "[jit]" (named from a perf
 * map) or "[unknown]". Names are borrowed: they must outlive the table
 * (the symbolizer's module names do, until it is reset).
 *
 * Collector side, normal context.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODSUM_JIT "[jit]"
#define MODSUM_UNKNOWN "[unknown]"

struct modsum_row {
    const char *name;
    uint64_t self, unresolved;
};

struct modsum {
    struct modsum_row *v;
    size_t n, cap;
    bool oom; /* a row could not be added: the summary is incomplete */
};

/* Add weight w to module `name` (unresolved: the leaf had no symbol). */
void modsum_add(struct modsum *s, const char *name, uint64_t w, bool unresolved);

/* Rows by self weight, heaviest first (ties by name). */
void modsum_sort(struct modsum *s);

void modsum_free(struct modsum *s);

#endif
