/*
 * Allocation recording core (see alloc.h for the model).
 *
 * Sampling math. Think of the bytes a thread allocates as one long line and
 * of sample points as a Poisson process on it with rate 1/T (T =
 * FLAMEPRE_ALLOC_SAMPLE): gaps between points are exponential with mean T,
 * which is what alloc_draw hands the countdown. An allocation of s bytes is
 * sampled when at least one point falls in its s bytes, with probability
 *
 *     p(s) = 1 - exp(-s/T)
 *
 * independently of all other allocations (the exponential is memoryless:
 * whatever is left of the countdown when an allocation starts is again
 * exponential with mean T). Horvitz-Thompson then gives unbiased estimates:
 * a sampled allocation stands for s/p(s) bytes and 1/p(s) allocations, so
 * E[sum of weights] = sum over all allocations of p(s) * s/p(s) = the true
 * byte total (likewise the count). For s << T the byte weight is about
 * T + s/2; for s >> T it tends to s (every large block is sampled). The
 * same weights apply to live bytes: a block still allocated at exit was
 * sampled with p(s), so live estimates are unbiased too. This is the scheme
 * of tcmalloc's heap sampler (Sampler::RecordAllocation, "bytes until
 * sample" drawn from an exponential) and jemalloc's prof sampling
 * (prof_sample_new_event_wait: geometric waits, weights unbiased by
 * 1/(1 - exp(-size/2^lg_prof_sample))), and of Go's runtime.MemProfileRate.
 * p is computed with expm1 so small s/T loses no precision.
 *
 * Record ids are (slot serial << 32 | per-slot sequence): unique without a
 * shared counter.
 */
#include "preload/alloc.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "preload/log.h"
#include "preload/ring.h"
#include "preload/sampler.h"
#include "preload/stackcache.h"
#include "preload/unwind.h"

int alloc_on;
_Atomic uint8_t alloc_filter[1u << LIVETAB_FILTER_BITS];
struct livetab alloc_live;
/* Set by alloc_stop: the slow path parks countdowns instead of re-arming. */
static int alloc_final;

static uint64_t mean;
static unsigned depth = 128;
static bool use_stackcache;   /* dwarf mode: reuse verified stacks */
static struct alloc_host host;
static _Atomic uint64_t no_thread, untracked, frees_lost;

/* 4 Mi slots, 64 MiB of address space, touched only where blocks land. */
#define LIVE_LOG2 22
/* Frees that found no ring: ids, appended once each, read at the end. */
#define ORPHANS_MAX (1u << 16)
static _Atomic uint64_t orphans[ORPHANS_MAX];
static _Atomic size_t norphans;

/* How long an allocation may wait for ring room before its record is
 * dropped (and counted): long enough for the collector to catch up, short
 * enough that a stuck collector cannot hang the program. */
#define RING_WAIT_NS (2ull * 1000000000ull)

int alloc_init(const struct config *cfg, const struct alloc_host *h)
{
    mean = cfg->alloc_sample;
    depth = cfg->depth < CONFIG_MAX_DEPTH ? cfg->depth : CONFIG_MAX_DEPTH;
    use_stackcache = cfg->unwind == UNWIND_DWARF;
    if (h)
        host = *h;
    if (!alloc_live.slots && livetab_init(&alloc_live, LIVE_LOG2, alloc_filter) < 0) {
        log_error("alloc: cannot map the live-block table: %s; allocation profiling disabled",
                  strerror(errno));
        return -1;
    }
    if (mean == 0)
        livetab_saturate(&alloc_live);
    return 0;
}

void alloc_start(void)
{
    __atomic_store_n(&alloc_final, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&alloc_on, 1, __ATOMIC_RELEASE);
    tstate.alloc_left = 0;
    tstate.alloc_ready = 0;
}

void alloc_stop(void)
{
    __atomic_store_n(&alloc_on, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&alloc_final, 1, __ATOMIC_RELEASE);
}

