#ifndef FLAMEPRE_HOOKS_H
#define FLAMEPRE_HOOKS_H
/*
 * The hook table: every libc function the library interposes, resolved once
 * with dlsym(RTLD_NEXT). An interposer calls the real function through
 * `real.NAME`, after hooks_ensure(), and never through NULL: a required
 * hook that cannot be resolved is reported once, and the interposer falls
 * back to the raw system call or a failure return.
 */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>

#define FLAMEPRE_EXPORT __attribute__((visibility("default")))

struct hooks {
    int (*pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    void (*_exit)(int) __attribute__((noreturn));
    void (*_Exit)(int) __attribute__((noreturn));
    void *(*dlopen)(const char *, int);
    void *(*dlmopen)(Lmid_t, const char *, int);
    int (*dlclose)(void *);
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execvpe)(const char *, char *const[], char *const[]);
    int (*fexecve)(int, char *const[], char *const[]);
    int (*sigaction)(int, const struct sigaction *, struct sigaction *);
    /* allocation (interpose_alloc.c); the jemalloc extensions are optional */
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*reallocarray)(void *, size_t, size_t);
    void (*free)(void *);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    void *(*mallocx)(size_t, int);
    void *(*rallocx)(void *, size_t, int);
    void (*sdallocx)(void *, size_t, int);
    void (*dallocx)(void *, int);
    /* last: hooks_ensure() tests it to know the table is resolved */
    int (*dl_iterate_phdr)(int (*)(struct dl_phdr_info *, size_t, void *), void *);
};

extern struct hooks real;

/* Resolve every hook (idempotent, thread-safe enough: each store is a
 * pointer and every resolution gives the same value). dlsym may allocate:
 * the allocation interposers serve those calls from the bootstrap arena
 * while real.malloc is still NULL. */
void hooks_resolve(void);

static inline void hooks_ensure(void)
{
    if (__builtin_expect(real.dl_iterate_phdr == 0, 0))
        hooks_resolve();
}

#endif
