/*
 * Lock interposers: thin shims over the real pthread/semaphore calls that
 * report contended acquisitions to wait.h.
 *
 * Fast path (lock profiling on): the real trylock. If it acquires (0, or
 * EOWNERDEAD for a robust mutex whose owner died: the lock is then ours,
 * exactly what the blocking call would have returned), that is the answer
 * and nothing is timed. If it reports EBUSY, the real blocking call runs
 * between two clock reads and its wait is reported when it acquired the
 * lock (or timed out: a timed wait is still a wait). Any other trylock
 * result (EAGAIN at the recursion limit, EINVAL, ENOTRECOVERABLE) hands the
 * call to the real blocking function untimed, so its own answer is
 * returned. An error-checking mutex the caller already owns: trylock says
 * EBUSY, the real lock says EDEADLK at once, which is returned and not
 * recorded. A recursive mutex the caller owns: trylock acquires it again,
 * as the lock call would.
 *
 * Semaphores: glibc's sem_wait and sem_timedwait act on a pending
 * cancellation request even when they would not block (POSIX "shall
 * occur"), so the shims call pthread_testcancel before sem_trywait, and an
 * invalid timeout goes straight to the real call (which rejects it before
 * trying the semaphore). Blocking always happens in the real call, so
 * cancellation and EINTR behave as without the profiler.
 *
 * Condition variables: the mutex re-acquisition happens inside glibc
 * (__pthread_mutex_cond_lock, no PLT), so it cannot be timed apart from the
 * wait for the condition. The whole pthread_cond_*wait is recorded as its
 * own metric, cond_ns / cond_count (waiting for a condition is not lock
 * contention and is never mixed into lock_ns). Only the default symbol
 * versions are interposed (GLIBC_2.3.2 for the condvar calls on x86-64).
 *
 * Single-threaded programs: a lock no other thread can hold is never
 * contended, so pthread_mutex_lock and pthread_rwlock_{rd,wr}lock go
 * straight to the real call while glibc says the process is single-threaded
 * (__libc_single_threaded, the flag glibc's own stdio and malloc fast paths
 * use) and the lock is not process-shared (another process may hold that
 * one). The trylock probe would double the cost of an uncontended lock for
 * nothing. A self-deadlock is not a wait to report: it never ends.
 *
 * C11 (mtx_lock, mtx_timedlock, cnd_wait, cnd_timedwait): glibc 2.28+
 * implements them with direct calls into its pthread code (no PLT: checked
 * with objdump on 2.36), so they get shims of their own, built the same
 * way (mtx_trylock probes; thrd_busy means contended). mtx_trylock and the
 * rest (cnd_signal, thrd_create, ...) do not wait.
 *
 * With lock profiling off every shim costs one predictable branch on
 * wait_lock_on. The profiler's own locks (tstate.guard) are never timed.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/single_threaded.h>
#include <threads.h>
#include <time.h>

#include "preload/hooks.h"
#include "preload/wait.h"

#define RA ((uintptr_t)__builtin_return_address(0))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define LOCK_ON() UNLIKELY(__atomic_load_n(&wait_lock_on, __ATOMIC_RELAXED))

#define NEED(fn)                        \
    do {                                \
        if (UNLIKELY(!real.fn))         \
            hooks_resolve_keep_errno(); \
    } while (0)

static inline void lock_note(enum wait_call call, uint64_t t0, const void *obj, uintptr_t ra)
{
    uint64_t d = wait_now() - t0;
    wait_note(WAIT_LABEL(call, FDK_NONE), -1, d, 0, wait_lock_addr ? obj : NULL, ra);
}

/* glibc's PTHREAD_MUTEX_PSHARED_BIT in the mutex kind (ABI: static
 * initializers and the robust-list code depend on it). */
#define MUTEX_PSHARED_BIT 128

static inline int mutex_private_alone(const pthread_mutex_t *m)
{
    return __libc_single_threaded && !(m->__data.__kind & MUTEX_PSHARED_BIT);
}

static inline int rwlock_private_alone(const pthread_rwlock_t *l)
{
    return __libc_single_threaded && !l->__data.__shared;
}

static inline int acquired(int rc)
{
    return rc == 0 || rc == EOWNERDEAD;
}

static __attribute__((noinline)) int mutex_lock_slow(pthread_mutex_t *m, uintptr_t ra)
{
    uint64_t t0 = wait_now();
    int rc = real.pthread_mutex_lock(m);
    if (acquired(rc))
        lock_note(WC_pthread_mutex_lock, t0, m, ra);
    return rc;
}