void alloc_weight(uint64_t size, uint64_t t, uint64_t *bytes, uint64_t *count_fx)
{
    if (t == 0 || size == 0) {
        *bytes = size;
        *count_fx = ALLOC_COUNT_ONE;
        return;
    }
    double p = -expm1(-(double)size / (double)t);
    if (p <= 0 || p >= 1) {
        *bytes = size;
        *count_fx = ALLOC_COUNT_ONE;
        return;
    }
    double b = (double)size / p + 0.5, c = ALLOC_COUNT_ONE / p + 0.5;
    *bytes = b >= 1.8e19 ? UINT64_MAX : (uint64_t)b;
    *count_fx = c >= 1.8e19 ? UINT64_MAX : (uint64_t)c;
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

int64_t alloc_draw(uint64_t *rng, uint64_t t)
{
    if (t == 0)
        return -1;
    if (*rng == 0)
        *rng = 0x9e3779b97f4a7c15ull;
    /* u uniform in (0, 1]: 53 random bits, never 0, so log(u) is finite. */
    double u = (double)((xorshift(rng) >> 11) + 1) * 0x1.0p-53;
    double v = -log(u) * (double)t;
    if (v > 4e18)
        return INT64_C(4000000000000000000);
    return (int64_t)v;
}

bool sample_countdown(int64_t *left, uint64_t *rng, int *ready, uint64_t salt, uint64_t mean,
                      int64_t amount)
{
    if (!*ready) {
        *rng = threads_seed(salt);
        *ready = 1;
        *left = alloc_draw(rng, mean) - amount;
    }
    if (*left >= 0)
        return false;
    *left = alloc_draw(rng, mean);
    return true;
}

static struct tslot *own_slot(void)
{
    return threads_own_slot(host.adopt);
}

/* The ring is more than half full (by the producer's last view of tail):
 * wake the collector now rather than at its next period, at most once per
 * quarter ring of records, so that a fast producer (exact mode) rarely
 * finds it full and has to nap. */
static __attribute__((noinline)) void ring_half(struct tslot *s)
{
    struct ring *r = &s->ring;
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head - r->tail_seen > (r->mask + 1) / 2 && head - s->alloc_kicked > (r->mask + 1) / 4 &&
        host.kick) {
        s->alloc_kicked = head;
        host.kick();
    }
}

/* Room for `words` in s's ring, waiting for the collector if need be
 * (normal context only). */
static bool ring_reserve(struct tslot *s, uint64_t words)
{
    if (ring_has_room(&s->ring, words)) {
        uint64_t head = atomic_load_explicit(&s->ring.head, memory_order_relaxed);
        if (__builtin_expect(head - s->ring.tail_seen > (s->ring.mask + 1) / 2, 0))
            ring_half(s);
        return true;
    }
    if (words > s->ring.mask + 1)
        return false;
    struct timespec nap = {0, 100000};
    for (uint64_t waited = 0; waited < RING_WAIT_NS; waited += (uint64_t)nap.tv_nsec) {
        if (!__atomic_load_n(&alloc_on, __ATOMIC_ACQUIRE))
            return false;
        if (host.kick)
            host.kick();
        nanosleep(&nap, NULL);
        if (ring_has_room(&s->ring, words))
            return true;
    }
    return false;
}

static void orphan_push(uint64_t id)
{
    size_t i = atomic_fetch_add_explicit(&norphans, 1, memory_order_relaxed);
    if (i < ORPHANS_MAX)
        atomic_store_explicit(&orphans[i], id, memory_order_release);
    else
        atomic_fetch_add_explicit(&frees_lost, 1, memory_order_relaxed);
}

size_t alloc_orphans_count(void)
{
    size_t n = atomic_load_explicit(&norphans, memory_order_acquire);
    return n < ORPHANS_MAX ? n : ORPHANS_MAX;
}

uint64_t alloc_orphan(size_t i)
{
    return atomic_load_explicit(&orphans[i], memory_order_acquire);
}

/* The calling thread's stack into s->alloc_scratch: from the verified
 * cache when it has it (dwarf mode, known stack bounds), else unwound (and
 * then remembered). Guard held. */
