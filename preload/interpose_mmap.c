/*
 * mmap, mmap64: a program that maps a file executable itself (V8 maps a
 * second copy of its embedded builtins from /usr/bin/node, then runs them
 * from there) changes its module map without the dynamic loader, so
 * nothing else tells the collector. Such a call bumps the map generation
 * (lifecycle_code_mapped); every other mapping is the real call after one
 * test. The loader's own mappings use glibc's internal entry and never
 * come here (dlopen is interpose_dl.c's).
 *
 * Never resolves hooks itself (an allocator preloaded after flamepre maps
 * its memory from inside that resolution): before the table is filled, the
 * system call is made directly.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/hooks.h"
#include "preload/lifecycle.h"

static void *mapped(void *r, int prot, int flags, int fd)
{
    if (__builtin_expect((prot & PROT_EXEC) && fd >= 0 && !(flags & MAP_ANONYMOUS), 0) &&
        r != MAP_FAILED) {
        int saved = errno;
        lifecycle_code_mapped();
        errno = saved;
    }
    return r;
}

static void *raw_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

FLAMEPRE_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *r = real.mmap ? real.mmap(addr, len, prot, flags, fd, off)
                        : raw_mmap(addr, len, prot, flags, fd, off);
    return mapped(r, prot, flags, fd);
}

FLAMEPRE_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    void *r = real.mmap64 ? real.mmap64(addr, len, prot, flags, fd, off)
                          : raw_mmap(addr, len, prot, flags, fd, (off_t)off);
    return mapped(r, prot, flags, fd);
}