static __attribute__((noinline)) int mutex_lock_probe(pthread_mutex_t *m, uintptr_t ra)
{
    NEED(pthread_mutex_lock);
    if (LIKELY(!LOCK_ON()) || mutex_private_alone(m))
        return real.pthread_mutex_lock(m);
    int rc = real.pthread_mutex_trylock(m);
    if (LIKELY(acquired(rc)))
        return rc;
    if (rc != EBUSY || tstate.guard)
        return real.pthread_mutex_lock(m);
    return mutex_lock_slow(m, ra);
}

/* The hottest shim of all: nothing but two tests before the real call (no
 * frame to build), the rest out of line. */
FLAMEPRE_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
    int (*fn)(pthread_mutex_t *) = real.pthread_mutex_lock;
    if (LIKELY(fn != NULL) && (LIKELY(!LOCK_ON()) || mutex_private_alone(m)))
        return fn(m);
    return mutex_lock_probe(m, RA);
}

/* Timed variants: time the real timed call; a timeout counts as a wait. */
#define TIMED_BODY(fn, try, call, obj, ...) ALONE_BODY(fn, try, call, obj, 0, __VA_ARGS__)
/* ALONE: the lock cannot be contended (untimed calls in a single-threaded
 * program); the real call, untimed. */
#define ALONE_BODY(fn, try, call, obj, ALONE, ...) \
    NEED(fn);                                      \
    if (UNLIKELY(!real.fn || !real.try))           \
        return ENOSYS;                             \
    if (LIKELY(!LOCK_ON()) || (ALONE))             \
        return real.fn(__VA_ARGS__);               \
    int rc = real.try(obj);                        \
    if (LIKELY(acquired(rc)))                      \
        return rc;                                 \
    if (rc != EBUSY || tstate.guard)               \
        return real.fn(__VA_ARGS__);               \
    uint64_t t0 = wait_now();                      \
    rc = real.fn(__VA_ARGS__);                     \
    if (acquired(rc) || rc == ETIMEDOUT)           \
        lock_note(call, t0, obj, RA);              \
    return rc;

FLAMEPRE_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *at){
    TIMED_BODY(pthread_mutex_timedlock, pthread_mutex_trylock, WC_pthread_mutex_timedlock, m, m,
               at)}

FLAMEPRE_EXPORT
    int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clk, const struct timespec *at){
        TIMED_BODY(pthread_mutex_clocklock, pthread_mutex_trylock, WC_pthread_mutex_clocklock, m, m,
                   clk, at)}

FLAMEPRE_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l){
    ALONE_BODY(pthread_rwlock_rdlock, pthread_rwlock_tryrdlock, WC_pthread_rwlock_rdlock, l,
               rwlock_private_alone(l), l)}

FLAMEPRE_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l){
    ALONE_BODY(pthread_rwlock_wrlock, pthread_rwlock_trywrlock, WC_pthread_rwlock_wrlock, l,
               rwlock_private_alone(l), l)}

FLAMEPRE_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *at){
    TIMED_BODY(pthread_rwlock_timedrdlock, pthread_rwlock_tryrdlock, WC_pthread_rwlock_timedrdlock,
               l, l, at)}

FLAMEPRE_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *at){
    TIMED_BODY(pthread_rwlock_timedwrlock, pthread_rwlock_trywrlock, WC_pthread_rwlock_timedwrlock,
               l, l, at)}

FLAMEPRE_EXPORT
    int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t clk, const struct timespec *at){
        TIMED_BODY(pthread_rwlock_clockrdlock, pthread_rwlock_tryrdlock,
                   WC_pthread_rwlock_clockrdlock, l, l, clk, at)}

FLAMEPRE_EXPORT
    int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t clk, const struct timespec *at){
        TIMED_BODY(pthread_rwlock_clockwrlock, pthread_rwlock_trywrlock,
                   WC_pthread_rwlock_clockwrlock, l, l, clk, at)}

FLAMEPRE_EXPORT int pthread_spin_lock(pthread_spinlock_t *l)
{
    TIMED_BODY(pthread_spin_lock, pthread_spin_trylock, WC_pthread_spin_lock, (void *)l, l)
}

/* ---- semaphores (return -1 and set errno) ---- */

static inline int valid_ts(const struct timespec *at)
{
    return at && at->tv_nsec >= 0 && at->tv_nsec < 1000000000L;
}

