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
 * A live-table entry's value is (site reference << 32 | size code): what a
 * free needs to take the block's live weight off its site (allocsite.h),
 * recomputed from the size code the same way it was added.
 */
#include "preload/alloc.h"
#include "preload/hooks.h" /* FLAMEPRE_BIG_BSS */

#include <errno.h>
#include "preload/expmath.h"
#include <stdatomic.h>
#include <string.h>

#include "preload/log.h"
#include "preload/allocsite.h"
#include "preload/record.h"
#include "preload/shm.h"
#include "preload/stackcache.h"
#include "preload/unwind.h"
#include "preload/wait.h" /* wait_now */

int alloc_on;
FLAMEPRE_BIG_BSS _Atomic uint8_t alloc_filter[1u << LIVETAB_FILTER_BITS];
uint8_t alloc_filter_used;
struct livetab alloc_live;
/* Set by alloc_stop: the slow path parks countdowns instead of re-arming. */
static int alloc_final;

static uint64_t mean;
static unsigned depth = 128;
static bool timeline; /* FLAMEPRE_TIMELINE: each sample also goes through the ring, timed */
static struct alloc_host host;

/* Live-table slots: 4 Mi (64 MiB of address space, touched only where
 * blocks land) when sampling, 16 Mi (256 MiB) in exact mode, where every
 * live block of the program is in it; the smaller when the larger cannot
 * be mapped (strict overcommit). */
#define LIVE_LOG2 22
#define LIVE_LOG2_EXACT 24

static void arena_mark_all(void);

int alloc_init(const struct config *cfg, const struct alloc_host *h)
{
    mean = cfg->alloc_sample;
    timeline = cfg->timeline;
    depth = cfg->depth < CONFIG_MAX_DEPTH ? cfg->depth : CONFIG_MAX_DEPTH;
    if (h)
        host = *h;
    /* Under an address-space limit (ulimit -v) the table takes at most a
     * sixteenth of it (shm_address_share). */
    unsigned log2 = mean == 0 ? LIVE_LOG2_EXACT : LIVE_LOG2;
    uint64_t share = shm_address_share(16);
    while (log2 > 16 && ((uint64_t)1 << log2) * sizeof(struct livetab_slot) > share)
        log2--;
    if (!alloc_live.slots && log2 > LIVE_LOG2)
        (void)livetab_init(&alloc_live, log2, alloc_filter);
    if (!alloc_live.slots &&
        livetab_init(&alloc_live, log2 < LIVE_LOG2 ? log2 : LIVE_LOG2, alloc_filter) < 0) {
        log_error("alloc: cannot map the live-block table: %s; allocation profiling disabled",
                  strerror(errno));
        return -1;
    }
    if (alloc_sites_init() < 0) {
        log_error("alloc: cannot map the allocation-site store: %s; allocation profiling disabled",
                  strerror(errno));
        return -1;
    }
    if (mean == 0)
        livetab_saturate(&alloc_live);
    /* Arena blocks get their counters before free looks at the filter
     * (arena_get marks its own from now on: the table is there). */
    arena_mark_all();
    __atomic_store_n(&alloc_filter_used, 1, __ATOMIC_RELEASE);
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
    /* Stores only what changes: a process that never recorded
     * allocations stops again at exit, and a fork child's first write to
     * a page of ours is a copy-on-write fault. */
    if (__atomic_load_n(&alloc_on, __ATOMIC_ACQUIRE))
        __atomic_store_n(&alloc_on, 0, __ATOMIC_RELEASE);
    if (!__atomic_load_n(&alloc_final, __ATOMIC_ACQUIRE))
        __atomic_store_n(&alloc_final, 1, __ATOMIC_RELEASE);
}

