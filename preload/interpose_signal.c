/*
 * Dispositions of the sampling signal. The program keeps full control of
 * its view of that signal (see sampler_sigaction): what it installs is
 * recorded and called for every signal that is not a sample, while our
 * handler stays installed. All other signals pass straight through.
 *
 * glibc's signal() and friends call sigaction internally, not through the
 * PLT, so they are interposed too and expressed as sigaction calls with the
 * flags glibc gives them.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>

#include "preload/hooks.h"
#include "preload/sampler.h"
#include "preload/wait.h"

FLAMEPRE_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    hooks_ensure();
    if (sampler_sigaction(sig, act, old))
        return 0;
    if (!real.sigaction) {
        errno = ENOSYS;
        return -1;
    }
    return real.sigaction(sig, act, old);
}

static sighandler_t set_handler(int sig, sighandler_t h, int flags)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (flags == SA_RESTART)
        sigaddset(&sa.sa_mask, sig); /* BSD semantics block the signal */
    if (sigaction(sig, &sa, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

FLAMEPRE_EXPORT sighandler_t signal(int sig, sighandler_t h)
{
    return set_handler(sig, h, SA_RESTART);
}

FLAMEPRE_EXPORT sighandler_t sysv_signal(int sig, sighandler_t h)
{
    return set_handler(sig, h, SA_RESETHAND | SA_NODEFER);
}

/*
 * The sampling signal's other users: a program that blocks it or waits
 * for it gets it, and the sampler moves to another signal (sampler.h).
 * A sample sent before the move may still be queued for the thread: the
 * sigwait* calls take such samples back and wait on.
 */
/* A move of the sampling signal makes system calls: the program's errno
 * must not see them. */
static void program_mask(int how, const sigset_t *set)
{
    int saved = errno;
    sampler_mask(how, set);
    errno = saved;
}

static void program_waits(const sigset_t *set)
{
    int saved = errno;
    sampler_wait(set);
    errno = saved;
}

FLAMEPRE_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    hooks_ensure();
    program_mask(how, set);
    if (!real.pthread_sigmask)
        return ENOSYS;
    return real.pthread_sigmask(how, set, old);
}

FLAMEPRE_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    hooks_ensure();
    program_mask(how, set);
    if (!real.sigprocmask) {
        errno = ENOSYS;
        return -1;
    }
    return real.sigprocmask(how, set, old);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* sigtimedwait that never returns one of our samples; a NULL timeout
 * waits for good. */
static int wait_filtered_untimed(const sigset_t *set, siginfo_t *info, const struct timespec *tmo)
{
    hooks_ensure();
    program_waits(set);
    if (!real.sigtimedwait) {
        errno = ENOSYS;
        return -1;
    }
    int64_t deadline = tmo ? mono_ns() + (int64_t)tmo->tv_sec * 1000000000 + tmo->tv_nsec : 0;
    struct timespec left;
    const struct timespec *t = tmo;
    for (;;) {
        siginfo_t si;
        int saved = errno;
        int r = real.sigtimedwait(set, &si, t);
        if (r > 0 && sampler_withhold(r, &si)) {
            errno = saved;
            if (tmo) {
                int64_t ns = deadline - mono_ns();
                if (ns < 0)
                    ns = 0;
                left.tv_sec = (time_t)(ns / 1000000000);
                left.tv_nsec = (long)(ns % 1000000000);
                t = &left;
            }
            continue;
        }
        if (r > 0 && info)
            *info = si;
        return r;
    }
}

/* The same, timed for the wall event as a `[sleep]` wait named `call`
 * (the whole wait, withheld samples included: the thread slept). */
static int wait_filtered(const sigset_t *set, siginfo_t *info, const struct timespec *tmo,
                         enum wait_call call, uintptr_t ra)
{
    if (!__atomic_load_n(&wait_wall_on, __ATOMIC_RELAXED) || tstate.guard)
        return wait_filtered_untimed(set, info, tmo);
    uint64_t t0 = wait_now();
    int r = wait_filtered_untimed(set, info, tmo);
    wait_note(WAIT_LABEL(call, FDK_NONE), -1, wait_now() - t0, 0, NULL, ra);
    return r;
}

#define RA ((uintptr_t)__builtin_return_address(0))

FLAMEPRE_EXPORT int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *tmo)
{
    return wait_filtered(set, info, tmo, WC_sigtimedwait, RA);
}

FLAMEPRE_EXPORT int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
    return wait_filtered(set, info, NULL, WC_sigwaitinfo, RA);
}

FLAMEPRE_EXPORT int sigwait(const sigset_t *set, int *sig)
{
    int r;
    /* glibc's sigwait: interruptions are retried, the result is an error
     * number, not -1 */
    do
        r = wait_filtered(set, NULL, NULL, WC_sigwait, RA);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return errno;
    *sig = r;
    return 0;
}

FLAMEPRE_EXPORT int signalfd(int fd, const sigset_t *mask, int flags)
{
    hooks_ensure();
    program_waits(mask);
    if (!real.signalfd) {
        errno = ENOSYS;
        return -1;
    }
    return real.signalfd(fd, mask, flags);
}
