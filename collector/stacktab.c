/*
 * Stack table (see stacktab.h). Open addressing with linear probing over an
 * index of entry numbers; each entry keeps the key's hash so a resize never
 * rehashes pcs, and a probe compares hashes before keys.
 */
#include "collector/stacktab.h"

#include <stdlib.h>
#include <string.h>

struct entry {
    uint64_t hash;
    uint64_t serial;
    uint64_t weight;
    uint64_t w[2]; /* extra weights 1 and 2 */
    size_t off;    /* into pcs arena */
    uint32_t kind, flags, n;
};

struct stacktab {
    struct entry *entries;
    size_t nentries, cap_entries;
    uint64_t *arena;
    size_t arena_used, arena_cap;
    uint32_t *index;  /* entry number + 1; 0 = empty */
    size_t index_cap; /* power of two */
};

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static uint64_t key_hash(uint64_t serial, uint32_t kind, uint32_t flags, const uint64_t *pcs,
                         uint32_t n)
{
    uint64_t h = mix(serial, (uint64_t)kind << 32 | flags);
    h = mix(h, n);
    for (uint32_t i = 0; i < n; i++)
        h = mix(h, pcs[i]);
    return h ^ (h >> 29);
}

struct stacktab *stacktab_new(void)
{
    return calloc(1, sizeof(struct stacktab));
}

void stacktab_free(struct stacktab *t)
{
    if (!t)
        return;
    free(t->entries);
    free(t->arena);
    free(t->index);
    free(t);
}

void stacktab_clear(struct stacktab *t)
{
    t->nentries = 0;
    t->arena_used = 0;
    if (t->index)
        memset(t->index, 0, t->index_cap * sizeof *t->index);
}

static int grow_index(struct stacktab *t)
{
    size_t cap = t->index_cap ? t->index_cap * 2 : 1024;
    uint32_t *idx = calloc(cap, sizeof *idx);
    if (!idx)
        return -1;
    for (size_t i = 0; i < t->nentries; i++) {
        size_t j = t->entries[i].hash & (cap - 1);
        while (idx[j])
            j = (j + 1) & (cap - 1);
        idx[j] = (uint32_t)(i + 1);
    }
    free(t->index);
    t->index = idx;
    t->index_cap = cap;
    return 0;
}

int stacktab_add(struct stacktab *t, uint64_t serial, uint32_t kind, uint32_t flags,
                 const uint64_t *pcs, uint32_t n, uint64_t weight)
{
    return stacktab_add_index(t, serial, kind, flags, pcs, n, weight) < 0 ? -1 : 0;
}

void stacktab_add_extra(struct stacktab *t, size_t i, unsigned which, int64_t delta)
{
    if (i >= t->nentries || which > 2)
        return;
    if (which == 0)
        t->entries[i].weight += (uint64_t)delta;
    else
        t->entries[i].w[which - 1] += (uint64_t)delta;
}

long stacktab_add_index(struct stacktab *t, uint64_t serial, uint32_t kind, uint32_t flags,
                        const uint64_t *pcs, uint32_t n, uint64_t weight)
{
    if ((t->nentries + 1) * 2 > t->index_cap && grow_index(t) < 0)
        return -1;
    uint64_t h = key_hash(serial, kind, flags, pcs, n);
    size_t j = h & (t->index_cap - 1);
    for (; t->index[j]; j = (j + 1) & (t->index_cap - 1)) {
        struct entry *e = &t->entries[t->index[j] - 1];
        if (e->hash == h && e->serial == serial && e->kind == kind && e->flags == flags &&
            e->n == n && (n == 0 || memcmp(t->arena + e->off, pcs, n * sizeof *pcs) == 0)) {
            e->weight += weight;
            return (long)(e - t->entries);
        }
    }
    if (t->nentries == t->cap_entries) {
        size_t cap = t->cap_entries ? t->cap_entries * 2 : 512;
        struct entry *ne = realloc(t->entries, cap * sizeof *ne);
        if (!ne)
            return -1;
        t->entries = ne;
        t->cap_entries = cap;
    }
    if (t->arena_used + n > t->arena_cap) {
        size_t cap = t->arena_cap ? t->arena_cap * 2 : 8192;
        while (cap < t->arena_used + n)
            cap *= 2;
        uint64_t *na = realloc(t->arena, cap * sizeof *na);
        if (!na)
            return -1;
        t->arena = na;
        t->arena_cap = cap;
    }
    if (n) /* (an empty stack: the arena may still be NULL) */
        memcpy(t->arena + t->arena_used, pcs, n * sizeof *pcs);
    struct entry *e = &t->entries[t->nentries];
    *e = (struct entry){h, serial, weight, {0, 0}, t->arena_used, kind, flags, n};
    t->arena_used += n;
    t->index[j] = (uint32_t)(++t->nentries);
    return (long)(t->nentries - 1);
}

size_t stacktab_size(const struct stacktab *t)
{
    return t->nentries;
}

void stacktab_get(const struct stacktab *t, size_t i, struct stack_entry *out)
{
    const struct entry *e = &t->entries[i];
    out->serial = e->serial;
    out->kind = e->kind;
    out->flags = e->flags;
    out->n = e->n;
    out->weight = e->weight;
    out->w1 = e->w[0];
    out->w2 = e->w[1];
    out->pcs = t->arena ? t->arena + e->off : NULL;
}
