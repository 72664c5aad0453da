/*
 * prctl and syscall: the two ways a program installs a seccomp filter
 * (libseccomp uses syscall(SYS_seccomp), older code prctl(PR_SET_SECCOMP)).
 * A filter may kill the process on the next perf_event_open, so once one
 * is installed the sampler opens no more perf clocks (sampler.h).
 *
 * syscall(SYS_futex, ...) is how programs with locks of their own (Rust's
 * std, hand-written futex locks) wait on them: its waiting operations are timed for the wall event as a lock wait
 * named `futex`, like the pthread shims (wait.h), outside the profiler.
 *
 * Both are plain system calls made here with the instruction itself, not
 * through glibc: syscall() is called from inside the profiler too (its
 * signal handler included), and must stay async-signal-safe and usable
 * before the hook table is resolved.
 */
#include <errno.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "preload/hooks.h"
#include "preload/sandbox.h"
#include "preload/wait.h"

#if defined(__x86_64__) || defined(__aarch64__)

static long raw6(long n, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
#else
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
#endif
}

/* The libc convention: -1 and errno for a result in [-4095, -1]. */
static long result(long r)
{
    if ((unsigned long)r > -4096UL) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

/* A futex operation that blocks (FUTEX_CMD_MASK of op). */
static int futex_waits(long op)
{
    switch (op & FUTEX_CMD_MASK) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
    case FUTEX_WAIT_REQUEUE_PI: return 1;
    default: return 0;
    }
}

FLAMEPRE_EXPORT long syscall(long n, ...)
{
    va_list ap;
    va_start(ap, n);
    long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
    long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
    va_end(ap);
    if (__builtin_expect(n == SYS_futex, 0) && __atomic_load_n(&wait_wall_on, __ATOMIC_RELAXED) &&
        !tstate.guard && futex_waits(b)) {
        uint64_t t0 = wait_now();
        long r = raw6(n, a, b, c, d, e, f);
        /* (wait_note keeps errno; result() sets it from r) */
        wait_note(WAIT_LABEL(WC_futex, FDK_NONE), -1, wait_now() - t0, 0, NULL,
                  (uintptr_t)__builtin_return_address(0));
        return result(r);
    }
    long r = raw6(n, a, b, c, d, e, f);
    if (__builtin_expect(n == SYS_seccomp, 0) && r == 0 && a == SECCOMP_SET_MODE_FILTER)
        sandbox_installed((const void *)c);
    return result(r);
}

FLAMEPRE_EXPORT int prctl(int option, ...)
{
    va_list ap;
    va_start(ap, option);
    long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
    long d = va_arg(ap, long);
    va_end(ap);
    long r = raw6(SYS_prctl, option, a, b, c, d, 0);
    if (option == PR_SET_SECCOMP && r == 0 && a == SECCOMP_MODE_FILTER)
        sandbox_installed((const void *)b);
    return (int)result(r);
}

#endif
