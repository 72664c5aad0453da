/*
 * The floor of any malloc interposer, for `make bench`: a preload library
 * whose malloc and free only forward to the next definition (what
 * flamepre's shims do when nothing is sampled, minus the countdown and the
 * filter). Its row against the uninstrumented run is what the dynamic
 * linker's interposition itself costs (one more call and indirect jump per
 * malloc and per free); flamepre's sampled row minus this one is
 * flamepre's own cost.
 *
 * Built by bench/alloc.sh; never part of the product.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

static void *(*next_malloc)(size_t);
static void (*next_free)(void *);
/* dlsym may allocate before next_malloc is known: a bump arena, never freed. */
static _Alignas(16) char boot[4096];
static size_t boot_used;

static void resolve(void)
{
    next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
}

__attribute__((constructor)) static void init(void)
{
    if (!next_malloc)
        resolve();
}

void *malloc(size_t n)
{
    if (__builtin_expect(!next_malloc, 0)) {
        size_t at = (boot_used + 15) & ~(size_t)15;
        if (at + n > sizeof boot)
            return NULL;
        boot_used = at + n;
        return boot + at;
    }
    return next_malloc(n);
}

void free(void *p)
{
    if (__builtin_expect((uintptr_t)p - (uintptr_t)boot < sizeof boot || !next_free, 0))
        return;
    next_free(p);
}
