/*
 * An async-signal-safe allocator (a lock-free bump pointer; free does
 * nothing), preloaded after libflamepre so that it is the allocator behind
 * the profiler's shims: lets a test free from a signal handler legally.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#define SPAN ((size_t)8 << 30)
static _Atomic(char *) base;
static _Atomic size_t used;

static void *get(size_t n, size_t align)
{
    if (!atomic_load(&base)) {
        char *m = mmap(NULL, SPAN, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        char *none = NULL;
        if (m == MAP_FAILED || !atomic_compare_exchange_strong(&base, &none, m)) {
            if (m != MAP_FAILED)
                munmap(m, SPAN);
        }
    }
    if (align < 16)
        align = 16;
    size_t need = (n + align + 16 + 15) & ~(size_t)15;
    size_t off = atomic_fetch_add(&used, need);
    if (off + need > SPAN) {
        errno = ENOMEM;
        return NULL;
    }
    char *p = atomic_load(&base) + off + 16;
    p = (char *)(((size_t)p + align - 1) & ~(align - 1));
    memcpy(p - 8, &n, 8);
    return p;
}

void *malloc(size_t n)
{
    return get(n, 16);
}
void free(void *p)
{
    (void)p;
}
size_t malloc_usable_size(void *p)
{
    size_t n = 0;
    if (p)
        memcpy(&n, (char *)p - 8, 8);
    return n;
}
void *calloc(size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    return get(n, 16); /* fresh mmap pages: zero */
}
void *realloc(void *p, size_t n)
{
    void *q = get(n, 16);
    if (p && q) {
        size_t o = malloc_usable_size(p);
        memcpy(q, p, o < n ? o : n);
    }
    return q;
}
void *reallocarray(void *p, size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, n);
}
int posix_memalign(void **out, size_t align, size_t n)
{
    void *p = get(n, align);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}
void *aligned_alloc(size_t align, size_t n)
{
    return get(n, align);
}
void *memalign(size_t align, size_t n)
{
    return get(n, align);
}
void *valloc(size_t n)
{
    return get(n, 4096);
}
void *pvalloc(size_t n)
{
    return get((n + 4095) & ~(size_t)4095, 4096);
}
