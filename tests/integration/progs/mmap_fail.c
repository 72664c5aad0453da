/*
 * Fault injection, preloaded before libflamepre: every mmap of exactly
 * MMAP_FAIL_SIZE bytes fails with ENOMEM, as under RLIMIT_AS or an exhausted
 * vm.max_map_count. Used to check that the profiler's optional mappings
 * (the stack cache) failing costs speed, never the host.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    static void *(*next)(void *, size_t, int, int, int, off_t);
    static size_t bad = (size_t)-1;
    if (!next) {
        next = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
        const char *e = getenv("MMAP_FAIL_SIZE");
        if (e)
            bad = strtoul(e, NULL, 0);
    }
    if (len == bad) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    return next(addr, len, prot, flags, fd, off);
}
