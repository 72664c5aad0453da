#ifndef FLAMEPRE_WAIT_H
#define FLAMEPRE_WAIT_H
/*
 * Lock-wait and I/O-wait profiling: the recording core behind the lock and
 * I/O interposers (interpose_lock.c, interpose_io.c), driven directly by
 * unit tests.
 *
 * Model: every thread walks along its own waiting time (nanoseconds spent
 * inside contended lock acquisitions and blocking calls) with a countdown
 * (tstate.wait_left) drawn from an exponential distribution of mean T =
 * FLAMEPRE_WAIT_SAMPLE, exactly as the allocation sampler walks along bytes
 * (alloc.h): a wait of d ns that takes the countdown below zero is sampled
 * with probability p = 1 - exp(-d/T) and stands for d/p ns, 1/p calls and
 * bytes/p bytes (Horvitz-Thompson: unbiased totals per stack). T = 0 records
 * every wait.
 *
 * A sampled wait becomes a REC_WAIT record in the thread's ring (record.h):
 * the stack (the program's frames only), a label (which call, and for I/O
 * what kind of descriptor), and the weights. The collector turns the label
 * into the leaf frame: `pthread_mutex_lock`, `read [pipe]`, `recv [tcp]`,
 * `epoll_wait [poll]`, and the call's class into the metric file: lock_ns /
 * lock_count, cond_ns / cond_count, io_ns / io_bytes.
 *
 * Cost: with the event off an interposer tests `wait_lock_on` or
 * `wait_io_on` (one predictable branch). Locks: an uncontended acquisition
 * is the real trylock and nothing else; only a contended one is timed. I/O:
 * every call is timed with two vDSO clock reads and one subtraction and
 * branch on the TLS countdown; the descriptor is classified (fstat,
 * getsockopt) only for sampled calls.
 *
 * Reentrancy: the profiler's own locks and I/O (collector, symbolizer,
 * unwinder, output files, /proc) run with tstate.guard > 0 and are never
 * recorded, nor do they use up the countdown.
 *
 * Normal context only (recording unwinds the stack and may wait for ring
 * room); a wait recorded from a program's signal handler that interrupted
 * the profiler is dropped and counted (tstate.ring_busy).
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "preload/config.h"
#include "preload/threads.h"

/* The calls, in label order. Their class decides the metric file. */
#define WAIT_CALLS(X)                                                                              \
    X(pthread_mutex_lock, LOCK)                                                                    \
    X(pthread_mutex_timedlock, LOCK)                                                               \
    X(pthread_mutex_clocklock, LOCK)                                                               \
    X(pthread_rwlock_rdlock, LOCK) X(pthread_rwlock_wrlock, LOCK)                                  \
        X(pthread_rwlock_timedrdlock, LOCK) X(pthread_rwlock_timedwrlock, LOCK)                    \
            X(pthread_rwlock_clockrdlock, LOCK) X(pthread_rwlock_clockwrlock, LOCK) X(             \
                pthread_spin_lock, LOCK) X(sem_wait, LOCK) X(sem_timedwait, LOCK)                  \
                X(sem_clockwait, LOCK) X(pthread_cond_wait, COND) X(pthread_cond_timedwait, COND)  \
                    X(pthread_cond_clockwait, COND) X(read, IO) X(write, IO) X(pread, IO) X(       \
                        pwrite, IO) X(readv, IO) X(writev, IO) X(preadv, IO) X(pwritev, IO)        \
                        X(preadv2, IO) X(pwritev2, IO) X(recv, IO) X(recvfrom, IO) X(recvmsg, IO)  \
                            X(recvmmsg, IO) X(send, IO) X(sendto, IO) X(sendmsg, IO)               \
                                X(sendmmsg, IO) X(accept, IO) X(accept4, IO) X(connect, IO)        \
                                    X(poll, IO) X(ppoll, IO) X(select, IO) X(pselect, IO)          \
                                        X(epoll_wait, IO) X(epoll_pwait, IO) X(epoll_pwait2, IO)   \
                                            X(fsync, IO) X(fdatasync, IO) X(sync_file_range,       \
                                                                            IO) X(open, IO)        \
                                                X(openat, IO) X(sendfile, IO) X(splice, IO)        \
                                                    X(copy_file_range, IO) X(fread, IO)            \
                                                        X(fwrite, IO) X(fgets, IO) X(fputs, IO) X( \
                                                            getline, IO) X(getdelim, IO)           \
                                                            X(fflush, IO) X(fgetc, IO) X(getc, IO) \
                                                                X(fputc, IO) X(putc, IO)           \
                                                                    X(getchar, IO) X(putchar, IO)  \
                                                                        X(puts, IO)                \
                                                                            WAIT_CALLS_WALL(X)

/* Calls recorded only for the wall event (their classes have no metric of
 * their own), and the C11 lock calls, which glibc implements with direct
 * calls into its pthread code that our pthread shims never see. */
#define WAIT_CALLS_WALL(X)         \
    X(nanosleep, SLEEP)            \
    X(clock_nanosleep, SLEEP)      \
    X(usleep, SLEEP)               \
    X(sleep, SLEEP)                \
    X(thrd_sleep, SLEEP)           \
    X(sched_yield, SLEEP)          \
    X(thrd_yield, SLEEP)           \
    X(pause, SLEEP)                \
    X(sigsuspend, SLEEP)           \
    X(sigwait, SLEEP)              \
    X(sigwaitinfo, SLEEP)          \
    X(sigtimedwait, SLEEP)         \
    X(wait, CHILD)                 \
    X(waitpid, CHILD)              \
    X(wait4, CHILD)                \
    X(waitid, CHILD)               \
    X(pthread_join, CHILD)         \
    X(pthread_timedjoin_np, CHILD) \
    X(pthread_clockjoin_np, CHILD) \
    X(thrd_join, CHILD)            \
    X(futex, LOCK)                 \
    X(mtx_lock, LOCK)              \
    X(mtx_timedlock, LOCK)         \
    X(cnd_wait, COND)              \
    X(cnd_timedwait, COND)

