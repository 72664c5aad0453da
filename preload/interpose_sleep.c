/*
 * Sleeps, yields and waits for a signal, timed for the wall event as the
 * `[sleep]` state (wallshim.h has the shim's contract).
 *
 * glibc's usleep, sleep and thrd_sleep reach the kernel through internal
 * calls (__nanosleep, __clock_nanosleep: no PLT), so a sleep is recorded
 * once, under the name the program called. sigwait, sigwaitinfo and
 * sigtimedwait are timed in interpose_signal.c, which already interposes
 * them.
 *
 * sched_yield: the time a yield takes is the time the thread waited for
 * the CPU; it is recorded as a sleep, and the collector takes it out of
 * `[runnable]` (which schedstat also counts it in).
 */
#include <sched.h>
#include <signal.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "preload/wallshim.h"

WALL_SHIM(int, nanosleep, -1, (const struct timespec *req, struct timespec *rem), (req, rem))
WALL_SHIM(int, clock_nanosleep, ENOSYS,
          (clockid_t clk, int flags, const struct timespec *req, struct timespec *rem),
          (clk, flags, req, rem))
WALL_SHIM(int, usleep, -1, (useconds_t us), (us))
WALL_SHIM(unsigned, sleep, 0, (unsigned s), (s))
WALL_SHIM(int, thrd_sleep, -2, (const struct timespec *req, struct timespec *rem), (req, rem))
WALL_SHIM(int, sched_yield, -1, (void), ())
WALL_SHIM(int, pause, -1, (void), ())
WALL_SHIM(int, sigsuspend, -1, (const sigset_t *mask), (mask))

/* (void: the shim's form by hand) */
FLAMEPRE_EXPORT void thrd_yield(void)
{
    if (__builtin_expect(!real.thrd_yield, 0)) {
        hooks_resolve_keep_errno();
        if (!real.thrd_yield)
            return;
    }
    if (!WALL_ON()) {
        real.thrd_yield();
        return;
    }
    uint64_t t0 = wait_now();
    real.thrd_yield();
    wait_note(WAIT_LABEL(WC_thrd_yield, FDK_NONE), -1, wait_now() - t0, 0, NULL,
              (uintptr_t)__builtin_return_address(0));
}
