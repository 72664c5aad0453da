#ifndef FLAMEPRE_STACKTAB_H
#define FLAMEPRE_STACKTAB_H
/*
 * Stack table: the aggregate of raw samples before symbolization.
 *
 * Model: a map from (thread serial, record kind, flags, pc list) to a
 * weight, plus two extra weights per entry for kinds that carry more than
 * one metric (REC_ALLOC: weight = bytes, w1 = count in 1/65536 units, w2 =
 * live bytes). Adding an existing key adds the weight. pcs are stored leaf first,
 * as captured. Keys live in one growing arena and entries in one array, so
 * a table with a million samples of ten thousand distinct stacks costs ten
 * thousand entries, not a million.
 *
 * Not thread-safe; the collector serialises access. Normal context only.
 */
#include <stddef.h>
#include <stdint.h>

struct stacktab;

struct stack_entry {
    uint64_t serial; /* thread serial (threads.h) */
    uint32_t kind;   /* record kind (sampler.h) */
    uint32_t flags;  /* UNW_F_* (unwind.h) */
    uint32_t n;      /* frames */
    uint64_t weight;
    uint64_t w1, w2;     /* extra weights (see the model) */
    const uint64_t *pcs; /* n pcs, leaf first */
};

struct stacktab *stacktab_new(void);
void stacktab_free(struct stacktab *t);
void stacktab_clear(struct stacktab *t);

/* Returns 0 or -1 (out of memory: the weight is not recorded). */
int stacktab_add(struct stacktab *t, uint64_t serial, uint32_t kind, uint32_t flags,
                 const uint64_t *pcs, uint32_t n, uint64_t weight);

/* The same, returning the entry's index (stable until clear), or -1. */
long stacktab_add_index(struct stacktab *t, uint64_t serial, uint32_t kind, uint32_t flags,
                        const uint64_t *pcs, uint32_t n, uint64_t weight);

/* Add delta (which may be negative; the result must not be) to extra
 * weight `which` (1 or 2) of entry i, or (which 0) to its main weight. */
void stacktab_add_extra(struct stacktab *t, size_t i, unsigned which, int64_t delta);

size_t stacktab_size(const struct stacktab *t);

/* Entry i, 0 <= i < stacktab_size(t); valid until the next add/clear. */
void stacktab_get(const struct stacktab *t, size_t i, struct stack_entry *out);

#endif
