#ifndef FLAMEPRE_LIVETAB_H
#define FLAMEPRE_LIVETAB_H
/*
 * Live table: the set of sampled heap blocks that have not been freed yet,
 * keyed by address, each with a non-zero 64-bit value (its site and size,
 * alloc.c).
 *
 * Model: an open-addressed hash set of (address, id) with linear probing,
 * shared by all threads, lock-free: a slot's key goes EMPTY -> address
 * (insert, CAS) -> TOMBSTONE (remove, CAS) -> address (a later insert reuses
 * tombstones). A key is probed at most LIVETAB_MAX_PROBE slots from its home,
 * so a lookup is bounded even when tombstones have filled every empty slot.
 * Keys are unique: an address is live at most once, and only its owner
 * (whoever frees it) removes it, after the insert happened-before the free
 * through the program's own synchronisation.
 *
 * In front of the table sits a counting pre-filter: 256 Ki byte counters indexed
 * by the address (livetab_filter_index), incremented before an insert and
 * decremented after a remove. free() of a block that was never sampled
 * (nearly all of them) costs one load of a zero counter; the table is
 * probed only when the counter is non-zero. The index keeps the order of
 * 16-byte granules within a page and hashes only the page number: a program
 * freeing blocks from a few hot pages reads a few cache lines of the
 * filter. (A hash of the whole address made every free an L2 miss on a
 * random line of the 256 KiB filter: half the cost of the sampled mode.)
 *
 * The table is one mmap (MAP_NORESERVE): untouched pages cost nothing.
 * When an insert finds no slot within the probe limit it fails (counted by
 * the caller); the block is then simply not tracked as live.
 *
 * Every function is lock-free and async-signal-safe except init/release.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIVETAB_FILTER_BITS 18
/* A counter at this value refuses further inserts (the block stays
 * untracked, counted by the caller): with 2^10 page buckets that takes
 * ~2.6e5 live sampled blocks in one granule position (exact mode, where
 * counting stops, excepted). */
#define LIVETAB_FILTER_MAX 255u
#define LIVETAB_MAX_PROBE 512

struct livetab_slot {
    _Atomic uintptr_t key; /* 0 empty, 1 tombstone, else an address */
    _Atomic uint64_t id;
};

struct livetab {
    struct livetab_slot *slots;
    _Atomic uint8_t *filter; /* 1 << LIVETAB_FILTER_BITS counters */
    uint64_t mask;           /* slots - 1 */
    unsigned shift;          /* 64 - log2(slots) */
    size_t map_bytes;
    bool own_filter; /* filter mapped by livetab_init */
    bool saturated;  /* livetab_saturate: counters not kept */
};

/* 2^log2_slots slots. Returns 0 or -1 (mmap failed). Normal context.
 * filter: zeroed storage for 1 << LIVETAB_FILTER_BITS counters (e.g. a
 * static array that a fast path indexes directly), or NULL to map one with
 * the table. */
int livetab_init(struct livetab *t, unsigned log2_slots, _Atomic uint8_t *filter);
void livetab_release(struct livetab *t);

/* Every block is in the table (exact mode): set every filter counter to a
 * large constant once, so livetab_maybe is always true, and stop keeping
 * the counters (two atomic read-modify-writes per block saved). Normal
 * context, before the table is used. */
void livetab_saturate(struct livetab *t);

/* Live entries (a scan of the table's resident pages: tests and the end
 * report; a shared counter updated on every insert and remove was a
 * contended cache line between allocating threads). */
uint64_t livetab_count(struct livetab *t);

/* Empty the table and its filter (a fork child starts over). Only when no
 * other thread uses the table. Normal context. */
void livetab_clear(struct livetab *t);

/* Home slot of p: the number of p's 2 KiB address block hashed to the
 * high bits, the 16-byte granule within the block as the low 7 bits, so
 * the blocks of a heap page land in two 2 KiB runs of the table, and a
 * program churning through a few heap pages touches a few table pages. (A
 * hash of the whole address cost a TLB and a cache miss on every insert
 * and remove: half of exact mode's time in the program's threads.) Blocks
 * of one run never collide with each other (distinct granules); address
 * blocks whose numbers hash alike share a run, which linear probing
 * resolves. Why 2 KiB and not a whole page: in exact mode runs fill up, and
 * with 4 KiB runs the overflow of colliding pages cascaded past the probe
 * limit beyond ~4 M live blocks (a quarter of them untracked at 6 M, and
 * inserts 2x slower); 2 KiB runs hold 6 M blocks in 16 Mi slots, with
 * less table memory touched than 1 KiB or 256-byte runs. */
static inline uint64_t livetab_home(const struct livetab *t, uintptr_t p)
{
    uint64_t block = (uint64_t)(p >> 11) * 0x9e3779b97f4a7c15ull >> 32;
    return (block << 7 | (uint64_t)((p >> 4) & 0x7f)) & t->mask;
}

/* Filter counter of address p: bit j of the index is bit 4+j of p xor bit
 * 14+j. Its high 10 bits are then the page number (bits 12-21) folded with
 * bits 22-31, and within one page the 16-byte granules map one to one onto
 * 256 consecutive counters (permuted by a per-page constant): the same
 * spread as "page bucket << 8 | granule" in two shifts, an xor and a mask,
 * which matters on free's path. */
static inline uint32_t livetab_filter_index(uintptr_t p)
{
    return (uint32_t)(((p >> 4) ^ (p >> 14)) & ((1u << LIVETAB_FILTER_BITS) - 1));
}

static inline _Atomic uint8_t *livetab_counter(const struct livetab *t, uintptr_t p)
{
    return &t->filter[livetab_filter_index(p)];
}

/* Might p be in the table? False means certainly not. */
static inline bool livetab_maybe(const struct livetab *t, uintptr_t p)
{
    return atomic_load_explicit(livetab_counter(t, p), memory_order_relaxed) != 0;
}

/* Insert p (not present) with id (non-zero). False when no slot is free
 * within the probe limit. */
bool livetab_insert(struct livetab *t, uintptr_t p, uint64_t id);

/* Remove p; returns its id, or 0 if p is not in the table. */
uint64_t livetab_remove(struct livetab *t, uintptr_t p);

#endif
