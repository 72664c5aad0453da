/*
 * Lock-free live table of sampled blocks (see livetab.h for the model).
 *
 * Why tombstones and not deletion by back-shifting: back-shifting moves
 * other keys, which a concurrent lookup could miss; a tombstone never moves
 * anything, so a probe that started before a remove still finds its key.
 * Why a probe limit: with inserts reusing tombstones the table never empties
 * again, so "stop at the first empty slot" alone could scan all of it.
 */
#include "preload/livetab.h"

#include <string.h>
#include <sys/mman.h>

enum { KEY_EMPTY = 0, KEY_TOMB = 1 };

int livetab_init(struct livetab *t, unsigned log2_slots, _Atomic uint8_t *filter)
{
    t->filter = filter;
    t->saturated = false;
    size_t nslots = (size_t)1 << log2_slots;
    size_t filter_bytes = ((size_t)1 << LIVETAB_FILTER_BITS) * sizeof(uint8_t);
    if (t->filter)
        filter_bytes = 0;
    size_t bytes = nslots * sizeof(struct livetab_slot) + filter_bytes;
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (m == MAP_FAILED)
        return -1;
    madvise(m, bytes, MADV_DONTDUMP); /* the profiler's table: not the program's core */
    t->own_filter = filter_bytes != 0;
    if (t->own_filter)
        t->filter = m;
    t->slots = (struct livetab_slot *)((char *)m + filter_bytes);
    t->mask = nslots - 1;
    t->shift = 64 - log2_slots;
    t->map_bytes = bytes;
    return 0;
}

void livetab_release(struct livetab *t)
{
    if (t->slots)
        munmap(t->own_filter ? (void *)t->filter : (void *)t->slots, t->map_bytes);
    if (t->own_filter)
        t->filter = NULL;
    t->slots = NULL;
}

bool livetab_insert(struct livetab *t, uintptr_t p, uint64_t id)
{
    _Atomic uint8_t *c = t->saturated ? NULL : livetab_counter(t, p);
    if (c) {
        /* Count up, never past the maximum (never wrapping to a zero that
         * would hide a live block from free). */
        uint8_t old = atomic_load_explicit(c, memory_order_relaxed);
        do {
            if (old == LIVETAB_FILTER_MAX)
                return false;
        } while (!atomic_compare_exchange_weak_explicit(
            c, &old, (uint8_t)(old + 1), memory_order_relaxed, memory_order_relaxed));
    }
    uint64_t i = livetab_home(t, p);
    for (unsigned probe = 0; probe < LIVETAB_MAX_PROBE; probe++, i = (i + 1) & t->mask) {
        struct livetab_slot *s = &t->slots[i];
        uintptr_t k = atomic_load_explicit(&s->key, memory_order_relaxed);
        if (k != KEY_EMPTY && k != KEY_TOMB)
            continue;
        if (!atomic_compare_exchange_strong_explicit(&s->key, &k, p, memory_order_acq_rel,
                                                     memory_order_relaxed))
            continue;
        /* Only p's owner reads the id, after the program hands p over. */
        atomic_store_explicit(&s->id, id, memory_order_release);
        return true;
    }
    if (c)
        atomic_fetch_sub_explicit(c, 1, memory_order_relaxed);
    return false;
}

uint64_t livetab_remove(struct livetab *t, uintptr_t p)
{
    uint64_t i = livetab_home(t, p);
    for (unsigned probe = 0; probe < LIVETAB_MAX_PROBE; probe++, i = (i + 1) & t->mask) {
        struct livetab_slot *s = &t->slots[i];
        uintptr_t k = atomic_load_explicit(&s->key, memory_order_acquire);
        if (k == KEY_EMPTY)
            return 0;
        if (k != p)
            continue;
        uint64_t id = atomic_load_explicit(&s->id, memory_order_acquire);
        if (t->saturated) {
            /* Exact mode removes on every free: a plain store, since only
             * p's owner removes p (a double free racing with itself is the
             * program's undefined behaviour; it may then count twice). */
            atomic_store_explicit(&s->key, KEY_TOMB, memory_order_release);
            return id;
        }
        /* Fails only on a double free racing with itself: one wins. */
        if (!atomic_compare_exchange_strong_explicit(&s->key, &k, KEY_TOMB, memory_order_acq_rel,
                                                     memory_order_relaxed))
            return 0;
        if (!t->saturated)
            atomic_fetch_sub_explicit(livetab_counter(t, p), 1, memory_order_relaxed);
        return id;
    }
    return 0;
}

void livetab_saturate(struct livetab *t)
{
    /* One memset, not 256 Ki atomic byte stores (~0.3 ms of every exact
     * start): only one thread runs here (see livetab.h), and every later
     * reader's first access comes after it through thread creation. */
    memset((void *)t->filter, LIVETAB_FILTER_MAX, (size_t)1 << LIVETAB_FILTER_BITS);
    t->saturated = true;
}

/* Pages of the slot array never touched are not resident: mincore tells
 * which to skip, so a scan of a mostly empty table reads a few pages, not
 * all 64 MiB. */
uint64_t livetab_count(struct livetab *t)
{
    size_t page = 4096, bytes = ((size_t)t->mask + 1) * sizeof(struct livetab_slot);
    size_t pages = bytes / page;
    size_t per_page = page / sizeof(struct livetab_slot);
    unsigned char vec[4096];
    uint64_t n = 0;
    for (size_t p0 = 0; p0 < pages; p0 += sizeof vec) {
        size_t np = pages - p0 < sizeof vec ? pages - p0 : sizeof vec;
        bool known = mincore((char *)t->slots + p0 * page, np * page, vec) == 0;
        for (size_t p = 0; p < np; p++) {
            if (known && !(vec[p] & 1))
                continue;
            struct livetab_slot *s = t->slots + (p0 + p) * per_page;
            for (size_t i = 0; i < per_page; i++) {
                uintptr_t k = atomic_load_explicit(&s[i].key, memory_order_relaxed);
                n += k != KEY_EMPTY && k != KEY_TOMB;
            }
        }
    }
    return n;
}

void livetab_clear(struct livetab *t)
{
    madvise(t->slots, ((size_t)t->mask + 1) * sizeof(struct livetab_slot), MADV_DONTNEED);
    memset((void *)t->filter, 0, (size_t)1 << LIVETAB_FILTER_BITS);
    t->saturated = false;
}
