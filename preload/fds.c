/*
 * The profiler's descriptors at high numbers (see fds.h).
 */
#include "preload/fds.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int fds_min_ours = INT_MAX;

void fds_note(int fd)
{
    if (fd >= 0 && fd < __atomic_load_n(&fds_min_ours, __ATOMIC_RELAXED))
        __atomic_store_n(&fds_min_ours, fd, __ATOMIC_RELAXED);
}

int fds_close(int fd)
{
    return (int)syscall(SYS_close, fd);
}

int fds_move_high(int fd)
{
    /* The top of the soft limit (programs probe small numbers, and
     * fixed ones like 1000), but never above 4096: a descriptor table
     * grows to the highest number in use. */
    struct rlimit rl;
    long top = 4096;
    if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0 &&
        rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < top)
        top = (long)rl.rlim_cur;
    long floor = top >= 128 ? top - 64 : top / 2;
    if (fd >= floor) {
        fds_note(fd);
        return fd;
    }
    int hi = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, floor);
    if (hi < 0) {
        fds_note(fd);
        return fd;
    }
    fds_close(fd);
    fds_note(hi);
    return hi;
}