static unsigned capture(struct tslot *s, uintptr_t caller, unsigned *flags)
{
    uintptr_t lo = s->stack_lo, hi = s->stack_hi, sp0 = 0;
    struct stackcache *c = NULL;
    if (use_stackcache && lo && hi && !tstate.in_loader) {
        if (!s->scache)
            s->scache = stackcache_new();
        c = s->scache;
        sp0 = c ? stackcache_sp0(caller, lo, hi) : 0;
        if (sp0) {
            unsigned n = stackcache_get(c, s->serial, caller, sp0, lo, hi, s->alloc_scratch, depth,
                                        flags);
            if (n)
                return n;
        }
    }
    unsigned n = unwind_capture_here(caller, lo, hi, s->alloc_scratch, depth, flags,
                                     sp0 ? c->cfas : NULL);
    if (sp0)
        stackcache_put(c, s->serial, caller, sp0, lo, hi, s->alloc_scratch, n, *flags);
    return n;
}

/* Write a REC_ALLOC record for block p and track it as live. Guard held. */
static void record_alloc(void *p, size_t size, uintptr_t caller)
{
    struct tslot *s = own_slot();
    if (!s) {
        atomic_fetch_add_explicit(&no_thread, 1, memory_order_relaxed);
        return;
    }
    if (tstate.ring_busy) {
        /* A program's signal handler allocating while this thread's
         * sampling handler writes the ring. */
        ctr_add(&s->alloc_dropped, 1);
        return;
    }
    uint64_t bytes, count_fx;
    alloc_weight(size, mean, &bytes, &count_fx);
    tstate.ring_busy = 1;
    unsigned flags;
    unsigned n = capture(s, caller, &flags);
    slot_count_unwind(s, flags);
    /* The same stack as this thread's previous record: send no pcs. */
    bool same = n == s->alloc_last_n && flags == s->alloc_last_flags &&
                memcmp(s->alloc_scratch, s->alloc_last, n * sizeof(uintptr_t)) == 0;
    uint64_t words = 1 + ALLOC_REC_WORDS + (same ? 0 : n);
    if (!ring_reserve(s, words)) {
        ctr_add(&s->alloc_dropped, 1);
        tstate.ring_busy = 0;
        return;
    }
    uint64_t id = s->serial << 32 | (++s->alloc_seq & 0xffffffffu);
    if (!livetab_insert(&alloc_live, (uintptr_t)p, id)) {
        atomic_fetch_add_explicit(&untracked, 1, memory_order_relaxed);
        id = 0;
    }
    if (same) {
        ring_put(&s->ring, 0, RING_HDR(0, RING_F_SAME_STACK, REC_ALLOC, 0));
    } else {
        ring_put(&s->ring, 0, RING_HDR(n, flags, REC_ALLOC, 0));
        for (unsigned i = 0; i < n; i++)
            ring_put(&s->ring, 4 + i, s->alloc_scratch[i]);
        uintptr_t *t = s->alloc_last;
        s->alloc_last = s->alloc_scratch;
        s->alloc_scratch = t;
        s->alloc_last_n = n;
        s->alloc_last_flags = flags;
    }
    ring_put(&s->ring, 1, bytes);
    ring_put(&s->ring, 2, count_fx);
    ring_put(&s->ring, 3, id);
    ring_commit(&s->ring, words);
    ctr_add(&s->alloc_sampled, 1);
    tstate.ring_busy = 0;
}

__attribute__((noinline)) void alloc_sample_slow(void *p, size_t size, uintptr_t caller)
{
    if (tstate.guard) {
        /* The profiler's own allocation: never recorded, and it must not
         * use up the program's countdown. (The collector thread parks its
         * countdown far away instead, so it stays on the fast path.) */
        tstate.alloc_left += (int64_t)size;
        return;
    }
    if (!__atomic_load_n(&alloc_on, __ATOMIC_ACQUIRE)) {
        /* Not recording: for good (park far away) or not yet decided
         * (before the constructor: look again at the next allocation). */
        tstate.alloc_left = __atomic_load_n(&alloc_final, __ATOMIC_ACQUIRE) ? ALLOC_PARKED : 0;
        return;
    }
    int saved = errno;
    tstate.guard++;
    if (sample_countdown(&tstate.alloc_left, &tstate.rng, &tstate.alloc_ready, 1, mean,
                         (int64_t)size))
        record_alloc(p, size, caller);
    tstate.guard--;
    errno = saved;
}

