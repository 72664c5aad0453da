/*
 * The malloc family: thin shims over the real allocator (the next
 * definition after this library: glibc, or a jemalloc/tcmalloc preloaded
 * after us) that report successful allocations and frees to alloc.h.
 *
 * Semantics are the real function's: every shim returns exactly what the
 * real call returned, leaves errno as the real call left it (the recording
 * paths save and restore it), and records nothing when the call failed.
 * With allocation profiling off or on, the common path of each shim is
 * alloc.h's countdown step or filter load (one predictable branch); malloc
 * and free end in a tail call to the real function.
 *
 * Bootstrap: until the hook table is resolved, dlsym's own calloc/malloc
 * are served from the static arena (alloc_arena_*); free ignores arena
 * blocks (their filter counters send it to its slow path), realloc copies
 * them out, malloc_usable_size knows their size.
 *
 * C++: operator new/delete in libstdc++ call malloc/free, so they arrive
 * here; operator new's frame stays in the stack as the leaf, directly under
 * its C++ caller (it names the allocation kind; frames of this library are
 * removed).
 *
 * jemalloc's non-standard API (mallocx, rallocx, sdallocx, dallocx) is
 * interposed for programs linked against or preloading jemalloc; if no real
 * definition exists, the shims emulate it with the standard calls, so a
 * program that merely probes for these names never calls through NULL.
 */
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/alloc.h"
#include "preload/hooks.h"

#define RA ((uintptr_t)__builtin_return_address(0))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

static _Atomic int resolving;

/* Resolve the hook table unless this thread (or another) is already doing
 * it; in that case the caller falls back to the arena. */
static void bootstrap(void)
{
    int expect = 0;
    if (!atomic_compare_exchange_strong(&resolving, &expect, 1))
        return;
    int saved = errno;
    hooks_resolve();
    errno = saved;
    atomic_store(&resolving, 0);
}

#define NEED(fn)                \
    do {                        \
        if (UNLIKELY(!real.fn)) \
            bootstrap();        \
    } while (0)

static inline void note(void *p, size_t n, uintptr_t caller)
{
    alloc_note(p, n, caller);
}

/* The rare paths stay out of line so the common path saves no registers
 * and ends in a tail call. */
static __attribute__((noinline, cold)) void *boot_malloc(size_t n);
static __attribute__((noinline, cold)) void boot_free(void *p);

/* The real malloc and free as the common paths call them: the bootstrap
 * functions below until the hook table is resolved, so the common path
 * tests nothing but the countdown or the filter. Each goes from its
 * bootstrap function to the real one once; both are callable at any time. */
static void *(*next_malloc)(size_t) = boot_malloc;
static void (*next_free)(void *) = boot_free;

static __attribute__((noinline, cold)) void *boot_malloc(size_t n)
{
    void *(*fn)(size_t) = real.malloc;
    if (!fn) {
        /* (Not when resolved: this may run inside dlsym, which must not
         * be re-entered.) */
        bootstrap();
        fn = real.malloc;
        if (!fn)
            return alloc_arena_get(n, 16);
    }
    __atomic_store_n(&next_malloc, fn, __ATOMIC_RELAXED);
    return fn(n);
}

static __attribute__((noinline, cold)) void boot_free(void *p)
{
    void (*fn)(void *) = real.free;
    if (!fn) {
        bootstrap();
        fn = real.free;
        if (!fn)
            return; /* a block of the real allocator seen before its free is known: kept */
    }
    __atomic_store_n(&next_free, fn, __ATOMIC_RELAXED);
    fn(p);
}

/* The countdown crossed: the real call, then the recording. Its return
 * address is the program's (malloc tail-calls it). */
static __attribute__((noinline)) void *malloc_slow(size_t n)
{
    void *(*fn)(size_t) = real.malloc;
    if (UNLIKELY(!fn)) {
        alloc_uncount(n);
        return boot_malloc(n);
    }
    void *p = fn(n);
    /* malloc tail-called this function: its frame sits right on the
     * program's call, so its CFA is the program's stack pointer. */
    if (p)
        alloc_sample_slow(p, n, RA, (uintptr_t)__builtin_frame_address(0) + 16);
    else
        alloc_uncount(n);
    return p;
}

