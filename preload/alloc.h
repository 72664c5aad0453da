#ifndef FLAMEPRE_ALLOC_H
#define FLAMEPRE_ALLOC_H
/*
 * Allocation profiling: the recording core behind the malloc-family
 * interposers (interpose_alloc.c), driven directly by unit tests.
 *
 * Model: every thread walks along the stream of bytes it allocates with a
 * countdown (tstate.alloc_left) drawn from an exponential distribution of
 * mean T = FLAMEPRE_ALLOC_SAMPLE; an allocation that takes the countdown to
 * below zero is sampled: its stack is captured and its unbiased weights (see
 * alloc_weight) are added to that stack's site in the allocating thread
 * (allocsite.h), and its address goes into the live table (livetab.h) with
 * the site's reference and its size. A free of a sampled block removes it
 * from the live table and takes its live weight off the site, from any
 * thread. With T = 0 every allocation is recorded exactly. Nothing goes
 * through the collector's rings: the collector reads the sites at the end.
 *
 * Cost of the common path, whether profiling allocations is on or off
 * (jemalloc's imalloc_fastpath habit: the enabled test is folded into the
 * countdown): an allocation subtracts its size from the TLS countdown and
 * branches on the sign before it tail-calls the real function; a free loads
 * one counter of the live table's filter (alloc_filter, a static array, so
 * no pointer to load first) and tail-calls the real free. When allocations
 * are not recorded the countdown is parked far away (ALLOC_PARKED) by the
 * first slow-path visit, and the filter stays all zero but for the
 * bootstrap arena's blocks. Before the constructor has decided, every
 * allocation visits the slow path (which re-arms at 0): a handful of calls.
 *
 * Reentrancy: the profiler's own allocations (collector, symbolizer,
 * libunwind, libelf) happen with tstate.guard > 0 and are never recorded.
 * Frees are matched even under the guard (a block left in the live table
 * after its free could collide with the next block at that address).
 *
 * realloc(p, n) = free(p) + a new allocation of n bytes with its own
 * sampling decision: p's entry leaves the live table before the real call
 * (so no other thread can be handed p's address while it is still in the
 * table; it is put back if the call fails), and the new block is recorded
 * if its bytes cross the countdown. A moved record would carry the weight
 * of the old size; a fresh decision keeps both the byte totals and the live
 * estimate unbiased.
 *
 * Signal safety: alloc_note_free is async-signal-safe (a program's handler
 * may free); recording an allocation is normal context (it may unwind with
 * libunwind and map memory for a new site).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "preload/config.h"
#include "preload/livetab.h"
#include "preload/threads.h"

/* Count estimates travel as fixed point with 16 fraction bits. */
#define ALLOC_COUNT_ONE 65536u

/* Non-zero while allocations are recorded. Read on the slow paths. */
extern int alloc_on;
extern struct livetab alloc_live;
/* The live table's filter (see livetab.h), indexed directly by free(). */
extern _Atomic uint8_t alloc_filter[1u << LIVETAB_FILTER_BITS];
/* 1 once the live table (and so the filter) is in use: allocation
 * profiling is set up. Until then, and in every process that does not
 * record allocations, free never reads the filter: its 256 KiB of zero
 * pages would cost a page fault each on first touch (dear in a VM) for
 * nothing. */
extern uint8_t alloc_filter_used;
/* Countdown of a thread whose allocations are not recorded: 2^62 bytes. */
#define ALLOC_PARKED (INT64_C(1) << 62)

/* Callbacks into the lifecycle, set before alloc_start (a seam for tests):
 * adopt claims a slot for a thread that has none (NULL if it cannot).
 * Normal context. */
struct alloc_host {
    struct tslot *(*adopt)(void);
};

/* Prepare (live table, sampling mean, unwind depth). 0 or -1 (logged). */
int alloc_init(const struct config *cfg, const struct alloc_host *host);
/* Start recording (resets the calling thread's countdown: it may have
 * been parked by allocations made before). */
void alloc_start(void);
/* Stop recording for good: the interposers become pass-throughs, each
 * thread parking its countdown at its next slow-path visit. Also called
 * when the constructor decides not to record allocations at all. */
void alloc_stop(void);

/* Unbiased weights of a sampled allocation of `size` bytes under mean
 * interval `mean` (0 = exact): *bytes and *count_fx (ALLOC_COUNT_ONE = 1). */
void alloc_weight(uint64_t size, uint64_t mean, uint64_t *bytes, uint64_t *count_fx);

