/*
 * close, close_range, closefrom, dup2, dup3: the program may close or
 * overwrite any descriptor, the profiler's included (see fds.h). Below the
 * lowest number the profiler owns, each is a plain call to the real
 * function after one compare.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/attach.h"
#include "preload/fds.h"
#include "preload/hooks.h"
#include "preload/lifecycle.h"
#include "preload/unwind.h"

static int do_close(int fd)
{
    hooks_ensure();
    return real.close ? real.close(fd) : (int)syscall(SYS_close, fd);
}

static int do_close_range(unsigned lo, unsigned hi, int flags)
{
    hooks_ensure();
    if (real.close_range)
        return real.close_range(lo, hi, flags);
    return (int)syscall(SYS_close_range, lo, hi, flags);
}

/* Descriptors [lo, hi] were closed or replaced. */
static void closed(unsigned lo, unsigned hi)
{
    int saved = errno;
    lifecycle_fds_closed((int)(lo > INT_MAX ? INT_MAX : lo), (int)(hi > INT_MAX ? INT_MAX : hi));
    errno = saved;
}

FLAMEPRE_EXPORT int close(int fd)
{
    if (__builtin_expect(fd < __atomic_load_n(&fds_min_ours, __ATOMIC_RELAXED), 1))
        return do_close(fd);
    /* The channel's end would end the profile: it is kept, and the
     * program is told it is closed (the number is never handed out). */
    if (fd == attach_fd())
        return 0;
    int r = do_close(fd);
    if (r == 0)
        closed((unsigned)fd, (unsigned)fd);
    return r;
}

FLAMEPRE_EXPORT int close_range(unsigned lo, unsigned hi, int flags)
{
    int c = attach_fd();
    if (hi < (unsigned)__atomic_load_n(&fds_min_ours, __ATOMIC_RELAXED) || lo > hi)
        return do_close_range(lo, hi, flags);
    int r = 0;
    if (c >= 0 && (unsigned)c >= lo && (unsigned)c <= hi && !(flags & CLOSE_RANGE_CLOEXEC)) {
        /* Around the channel. */
        if ((unsigned)c > lo)
            r = do_close_range(lo, (unsigned)c - 1, flags);
        if (r == 0 && (unsigned)c < hi)
            r = do_close_range((unsigned)c + 1, hi, flags & ~CLOSE_RANGE_UNSHARE);
    } else {
        r = do_close_range(lo, hi, flags);
    }
    if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
        closed(lo, hi);
    return r;
}

FLAMEPRE_EXPORT void closefrom(int lo)
{
    if (lo < 0)
        lo = 0;
    int saved = errno;
    if (close_range((unsigned)lo, ~0U, 0) != 0) {
        /* Old kernels: one by one, as glibc does. */
        for (long fd = lo; fd < 65536; fd++)
            close((int)fd);
    }
    errno = saved;
}

/* libunwind opens a pipe to validate memory (at its start, and again if
 * the program closed it): that pipe is the profiler's, and must not take
 * the low numbers the program's next open() would get. */
FLAMEPRE_EXPORT int pipe2(int fds[2], int flags)
{
    int r = (int)syscall(SYS_pipe2, fds, flags);
    if (r == 0 && unwind_pc_in_libunwind((uintptr_t)__builtin_return_address(0))) {
        int saved = errno;
        fds[0] = fds_move_high(fds[0]);
        fds[1] = fds_move_high(fds[1]);
        errno = saved;
    }
    return r;
}

/* dup2/dup3 onto the channel: move the channel away first. */
static void free_target(int newfd)
{
    if (newfd >= __atomic_load_n(&fds_min_ours, __ATOMIC_RELAXED) && newfd == attach_fd()) {
        int saved = errno;
        attach_move();
        errno = saved;
    }
}

FLAMEPRE_EXPORT int dup2(int oldfd, int newfd)
{
    hooks_ensure();
    free_target(newfd);
    int r = real.dup2 ? real.dup2(oldfd, newfd) : (int)syscall(SYS_dup2, oldfd, newfd);
    if (r >= 0 && oldfd != newfd && newfd >= __atomic_load_n(&fds_min_ours, __ATOMIC_RELAXED))
        closed((unsigned)newfd, (unsigned)newfd);
    return r;
}

FLAMEPRE_EXPORT int dup3(int oldfd, int newfd, int flags)
{
    hooks_ensure();
    free_target(newfd);
    int r =
        real.dup3 ? real.dup3(oldfd, newfd, flags) : (int)syscall(SYS_dup3, oldfd, newfd, flags);
    if (r >= 0 && newfd >= __atomic_load_n(&fds_min_ours, __ATOMIC_RELAXED))
        closed((unsigned)newfd, (unsigned)newfd);
    return r;
}
