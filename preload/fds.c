/*
 * The profiler's descriptors at high numbers (see fds.h).
 */
#include "preload/fds.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int fds_min_ours = INT_MAX;
static _Atomic bool range_full;

void fds_note(int fd)
{
    if (fd >= 0 && fd < __atomic_load_n(&fds_min_ours, __ATOMIC_RELAXED))
        __atomic_store_n(&fds_min_ours, fd, __ATOMIC_RELAXED);
}

int fds_close(int fd)
{
    fds_gone();
    return (int)syscall(SYS_close, fd);
}

void fds_gone(void)
{
    __atomic_store_n(&range_full, false, __ATOMIC_RELAXED);
}

bool fds_full(void)
{
    return __atomic_load_n(&range_full, __ATOMIC_RELAXED);
}

/* The first number of the reserved range: the top of the soft limit
 * (programs probe small numbers, and fixed ones like 1000), but never
 * above 4096: a descriptor table grows to the highest number in use. */
static long floor_of_limit(void)
{
    struct rlimit rl;
    long top = 4096;
    if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (long)rl.rlim_cur < top)
        top = (long)rl.rlim_cur;
    long size = top / 8;
    size = size < 2 ? 2 : size > 512 ? 512 : size;
    return top > size ? top - size : 0;
}

/* The floor, read once and kept (a system call less for every perf event
 * a thread or a process opens). The program may lower its limit at any
 * point: a floor above the new limit makes F_DUPFD fail with EINVAL, and
 * move() reads the limit again then. A raised limit leaves the old floor,
 * which is still inside it. */
static long cached_floor = -1;

static long range_floor(bool fresh)
{
    long f = __atomic_load_n(&cached_floor, __ATOMIC_RELAXED);
    if (f < 0 || fresh) {
        f = floor_of_limit();
        __atomic_store_n(&cached_floor, f, __ATOMIC_RELAXED);
    }
    return f;
}

/* fd moved into the range, or -1 when the range is full. */
static int move(int fd)
{
    long floor = range_floor(false);
    if (fd >= floor)
        return fd;
    int hi = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, floor);
    if (hi < 0 && errno == EINVAL) {
        floor = range_floor(true);
        if (fd >= floor)
            return fd;
        hi = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, floor);
    }
    if (hi < 0)
        return -1;
    fds_close(fd);
    return hi;
}

int fds_move_high(int fd)
{
    int hi = move(fd);
    if (hi < 0)
        hi = fd;
    fds_note(hi);
    return hi;
}

int fds_take_high(int fd)
{
    int hi = move(fd);
    if (hi < 0) {
        fds_close(fd);
        __atomic_store_n(&range_full, true, __ATOMIC_RELAXED);
        errno = EMFILE;
        return -1;
    }
    fds_note(hi);
    return hi;
}