/* p's filter counter is non-zero: a sampled block, a bootstrap-arena block
 * (their counters are raised for good), NULL, or a block that shares a
 * counter with one of those. */
static __attribute__((noinline)) void free_slow(void *p)
{
    if (alloc_arena_owns(p) || !p)
        return;
    alloc_free_slow(p);
    __atomic_load_n(&next_free, __ATOMIC_RELAXED)(p);
}

/* Common path: one TLS subtract and branch, then a tail call. (malloc
 * and free start on their own cache lines: straddling one cost a few
 * percent of a malloc-only loop in some builds.) */
FLAMEPRE_EXPORT __attribute__((aligned(64))) void *malloc(size_t n)
{
    if (UNLIKELY(alloc_cross(n)))
        return malloc_slow(n);
    return __atomic_load_n(&next_malloc, __ATOMIC_RELAXED)(n);
}

/* Does free(p) need free_slow? With the filter in use, p's counter says
 * (NULL and arena blocks pass it: see free_slow); without, only arena
 * blocks do (alloc.h, alloc_filter_used). */
static inline bool free_needs_slow(const void *p)
{
    if (__atomic_load_n(&alloc_filter_used, __ATOMIC_RELAXED))
        return atomic_load_explicit(&alloc_filter[livetab_filter_index((uintptr_t)p)],
                                    memory_order_relaxed) != 0;
    return alloc_arena_owns(p);
}

/* Common path: a flag and a filter (or range) test, then a tail call. */
FLAMEPRE_EXPORT __attribute__((aligned(64))) void free(void *p)
{
    if (UNLIKELY(free_needs_slow(p)))
        return free_slow(p);
    __atomic_load_n(&next_free, __ATOMIC_RELAXED)(p);
}

FLAMEPRE_EXPORT void *calloc(size_t n, size_t m)
{
    NEED(calloc);
    size_t bytes;
    if (UNLIKELY(!real.calloc)) {
        if (__builtin_mul_overflow(n, m, &bytes)) {
            errno = ENOMEM;
            return NULL;
        }
        return alloc_arena_get(bytes, 16);
    }
    void *p = real.calloc(n, m);
    if (p && !__builtin_mul_overflow(n, m, &bytes))
        note(p, bytes, RA);
    return p;
}

/* realloc of a bootstrap block: a fresh real block with its contents. */
static void *arena_realloc(void *p, size_t n)
{
    if (n == 0)
        return NULL;
    void *q = malloc(n);
    if (q) {
        size_t old = alloc_arena_size(p);
        memcpy(q, p, old < n ? old : n);
    }
    return q;
}

FLAMEPRE_EXPORT void *realloc(void *p, size_t n)
{
    if (UNLIKELY(p && alloc_arena_owns(p)))
        return arena_realloc(p, n);
    NEED(realloc);
    if (UNLIKELY(!real.realloc))
        return p ? NULL : alloc_arena_get(n, 16);
    uint64_t v = alloc_realloc_begin(p);
    void *q = real.realloc(p, n);
    alloc_realloc_end(p, v, q, n, RA);
    return q;
}