void alloc_weight(uint64_t size, uint64_t t, uint64_t *bytes, uint64_t *count_fx)
{
    if (t == 0 || size == 0) {
        *bytes = size;
        *count_fx = ALLOC_COUNT_ONE;
        return;
    }
    double p = -expmath_expm1_neg(-(double)size / (double)t);
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
    /* u uniform in (0, 1]: 53 random bits, never 0, so ln(u) is finite. */
    double u = (double)((xorshift(rng) >> 11) + 1) * 0x1.0p-53;
    double v = -expmath_log(u) * (double)t;
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

/* A block's size in 32 bits: exact below 2 GiB, else in 4 KiB units (the
 * live weight of such a block is then a little off, but identically so
 * when it is added and when it is taken back). */
static uint32_t size_code(size_t size)
{
    if (size < 0x80000000u)
        return (uint32_t)size;
    uint64_t pages = (uint64_t)size >> 12;
    return 0x80000000u | (uint32_t)(pages < 0x7fffffffu ? pages : 0x7fffffffu);
}

static uint64_t live_weight(uint32_t code)
{
    uint64_t size = code & 0x80000000u ? (uint64_t)(code & 0x7fffffffu) << 12 : code;
    if (mean == 0)
        return size;
    uint64_t bytes, count_fx;
    alloc_weight(size, mean, &bytes, &count_fx);
    return bytes;
}

/* The site of the calling thread's stack. With known stack bounds, a
 * verified stack-cache hit gives the site it was last counted in
 * without copying or comparing a single pc; otherwise the stack is unwound
 * into s->alloc_scratch (and remembered), and the site looked up. sp0: the
 * program's stack pointer at its call, 0 if the caller does not know it.
 * Guard held. */
static struct alloc_site *capture_site(struct tslot *s, uintptr_t caller, uintptr_t sp0,
                                       uint32_t *ref)
{
    uintptr_t lo = s->stack_lo, hi = s->stack_hi;
    struct stackcache *c = NULL;
    struct stackcache_entry *e = NULL;
    unsigned flags, n;
    if (lo && hi && !tstate.in_loader && !s->scache_failed) {
        if (!s->scache && !(s->scache = stackcache_new()))
            s->scache_failed = true; /* no memory for it: unwind every time */
        c = s->scache;
    }
    if (c) {
        if (!(sp0 > lo && sp0 < hi))
            sp0 = stackcache_sp0(caller, lo, hi);
        if (sp0 && (e = stackcache_find(c, s->serial, caller, sp0, lo, hi, depth))) {
            slot_count_unwind(s, e->flags);
            if (e->tag) {
                *ref = e->tag;
                return alloc_site_at(e->tag);
            }
            struct alloc_site *site = alloc_site_get(s, e->pc, e->n, e->flags, ref);
            e->tag = site ? *ref : 0;
            return site;
        }
    } else {
        sp0 = 0;
    }
    n = unwind_capture_here(caller, lo, hi, s->alloc_scratch, depth, &flags, sp0 ? c->cfas : NULL);
    slot_count_unwind(s, flags);
    if (sp0)
        e = stackcache_put(c, s->serial, caller, sp0, lo, hi, s->alloc_scratch, n, flags);
    struct alloc_site *site = alloc_site_get(s, s->alloc_scratch, n, flags, ref);
    if (e && site)
        e->tag = *ref;
    return site;
}

/* FLAMEPRE_TIMELINE: the sample also goes to the collector with its time,
 * as a REC_ALLOC_TIME record of its site's stack (the sites have no time).
 * Never waits for ring room, unlike a wait (an allocation is not a
 * blocking call): no room, or the ring held by an interrupted writer,
 * loses the event for the timeline only (tl_dropped). Guard held. */
_Static_assert(sizeof(uintptr_t) == sizeof(uint64_t), "a site's pcs are the ring's words");
static void record_alloc_time(struct tslot *s, const struct alloc_site *site, uint64_t bytes)
{
    uint64_t now = wait_now(); /* the vDSO's clock: no allocation, no lock */
    bool ok = false;
    if (!tstate.ring_busy) {
        tstate.ring_busy = 1;
        ok = record_put_alloc(&s->ring, (const uintptr_t *)site->pcs, site->n, site->flags, bytes,
                              now ? now : 1);
        tstate.ring_busy = 0;
    }
    if (!ok)
        ctr_add(&s->tl_dropped, 1);
}

/* Count block p in its stack's site and track it as live. Guard held. */
static void record_alloc(void *p, size_t size, uintptr_t caller, uintptr_t sp0)
{
    struct tslot *s = own_slot();
    if (!s) {
        atomic_fetch_add_explicit(&shm_hdr->c.alloc_no_thread, 1, memory_order_relaxed);
        return;
    }
    uint32_t ref;
    struct alloc_site *site = capture_site(s, caller, sp0, &ref);
    if (!site) {
        ctr_add(&s->alloc_dropped, 1);
        return;
    }
    uint64_t bytes = size, count_fx = ALLOC_COUNT_ONE;
    if (mean)
        alloc_weight(size, mean, &bytes, &count_fx);
    alloc_site_add(&site->bytes, bytes);
    alloc_site_add(&site->count_fx, count_fx);
    if (timeline)
        record_alloc_time(s, site, bytes);
    uint32_t code = size_code(size);
    if (livetab_insert(&alloc_live, (uintptr_t)p, (uint64_t)ref << 32 | code))
        alloc_site_add(&site->live_in, code == size ? bytes : live_weight(code));
    else
        atomic_fetch_add_explicit(&shm_hdr->c.alloc_untracked, 1, memory_order_relaxed);
    ctr_add(&s->alloc_sampled, 1);
}

__attribute__((noinline)) void alloc_sample_slow(void *p, size_t size, uintptr_t caller,
                                                 uintptr_t sp0)
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
    if (mean == 0) {
        tstate.alloc_left = -1; /* exact: the next allocation crosses too */
        record_alloc(p, size, caller, sp0);
    } else if (sample_countdown(&tstate.alloc_left, &tstate.rng, &tstate.alloc_ready, 1, mean,
                                (int64_t)size)) {
        record_alloc(p, size, caller, sp0);
    }
    tstate.guard--;
    errno = saved;
}