/* Send the free of record `id`: through this thread's ring when it may
 * write it, else the orphan list. */
static void record_free(uint64_t id)
{
    if (tstate.guard || tstate.ring_busy) {
        orphan_push(id);
        return;
    }
    tstate.guard++;
    struct tslot *s = tstate.slot;
    if (!s && !tstate.exiting)
        s = threads_self();
    if (!s) {
        orphan_push(id);
    } else {
        tstate.ring_busy = 1;
        if (ring_reserve(s, 2)) {
            ring_put(&s->ring, 0, RING_HDR(0, 0, REC_FREE, 0));
            ring_put(&s->ring, 1, id);
            ring_commit(&s->ring, 2);
        } else {
            orphan_push(id);
        }
        tstate.ring_busy = 0;
    }
    tstate.guard--;
}

void alloc_free_slow(void *p)
{
    if (!__atomic_load_n(&alloc_on, __ATOMIC_ACQUIRE))
        return;
    int saved = errno;
    uint64_t id = livetab_remove(&alloc_live, (uintptr_t)p);
    if (id)
        record_free(id);
    errno = saved;
}

uint64_t alloc_realloc_begin(void *p)
{
    if (!p || !alloc_maybe_sampled(p))
        return 0;
    if (!__atomic_load_n(&alloc_on, __ATOMIC_ACQUIRE))
        return 0;
    return livetab_remove(&alloc_live, (uintptr_t)p);
}

void alloc_realloc_end(void *old, uint64_t id, void *q, size_t size, uintptr_t caller)
{
    if (!q && size != 0 && old) {
        /* Failed: p is still the program's; put its record back. */
        if (id && !livetab_insert(&alloc_live, (uintptr_t)old, id)) {
            int saved = errno;
            record_free(id);
            errno = saved;
        }
        return;
    }
    if (id) {
        int saved = errno;
        record_free(id);
        errno = saved;
    }
    if (q)
        alloc_note(q, size, caller);
}

void alloc_get_stats(struct alloc_stats *st)
{
    st->no_thread = atomic_load(&no_thread);
    st->untracked = atomic_load(&untracked);
    st->frees_lost = atomic_load(&frees_lost);
    st->table_bytes = alloc_live.map_bytes;
}

/* ---- bootstrap arena ---- */

#define ARENA_BYTES ALLOC_ARENA_BYTES
#define ARENA_HDR 16u
_Alignas(64) char alloc_arena_mem[ALLOC_ARENA_BYTES];
#define arena alloc_arena_mem
static _Atomic size_t arena_used;

void *alloc_arena_get(size_t size, size_t align)
{
    if (align < ARENA_HDR)
        align = ARENA_HDR;
    if (align & (align - 1) || align > 4096 || size > ARENA_BYTES)
        return NULL;
    size_t used = atomic_load_explicit(&arena_used, memory_order_relaxed);
    for (;;) {
        /* The block starts aligned; its size sits in the 16 bytes before. */
        size_t start = (used + ARENA_HDR + align - 1) & ~(align - 1);
        size_t end = (start + size + ARENA_HDR - 1) & ~(size_t)(ARENA_HDR - 1);
        if (end > ARENA_BYTES) {
            errno = ENOMEM;
            return NULL;
        }
        if (atomic_compare_exchange_weak_explicit(&arena_used, &used, end, memory_order_relaxed,
                                                  memory_order_relaxed)) {
            memcpy(arena + start - sizeof(size_t), &size, sizeof size);
            return arena + start;   /* static storage: already zero */
        }
    }
}

size_t alloc_arena_size(const void *p)
{
    size_t size;
    memcpy(&size, (const char *)p - sizeof(size_t), sizeof size);
    return size;
}