FLAMEPRE_EXPORT void *reallocarray(void *p, size_t n, size_t m)
{
    size_t bytes;
    if (__builtin_mul_overflow(n, m, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    if (UNLIKELY(p && alloc_arena_owns(p)))
        return arena_realloc(p, bytes);
    NEED(realloc);
    if (UNLIKELY(!real.realloc))
        return p ? NULL : alloc_arena_get(bytes, 16);
    uint64_t v = alloc_realloc_begin(p);
    void *q = real.reallocarray ? real.reallocarray(p, n, m) : real.realloc(p, bytes);
    alloc_realloc_end(p, v, q, bytes, RA);
    return q;
}

FLAMEPRE_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    NEED(posix_memalign);
    if (UNLIKELY(!real.posix_memalign)) {
        if (align < sizeof(void *) || (align & (align - 1)))
            return EINVAL;
        void *p = alloc_arena_get(n, align);
        if (!p)
            return ENOMEM;
        *out = p;
        return 0;
    }
    int rc = real.posix_memalign(out, align, n);
    if (rc == 0)
        note(*out, n, RA);
    return rc;
}

FLAMEPRE_EXPORT void *aligned_alloc(size_t align, size_t n)
{
    NEED(posix_memalign);
    void *p;
    if (real.aligned_alloc) {
        p = real.aligned_alloc(align, n);
    } else if (real.memalign) {
        p = real.memalign(align, n);
    } else {
        p = alloc_arena_get(n, align);
    }
    note(p, n, RA);
    return p;
}

FLAMEPRE_EXPORT void *memalign(size_t align, size_t n)
{
    NEED(posix_memalign);
    void *p;
    if (real.memalign) {
        p = real.memalign(align, n);
    } else if (real.aligned_alloc) {
        p = real.aligned_alloc(align, n);
    } else {
        p = alloc_arena_get(n, align);
    }
    note(p, n, RA);
    return p;
}

/* posix_memalign as a pointer-returning call (for the obsolete page-aligned
 * variants when the real ones are missing). */
static void *pm_alloc(size_t align, size_t n)
{
    void *p = NULL;
    int rc = real.posix_memalign ? real.posix_memalign(&p, align, n) : ENOMEM;
    if (rc != 0) {
        errno = rc;
        return NULL;
    }
    return p;
}

FLAMEPRE_EXPORT void *valloc(size_t n)
{
    NEED(posix_memalign);
    void *p = real.valloc ? real.valloc(n) : pm_alloc((size_t)sysconf(_SC_PAGESIZE), n);
    note(p, n, RA);
    return p;
}

FLAMEPRE_EXPORT void *pvalloc(size_t n)
{
    NEED(posix_memalign);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *p;
    if (real.pvalloc) {
        p = real.pvalloc(n);
    } else {
        size_t r = n + page - 1;
        if (r < n) {
            errno = ENOMEM;
            return NULL;
        }
        p = pm_alloc(page, r & ~(page - 1));
    }
    note(p, n, RA);
    return p;
}

FLAMEPRE_EXPORT size_t malloc_usable_size(void *p)
{
    if (!p)
        return 0;
    if (alloc_arena_owns(p))
        return alloc_arena_size(p);
    NEED(malloc_usable_size);
    return real.malloc_usable_size ? real.malloc_usable_size(p) : 0;
}

/* ---- jemalloc's non-standard API ---- */

/* jemalloc's prototypes (its header is not a build dependency). */
void *mallocx(size_t n, int flags);
void *rallocx(void *p, size_t n, int flags);
void sdallocx(void *p, size_t n, int flags);
void dallocx(void *p, int flags);

#define MALLOCX_ALIGN_OF(flags) ((size_t)1 << ((flags)&0x3f))
#define MALLOCX_ZERO_FLAG 0x40

FLAMEPRE_EXPORT void *mallocx(size_t n, int flags)
{
    NEED(malloc);
    hooks_on_use();
    void *p;
    if (real.mallocx) {
        p = real.mallocx(n, flags);
    } else {
        size_t align = flags & 0x3f ? MALLOCX_ALIGN_OF(flags) : 0;
        p = align > 16 ? pm_alloc(align, n) : real.malloc ? real.malloc(n) : NULL;
        if (p && (flags & MALLOCX_ZERO_FLAG))
            memset(p, 0, n);
    }
    note(p, n, RA);
    return p;
}

FLAMEPRE_EXPORT void *rallocx(void *p, size_t n, int flags)
{
    NEED(realloc);
    hooks_on_use();
    if (UNLIKELY(!real.realloc && !real.rallocx))
        return NULL;
    uint64_t v = alloc_realloc_begin(p);
    void *q = real.rallocx ? real.rallocx(p, n, flags) : real.realloc(p, n);
    /* rallocx never frees: a NULL result is a failure whatever the size. */
    alloc_realloc_end(p, v, q, q ? n : 1, RA);
    return q;
}

FLAMEPRE_EXPORT void sdallocx(void *p, size_t n, int flags)
{
    if (!p || alloc_arena_owns(p))
        return;
    alloc_note_free(p);
    NEED(free);
    hooks_on_use();
    if (real.sdallocx)
        real.sdallocx(p, n, flags);
    else if (real.free)
        real.free(p);
}

FLAMEPRE_EXPORT void dallocx(void *p, int flags)
{
    if (!p || alloc_arena_owns(p))
        return;
    alloc_note_free(p);
    NEED(free);
    hooks_on_use();
    if (real.dallocx)
        real.dallocx(p, flags);
    else if (real.free)
        real.free(p);
}