/* Next countdown: the floor of an exponential variate with mean `mean`,
 * from xorshift state *rng; -1 when mean is 0 (every allocation crosses).
 * An allocation of s bytes is sampled when the countdown goes below zero,
 * i.e. when floor(X) < s, i.e. X < s: exactly probability 1 - exp(-s/T).
 * (Sampling at "<= 0" would sample X < s + 1: a (s+1)/s bias, +6% for
 * 16-byte blocks, that the unit test caught.) */
int64_t alloc_draw(uint64_t *rng, uint64_t mean);

/* The slow step of a per-thread countdown of mean `mean`, shared by the
 * allocation sampler (bytes) and the wait sampler (nanoseconds). *left has
 * already been reduced by this event's `amount` on the fast path. A thread's
 * first event seeds its generator (salt tells the samplers apart) and starts
 * a countdown this event has used. Returns true when the event is sampled;
 * the next distance is already drawn then. Normal context, the caller's
 * guard raised. */
bool sample_countdown(int64_t *left, uint64_t *rng, int *ready, uint64_t salt, uint64_t mean,
                      int64_t amount);

/* Countdown step of an allocation of `size` bytes, before the real call:
 * true when it crossed (the caller takes its slow path, which calls the
 * real function and then alloc_sample_slow or alloc_uncount). */
static inline bool alloc_cross(size_t size)
{
    return __builtin_expect((tstate.alloc_left -= (int64_t)size) < 0, 0);
}

/* Slow path after a crossing allocation of `size` bytes at p succeeded
 * (p non-NULL): record it, or park/re-arm the countdown. caller: the
 * program's return address; sp0: its stack pointer after that return (the
 * CFA of the interposer's frame), or 0 if unknown (then found by walking
 * this library's frames). */
void alloc_sample_slow(void *p, size_t size, uintptr_t caller, uintptr_t sp0);

/* The crossing allocation failed: give its bytes back to the countdown. */
static inline void alloc_uncount(size_t size)
{
    tstate.alloc_left += (int64_t)size;
}

/* An allocation of `size` bytes at p just succeeded (p may be NULL: then
 * nothing happens). For the shims that do not split the countdown step. */
static inline void alloc_note(void *p, size_t size, uintptr_t caller)
{
    if (p && alloc_cross(size))
        alloc_sample_slow(p, size, caller, 0);
}

/* Slow path of alloc_note_free: p passed the filter. */
void alloc_free_slow(void *p);

/* Might p be a sampled block? False for certain when not. */
static inline bool alloc_maybe_sampled(const void *p)
{
    return __atomic_load_n(&alloc_filter_used, __ATOMIC_RELAXED) &&
           atomic_load_explicit(&alloc_filter[livetab_filter_index((uintptr_t)p)],
                                memory_order_relaxed) != 0;
}

/* p (non-NULL) is about to be freed. */
static inline void alloc_note_free(void *p)
{
    if (__builtin_expect(alloc_maybe_sampled(p), 0))
        alloc_free_slow(p);
}

/* realloc: before the real call, take p out of the live table; returns its
 * entry's value (0 if not sampled). After it: alloc_realloc_end with the
 * result. */
uint64_t alloc_realloc_begin_slow(void *p);
static inline uint64_t alloc_realloc_begin(void *p)
{
    return __builtin_expect(p && alloc_maybe_sampled(p), 0) ? alloc_realloc_begin_slow(p) : 0;
}
void alloc_realloc_end(void *old, uint64_t v, void *q, size_t size, uintptr_t caller);

/* In a fork child: forget every site and live block of the parent (the
 * child's profile holds the child's allocations). Single-threaded. */
void alloc_fork_child(void);

struct alloc_stats {
    uint64_t no_thread;   /* samples of threads without a slot */
    uint64_t untracked;   /* sampled blocks the live table had no room for */
    uint64_t table_bytes; /* live table mapping size */
    uint64_t live_blocks; /* blocks in the live table now */
    uint64_t sites;       /* allocation sites (allocsite.h) */
    uint64_t site_bytes;  /* their store's bytes in use */
};
void alloc_get_stats(struct alloc_stats *st);

/* ---- bootstrap arena: allocations made while the real allocator is not
 * known yet (dlsym's calloc). Lock-free bump allocator over a static array;
 * never freed. Async-signal-safe. ---- */
#define ALLOC_ARENA_BYTES (256u * 1024u)
extern char alloc_arena_mem[ALLOC_ARENA_BYTES] __attribute__((visibility("hidden")));
void *alloc_arena_get(size_t size, size_t align);
static inline bool alloc_arena_owns(const void *p)
{
    return (uintptr_t)p - (uintptr_t)alloc_arena_mem < ALLOC_ARENA_BYTES;
}
/* The requested size of an arena block (for realloc/malloc_usable_size). */
size_t alloc_arena_size(const void *p);

#endif