#define SEM_BODY(fn, call, s, ...)                 \
    NEED(fn);                                      \
    if (UNLIKELY(!real.fn || !real.sem_trywait)) { \
        errno = ENOSYS;                            \
        return -1;                                 \
    }                                              \
    if (LIKELY(!LOCK_ON()) || tstate.guard)        \
        return real.fn(__VA_ARGS__);               \
    pthread_testcancel();                          \
    int saved = errno;                             \
    if (real.sem_trywait(s) == 0)                  \
        return 0;                                  \
    if (errno != EAGAIN) {                         \
        errno = saved;                             \
        return real.fn(__VA_ARGS__);               \
    }                                              \
    errno = saved;                                 \
    uint64_t t0 = wait_now();                      \
    int rc = real.fn(__VA_ARGS__);                 \
    int err = errno;                               \
    if (rc == 0 || err == ETIMEDOUT)               \
        lock_note(call, t0, s, RA);                \
    errno = err;                                   \
    return rc;

FLAMEPRE_EXPORT int sem_wait(sem_t *s){SEM_BODY(sem_wait, WC_sem_wait, s, s)}

FLAMEPRE_EXPORT int sem_timedwait(sem_t *s, const struct timespec *at)
{
    if (!valid_ts(at) && real.sem_timedwait)
        return real.sem_timedwait(s, at);
    SEM_BODY(sem_timedwait, WC_sem_timedwait, s, s, at)
}

FLAMEPRE_EXPORT int sem_clockwait(sem_t *s, clockid_t clk, const struct timespec *at)
{
    if (!valid_ts(at) && real.sem_clockwait)
        return real.sem_clockwait(s, clk, at);
    SEM_BODY(sem_clockwait, WC_sem_clockwait, s, s, clk, at)
}

/* ---- condition variables: the whole wait, as cond_ns ---- */

/* FAIL: returned when the real function is missing. */
#define COND_BODY(fn, call, c, ...) COND_BODY_FAIL(ENOSYS, fn, call, c, __VA_ARGS__)
#define COND_BODY_FAIL(FAIL, fn, call, c, ...) \
    NEED(fn);                                  \
    if (UNLIKELY(!real.fn))                    \
        return FAIL;                           \
    if (LIKELY(!LOCK_ON()) || tstate.guard)    \
        return real.fn(__VA_ARGS__);           \
    uint64_t t0 = wait_now();                  \
    int rc = real.fn(__VA_ARGS__);             \
    lock_note(call, t0, c, RA);                \
    return rc;

FLAMEPRE_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m){
    COND_BODY(pthread_cond_wait, WC_pthread_cond_wait, c, c, m)}

FLAMEPRE_EXPORT
    int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *at){
        COND_BODY(pthread_cond_timedwait, WC_pthread_cond_timedwait, c, c, m, at)}

FLAMEPRE_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
                                           const struct timespec *at){
    COND_BODY(pthread_cond_clockwait, WC_pthread_cond_clockwait, c, c, m, clk, at)}

/* ---- C11 threads: glibc's mtx_* and cnd_* call its pthread code
 * directly (no PLT), so the shims above never see them ---- */

#define C11_LOCK_BODY(fn, call, m, ...)            \
    NEED(fn);                                      \
    if (UNLIKELY(!real.fn || !real.mtx_trylock))   \
        return thrd_error;                         \
    if (LIKELY(!LOCK_ON()) || tstate.guard)        \
        return real.fn(__VA_ARGS__);               \
    int rc = real.mtx_trylock(m);                  \
    if (LIKELY(rc == thrd_success))                \
        return rc;                                 \
    if (rc != thrd_busy)                           \
        return real.fn(__VA_ARGS__);               \
    uint64_t t0 = wait_now();                      \
    rc = real.fn(__VA_ARGS__);                     \
    if (rc == thrd_success || rc == thrd_timedout) \
        lock_note(call, t0, m, RA);                \
    return rc;

FLAMEPRE_EXPORT int mtx_lock(mtx_t *m){C11_LOCK_BODY(mtx_lock, WC_mtx_lock, m, m)}

FLAMEPRE_EXPORT int mtx_timedlock(mtx_t *__restrict m, const struct timespec *__restrict at){
    C11_LOCK_BODY(mtx_timedlock, WC_mtx_timedlock, m, m, at)}

FLAMEPRE_EXPORT
    int cnd_wait(cnd_t *c, mtx_t *m){COND_BODY_FAIL(thrd_error, cnd_wait, WC_cnd_wait, c, c, m)}

FLAMEPRE_EXPORT int cnd_timedwait(cnd_t *__restrict c, mtx_t *__restrict m,
                                  const struct timespec *__restrict at)
{
    COND_BODY_FAIL(thrd_error, cnd_timedwait, WC_cnd_timedwait, c, c, m, at)
}