/* A tracked block of live-table value v is gone: its site's live weight
 * goes down. Async-signal-safe, any thread. */
static void retire(uint64_t v)
{
    struct alloc_site *site = alloc_site_at((uint32_t)(v >> 32));
    uint64_t w = live_weight((uint32_t)v);
    struct tslot *s = tstate.slot;
    /* The owner's own frees need no atomic add; but a free in a signal
     * handler that interrupts this very load-add-store would be lost under
     * the outer store, so a nested one takes the atomic path. */
    if (s && s->serial == site->serial && !tstate.exiting && !tstate.retiring) {
        tstate.retiring = 1;
        atomic_signal_fence(memory_order_seq_cst);
        alloc_site_add(&site->live_out_own, w);
        atomic_signal_fence(memory_order_seq_cst);
        tstate.retiring = 0;
    } else {
        atomic_fetch_add_explicit(&site->live_out, w, memory_order_relaxed);
    }
}

void alloc_free_slow(void *p)
{
    if (!__atomic_load_n(&alloc_on, __ATOMIC_ACQUIRE))
        return;
    uint64_t v = livetab_remove(&alloc_live, (uintptr_t)p);
    if (v)
        retire(v);
}

uint64_t alloc_realloc_begin_slow(void *p)
{
    if (!__atomic_load_n(&alloc_on, __ATOMIC_ACQUIRE))
        return 0;
    return livetab_remove(&alloc_live, (uintptr_t)p);
}

void alloc_realloc_end(void *old, uint64_t v, void *q, size_t size, uintptr_t caller)
{
    if (!q && size != 0 && old) {
        /* Failed: p is still the program's; put its entry back. */
        if (v && !livetab_insert(&alloc_live, (uintptr_t)old, v))
            retire(v);
        return;
    }
    if (v)
        retire(v);
    if (q)
        alloc_note(q, size, caller);
}

void alloc_fork_child(void)
{
    if (!alloc_live.slots)
        return;
    livetab_clear(&alloc_live);
    if (mean == 0)
        livetab_saturate(&alloc_live);
    arena_mark_all();
    alloc_sites_reset();
}

void alloc_get_stats(struct alloc_stats *st)
{
    st->no_thread = atomic_load(&shm_hdr->c.alloc_no_thread);
    st->untracked = atomic_load(&shm_hdr->c.alloc_untracked);
    st->table_bytes = alloc_live.map_bytes;
    st->live_blocks = alloc_live.slots ? livetab_count(&alloc_live) : 0;
    alloc_sites_usage(&st->sites, &st->site_bytes);
}

/* ---- bootstrap arena ---- */

#define ARENA_BYTES ALLOC_ARENA_BYTES
#define ARENA_HDR 16u
FLAMEPRE_BIG_BSS _Alignas(64) char alloc_arena_mem[ALLOC_ARENA_BYTES];
#define arena alloc_arena_mem
static _Atomic size_t arena_used;

/* With the filter in use (alloc_filter_used), free() looks at it only: an
 * arena block's counter is raised for good (saturating; never lowered), so
 * free takes its slow path, which recognises arena blocks. Blocks of the
 * program that share the counter pay a slow-path visit: a few granules in
 * all. Without it, free tests the arena's range instead. */
static void arena_mark(const void *p)
{
    _Atomic uint8_t *c = &alloc_filter[livetab_filter_index((uintptr_t)p)];
    uint8_t old = atomic_load_explicit(c, memory_order_relaxed);
    while (old < LIVETAB_FILTER_MAX &&
           !atomic_compare_exchange_weak_explicit(c, &old, (uint8_t)(old + 1), memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

/* Every arena block's offset, for arena_mark_all: at most one block per
 * 2 * ARENA_HDR bytes, so the list cannot overflow. */
FLAMEPRE_BIG_BSS static _Atomic uint32_t arena_blocks[ALLOC_ARENA_BYTES / 32];
static _Atomic uint32_t narena_blocks;

/* Mark every arena block: when the filter comes into use, and again after
 * it was cleared (fork child). */
static void arena_mark_all(void)
{
    uint32_t n = atomic_load_explicit(&narena_blocks, memory_order_acquire);
    for (uint32_t i = 0; i < n && i < sizeof arena_blocks / sizeof arena_blocks[0]; i++)
        arena_mark(arena + atomic_load_explicit(&arena_blocks[i], memory_order_relaxed));
}

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
            uint32_t i = atomic_fetch_add_explicit(&narena_blocks, 1, memory_order_relaxed);
            if (i < sizeof arena_blocks / sizeof arena_blocks[0])
                atomic_store_explicit(&arena_blocks[i], (uint32_t)start, memory_order_release);
            if (__atomic_load_n(&alloc_live.slots, __ATOMIC_ACQUIRE))
                arena_mark(arena + start);
            return arena + start; /* static storage: already zero */
        }
    }
}

size_t alloc_arena_size(const void *p)
{
    size_t size;
    memcpy(&size, (const char *)p - sizeof(size_t), sizeof size);
    return size;
}