enum wait_call {
#define X(name, cls) WC_##name,
    WAIT_CALLS(X)
#undef X
        WC_COUNT
};

/* SLEEP and CHILD waits are recorded only when the wall event is on
 * (wait_wall_on); the other classes also when wall is on without lock/io. */
enum wait_class { WAIT_LOCK = 0, WAIT_COND = 1, WAIT_IO = 2, WAIT_SLEEP = 3, WAIT_CHILD = 4 };

/* What an I/O call waited on (the leaf's bracket). FDK_NONE: no bracket
 * (locks). FDK_POLL: readiness waits (poll, select, epoll), whatever the
 * descriptors. */
#define WAIT_FD_KINDS(X)                                                                          \
    X(NONE, "")                                                                                   \
    X(FILE, "file")                                                                               \
    X(PIPE, "pipe")                                                                               \
    X(TCP, "tcp") X(UDP, "udp") X(UNIX, "unix") X(NETLINK, "netlink") X(SOCK, "socket")           \
        X(TTY, "tty") X(CHR, "chr") X(BLK, "block") X(DIR, "dir") X(EVENTFD, "eventfd")           \
            X(TIMERFD, "timerfd") X(SIGNALFD, "signalfd") X(EPOLL, "epoll") X(INOTIFY, "inotify") \
                X(ANON, "anon") X(POLL, "poll") X(OTHER, "other")

enum wait_fd_kind {
#define X(k, s) FDK_##k,
    WAIT_FD_KINDS(X)
#undef X
        FDK_COUNT
};

/* A record label: call | fd kind << 8 (fits the 32-bit header weight). */
#define WAIT_LABEL(call, fdk) ((uint32_t)(call) | (uint32_t)(fdk) << 8)
#define WAIT_LABEL_CALL(l) ((unsigned)((l)&0xff))
#define WAIT_LABEL_FDK(l) ((unsigned)(((l) >> 8) & 0xff))

/* Non-zero while lock / I/O waits are recorded. Read by the interposers. */
extern int wait_lock_on;
extern int wait_io_on;
/* Non-zero while the wall event records sleeps and child waits. */
extern int wait_wall_on;
/* FLAMEPRE_LOCK_ADDR: lock records carry the lock's address. */
extern int wait_lock_addr;

/* Callbacks into the lifecycle (as alloc_host): adopt a slot-less thread,
 * kick the collector. */
struct wait_host {
    struct tslot *(*adopt)(void);
    void (*kick)(void);
    /* The collector process is known to be gone: nothing will drain the
     * rings, so a full one is not waited on. NULL: never. */
    bool (*gone)(void);
};

/* Prepare (sampling mean, depth, options). 0 or -1 (logged). */
int wait_init(const struct config *cfg, const struct wait_host *host);
/* Start recording the classes in `events` (EV_LOCK, EV_IO bits; EV_WALL
 * turns every class on: wall accounts for all waits). */
void wait_start(unsigned events);
/* Stop recording: the interposers become pass-throughs. */
void wait_stop(void);

/* Names for the collector: "pthread_mutex_lock", "file"; class of a call. */
const char *wait_call_name(unsigned call);
const char *wait_fd_kind_name(unsigned fdk);
enum wait_class wait_call_class(unsigned call);

/* Leaf frame of a label: the call name, then " [kind]" unless FDK_NONE.
 * Writes at most len bytes (NUL included). */
void wait_label_string(uint32_t label, char *buf, unsigned len);

/* Classify descriptor fd (fstat, getsockopt, readlink of /proc/self/fd for
 * anonymous inodes). Normal context; errno preserved. FDK_OTHER if closed. */
enum wait_fd_kind wait_classify_fd(int fd);

/* Unbiased weights of a sampled wait of d ns under mean T (0 = exact):
 * *ns (>= d), *count_fx (ALLOC_COUNT_ONE = 1 call), and *bytes_w for
 * `bytes` moved by the call. */
void wait_weight(uint64_t d, uint64_t t, uint64_t bytes, uint64_t *ns, uint64_t *count_fx,
                 uint64_t *bytes_w);

/* Monotonic clock in ns (vDSO). */
static inline uint64_t wait_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Slow path: the countdown crossed zero (not inline). fd < 0: no
 * classification (the label's kind is used as is). obj: lock address or 0. */
void wait_sample_slow(uint32_t label, int fd, uint64_t d, uint64_t bytes, const void *obj,
                      uintptr_t caller);

/* A wait of d ns ended (the real call returned). Normal context. */
static inline void wait_note(uint32_t label, int fd, uint64_t d, uint64_t bytes, const void *obj,
                             uintptr_t caller)
{
    if (__builtin_expect((tstate.wait_left -= (int64_t)d) < 0, 0))
        wait_sample_slow(label, fd, d, bytes, obj, caller);
}

struct wait_stats {
    uint64_t no_thread; /* sampled waits of threads without a slot */
    uint64_t reentrant; /* sampled waits dropped: ring busy (signal handler) */
};
/* (filled by the collector from the shared header's counters) */

#endif
