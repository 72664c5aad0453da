/*
 * Per-thread CPU sampling (see sampler.h) and the signal handler.
 *
 * Handler discipline: no malloc, no stdio, no locks; errno saved and
 * restored; only the thread's own slot is written (single producer).
 */
#include "preload/sampler.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "preload/fds.h"
#include "preload/hooks.h"
#include "preload/log.h"
#include "preload/record.h"
#include "preload/sandbox.h"
#include "preload/unwind.h"
#include "preload/wait.h" /* wait_now */

static enum sampler_kind kind;
static _Atomic int signo;
static uint64_t period_ns;
static unsigned depth;
static bool timeline; /* FLAMEPRE_TIMELINE: each sample carries its time */
static _Atomic int active;

/*
 * The program's view of our signals. The program may ask for or install a
 * disposition of the sampling signal at any time (GNU sort installs a
 * cleanup handler on every catchable signal that is not ignored). The
 * sigaction interposer stores what the program sets in the signal's entry
 * instead of replacing our handler, reports it back on queries, and the
 * handler forwards every signal that is not one of our samples to it, so
 * the program behaves exactly as it would without us.
 *
 * The sampling signal may move (sampler_mask, sampler_wait): each signal
 * the sampler has used keeps its entry and our handler, because a sample
 * sent before the move may still arrive on it. The current one is the
 * last entry.
 *
 * Writers (normal context) serialise on a spin flag and publish through a
 * sequence counter; the handler copies under the counter and retries.
 */
#define OWNED_MAX 4
struct owned {
    int sig;
    _Atomic unsigned seq;
    struct sigaction prog; /* SIG_DFL at start */
};
static struct owned owned[OWNED_MAX];
static _Atomic int nowned;
static atomic_flag prog_lock = ATOMIC_FLAG_INIT;

static struct owned *owned_find(int sig)
{
    int n = atomic_load_explicit(&nowned, memory_order_acquire);
    for (int i = 0; i < n; i++)
        if (owned[i].sig == sig)
            return &owned[i];
    return NULL;
}

static void prog_action_read(struct owned *o, struct sigaction *out)
{
    for (int tries = 0; tries < 100; tries++) {
        unsigned seq = atomic_load_explicit(&o->seq, memory_order_acquire);
        if (seq & 1)
            continue;
        memcpy(out, &o->prog, sizeof *out);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&o->seq, memory_order_relaxed) == seq)
            return;
    }
    memcpy(out, &o->prog, sizeof *out);
}

static void prog_action_write(struct owned *o, const struct sigaction *act)
{
    while (atomic_flag_test_and_set_explicit(&prog_lock, memory_order_acquire))
        ;
    atomic_fetch_add_explicit(&o->seq, 1, memory_order_acq_rel);
    atomic_thread_fence(memory_order_release);
    memcpy(&o->prog, act, sizeof o->prog);
    atomic_fetch_add_explicit(&o->seq, 1, memory_order_release);
    atomic_flag_clear_explicit(&prog_lock, memory_order_release);
}

int sampler_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    struct owned *o;
    if (kind == SAMPLER_NONE || !(o = owned_find(sig)))
        return 0;
    if (old)
        prog_action_read(o, old);
    if (act)
        prog_action_write(o, act);
    return 1;
}

/* Give a signal that is not a sample to the program, as its disposition
 * says. */
static void forward(int sig, siginfo_t *si, void *uc)
{
    struct owned *o = owned_find(sig);
    if (!o)
        return;
    struct sigaction pa;
    prog_action_read(o, &pa);
    bool info = pa.sa_flags & SA_SIGINFO;
    if (!info && pa.sa_handler == SIG_IGN)
        return;
    if (!info && pa.sa_handler == SIG_DFL) {
        /* The default action of SIGPROF and the real-time signals is to
         * terminate: let the kernel do exactly that. */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        real.sigaction(sig, &dfl, NULL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        real.pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
        return;
    }
    if (pa.sa_flags & SA_RESETHAND) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        prog_action_write(o, &dfl);
    }
    sigset_t old;
    real.pthread_sigmask(SIG_BLOCK, &pa.sa_mask, &old);
    if (info)
        pa.sa_sigaction(sig, si, uc);
    else
        pa.sa_handler(sig);
    real.pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Is this signal one of our samples for slot s? */
static bool is_sample(const siginfo_t *si, const struct tslot *s)
{
    if (si->si_code == POLL_IN)
        return si->si_fd == atomic_load_explicit(&s->perf_fd, memory_order_relaxed);
    if (si->si_code == SI_TIMER)
        return atomic_load_explicit(&s->has_timer, memory_order_relaxed) &&
               si->si_timerid == (int)(intptr_t)s->timer;
    return false;
}

static void on_sample(int sig, siginfo_t *si, void *ucv)
{
    int saved_errno = errno;
    struct tslot *s = threads_self();
    if (!s || !is_sample(si, s)) {
        /* kill(2), an itimer the program set, or a sample of a thread being
         * torn down: not ours to record. */
        if (si->si_code != POLL_IN && si->si_code != SI_TIMER) {
            ctr_add(&shm_hdr->c.foreign_signals, 1);
            forward(sig, si, ucv);
        } else {
            ctr_add(&shm_hdr->c.no_slot, 1);
        }
        goto out;
    }
    if (!atomic_load_explicit(&active, memory_order_relaxed) || tstate.exiting)
        goto out;
    if (s->phase_pending && si->si_code == POLL_IN) {
        /* The random first period is over: continue at the real rate. */
        s->phase_pending = false;
        uint64_t p = period_ns;
        ioctl(si->si_fd, PERF_EVENT_IOC_PERIOD, &p);
    }
    uint32_t weight = 1;
    if (si->si_code == SI_TIMER && si->si_overrun > 0)
        weight += (uint32_t)si->si_overrun;
    ctr_add(&s->samples, weight);
    if (tstate.ring_busy) {
        /* An allocation interposer of this thread is writing the ring:
         * interleaving would corrupt both records. */
        ctr_add(&s->dropped, weight);
        goto out;
    }

    tstate.ring_busy = 1;
    /* clock_gettime is the vDSO's: async-signal-safe, no system call */
    uint64_t when = timeline ? wait_now() : 0;
    unsigned flags;
    unsigned n =
        unwind_capture(ucv, s->stack_lo, s->stack_hi, s->unw_cursor, s->scratch, depth, &flags);
    slot_count_unwind(s, flags);
    if (!record_put_cpu(&s->ring, s->scratch, n, flags, weight, when))
        ctr_add(&s->dropped, weight);
    tstate.ring_busy = 0;
out:
    errno = saved_errno;
}

static long perf_open(struct perf_event_attr *attr, pid_t tid)
{
    return syscall(SYS_perf_event_open, attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

void sampler_perf_attr(struct perf_event_attr *attr)
{
    memset(attr, 0, sizeof *attr);
    attr->size = sizeof *attr;
    attr->type = PERF_TYPE_SOFTWARE;
    attr->config = PERF_COUNT_SW_TASK_CLOCK;
    attr->sample_period = period_ns;
    attr->disabled = 1;
    attr->exclude_kernel = 1;
    attr->exclude_hv = 1;
    attr->wakeup_events = 1;
}

/* A random first period in [1, period]. Every clock starting at zero would
 * give a thread that runs less than one period no sample at all, and every
 * thread's first period fully; a uniform random phase makes the expected
 * sample count of any thread exactly its CPU time / period.
 *
 * Draws below a floor (period/20, at most 200 us) are raised to it. A
 * thread that overflows its clock within microseconds of its start and then
 * exits pays dearly for it here: the exit waits for the overflow's pending
 * wake-up, which this VM delivers at the next tick (measured: 2000 threads
 * of 30 us each took 0.3-1.7 s instead of 0.17 s). Raising a draw keeps the
 * expected count exact for every thread that runs at least the floor (its
 * first sample still comes at or before the same point); a thread shorter
 * than the floor loses its chance of one sample, at most floor/period = 5%
 * of one sample, and is spared the stall. */
static uint64_t first_period(pid_t tid)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x =
        (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)tid << 32 ^ (uint64_t)ts.tv_sec;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    uint64_t first = 1 + x % period_ns;
    uint64_t floor = period_ns / 20 < 200000 ? period_ns / 20 : 200000;
    return first < floor ? floor : first;
}

/* The event perf_available opened on the initializing thread: that
 * thread's arm adopts it (with its own first period), which spares every
 * process one perf_event_open and close (about 50 us each in a VM). */
static int probe_fd = -1;
static pid_t probe_tid;

static int take_probe(pid_t tid, uint64_t first)
{
    int fd = probe_fd;
    if (fd < 0 || tid != probe_tid)
        return -1;
    probe_fd = -1;
    if (ioctl(fd, PERF_EVENT_IOC_PERIOD, &first) == 0)
        return fd;
    fds_close(fd);
    return -1;
}

void sampler_drop_probe(void)
{
    if (probe_fd >= 0)
        fds_close(probe_fd);
    probe_fd = -1;
}

static int perf_arm(struct tslot *s)
{
    if (!sandbox_allows(SANDBOX_PERF)) {
        errno = EPERM;
        return -1;
    }
    if (fds_full()) {
        errno = EMFILE;
        return -1;
    }
    struct perf_event_attr attr;
    sampler_perf_attr(&attr);
    attr.sample_period = first_period(s->tid);
    s->phase_pending = attr.sample_period != period_ns;
    int fd = take_probe(s->tid, attr.sample_period);
    bool enabled = false;
    if (fd < 0) {
        /* Counting from the start spares an ioctl per thread (dear in a
         * VM): an overflow before the signal is routed below goes
         * nowhere, a sample lost once in thousands of starts. */
        attr.disabled = 0;
        fd = (int)perf_open(&attr, s->tid);
        enabled = true;
    }
    if (fd < 0)
        return -1;
    fd = fds_take_high(fd);
    if (fd < 0)
        return -1;
    s->perf_id = 0;
    uint64_t id;
    if (ioctl(fd, PERF_EVENT_IOC_ID, &id) == 0)
        s->perf_id = id;
    /* Signal and owner first: with O_ASYNC set, an overflow is signalled
     * at once, and only to the right thread with the right signal. */
    struct f_owner_ex owner = {F_OWNER_TID, s->tid};
    if (fcntl(fd, F_SETSIG, signo) < 0 || fcntl(fd, F_SETOWN_EX, &owner) < 0 ||
        fcntl(fd, F_SETFL, O_ASYNC) < 0) {
        fds_close(fd);
        return -1;
    }
    atomic_store(&s->perf_fd, fd);
    if (!enabled && ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
        sampler_disarm(s);
        return -1;
    }
    return 0;
}

static int timer_arm(struct tslot *s)
{
    if (!sandbox_allows(SANDBOX_TIMER)) {
        errno = EPERM;
        return -1;
    }
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = signo;
    sev._sigev_un._tid = s->tid;
    /* The CPU clock of thread `tid`, as glibc's pthread_getcpuclockid
     * builds it (CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED). */
    clockid_t clk = (clockid_t)((~(unsigned)s->tid) << 3) | 6;
    timer_t t;
    if (timer_create(clk, &sev, &t) < 0)
        return -1;
    struct itimerspec its;
    its.it_interval.tv_sec = (time_t)(period_ns / 1000000000u);
    its.it_interval.tv_nsec = (long)(period_ns % 1000000000u);
    uint64_t first = first_period(s->tid);
    its.it_value.tv_sec = (time_t)(first / 1000000000u);
    its.it_value.tv_nsec = (long)(first % 1000000000u);
    s->timer = t;
    s->phase_pending = false;
    atomic_store(&s->has_timer, true);
    if (timer_settime(t, 0, &its, NULL) < 0) {
        sampler_disarm(s);
        return -1;
    }
    return 0;
}

int sampler_arm(struct tslot *s)
{
    int r = -1;
    if (kind == SAMPLER_PERF) {
        r = perf_arm(s);
        /* No descriptor to spare (the reserved range is full, or the
         * program is at its limit), or perf refused after the start (a
         * seccomp filter returning EPERM): the timer clock needs none. */
        if (r < 0 && errno != ESRCH && (r = timer_arm(s)) == 0)
            atomic_fetch_add(&shm_hdr->c.timer_fallback, 1);
    } else if (kind == SAMPLER_TIMER) {
        r = timer_arm(s);
    }
    /* A thread that exited meanwhile (ESRCH) is no loss; anything else
     * (descriptor limit, memory) leaves a thread unsampled: count it. */
    if (r < 0 && kind != SAMPLER_NONE && errno != ESRCH)
        atomic_fetch_add(&shm_hdr->c.arm_failures, 1);
    return r;
}

/* The program may have closed our descriptor and reused its number for a
 * file of its own; never disable or close what is not our event. The
 * event's id (PERF_EVENT_IOC_ID, an ioctl only perf events answer) names
 * it exactly, in one system call; where it was not recorded, /proc/self/fd
 * says whether the number is a perf event at all. */
static bool fd_is_our_event(int fd, uint64_t id)
{
    uint64_t now = 0;
    if (id && ioctl(fd, PERF_EVENT_IOC_ID, &now) == 0)
        return now == id;
    if (id)
        return false;
    char path[64], target[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0)
        return errno != ENOENT && errno != EBADF; /* no /proc: trust our record */
    target[n] = 0;
    return strcmp(target, "anon_inode:[perf_event]") == 0;
}

void sampler_disarm(struct tslot *s)
{
    int fd = atomic_exchange(&s->perf_fd, -1);
    /* (No PERF_EVENT_IOC_DISABLE first: closing the last reference takes
     * the event off the thread; each perf ioctl costs a cross-call, dear in
     * a VM, and a thread's start and end are the common path.) */
    if (fd >= 0 && fd_is_our_event(fd, s->perf_id))
        fds_close(fd);
    if (atomic_exchange(&s->has_timer, false))
        timer_delete(s->timer);
}

void sampler_retire(struct tslot *s)
{
    sampler_disarm(s);
    threads_retire(s);
}

int sampler_check(struct tslot *s)
{
    int fd = atomic_load(&s->perf_fd);
    if (kind != SAMPLER_PERF || fd < 0 || fd_is_our_event(fd, s->perf_id))
        return 0;
    /* The program closed our descriptor (daemons closing every fd, a
     * close_range): the number may already be one of its files, so forget
     * it without touching it, and open a new clock for the thread. */
    if (!atomic_compare_exchange_strong(&s->perf_fd, &fd, -1))
        return 0;
    if (!atomic_load(&active))
        return 0;
    atomic_fetch_add(&shm_hdr->c.rearms, 1);
    if (sampler_arm(s) < 0)
        return -1;
    /* The thread may have begun exiting meanwhile: its exit hook disarmed
     * an empty slot, so the new clock is ours to close. */
    if (atomic_load(&s->state) != SLOT_ACTIVE)
        sampler_disarm(s);
    return 1;
}

int sampler_rearm_closed(int lo, int hi)
{
    if (kind != SAMPLER_PERF || !atomic_load(&active) || !threads_slots)
        return 0;
    int n = 0;
    unsigned high = atomic_load(&shm_hdr->threads_high);
    for (unsigned i = 0; i < high; i++) {
        struct tslot *s = &threads_slots[i];
        int fd = atomic_load(&s->perf_fd);
        if (fd < lo || fd > hi || atomic_load(&s->state) != SLOT_ACTIVE)
            continue;
        /* Closed by the program: the number is no longer ours. */
        if (!atomic_compare_exchange_strong(&s->perf_fd, &fd, -1))
            continue;
        fds_gone();
        atomic_fetch_add(&shm_hdr->c.rearms, 1);
        if (sampler_arm(s) == 0)
            n++;
        if (atomic_load(&s->state) != SLOT_ACTIVE)
            sampler_disarm(s);
    }
    return n;
}

void sampler_forget(struct tslot *s)
{
    /* In a fork child the descriptor shares the parent's event: disabling
     * it would stop the parent's sampling. Close our copy only. */
    int fd = atomic_exchange(&s->perf_fd, -1);
    if (fd >= 0 && fd_is_our_event(fd, s->perf_id))
        fds_close(fd);
    atomic_store(&s->has_timer, false); /* timers do not survive fork */
}

void sampler_close_inherited(void)
{
    unsigned high = threads_slots ? atomic_load(&shm_hdr->threads_high) : 0;
    for (unsigned i = 0; i < high; i++) {
        const struct tslot *s = &threads_slots[i];
        int fd = atomic_load(&s->perf_fd);
        if (fd >= 0 && fd_is_our_event(fd, s->perf_id))
            fds_close(fd);
    }
}

void sampler_stop_all(void)
{
    atomic_store(&active, 0);
    unsigned high = atomic_load(&shm_hdr->threads_high);
    for (unsigned i = 0; i < high; i++) {
        struct tslot *s = &threads_slots[i];
        if (atomic_load(&s->state) == SLOT_ACTIVE)
            sampler_disarm(s);
    }
}

/* Can this process open a user-only task-clock event on itself? */
static bool perf_available(void)
{
    if (!sandbox_allows(SANDBOX_PERF)) {
        log_info("perf events refused by a seccomp filter; using CPU-clock timers");
        return false;
    }
    struct perf_event_attr attr;
    sampler_perf_attr(&attr);
    int fd = (int)perf_open(&attr, 0);
    if (fd < 0) {
        log_info("perf events unavailable (%s); using CPU-clock timers", strerror(errno));
        return false;
    }
    sampler_drop_probe();
    probe_fd = fd;
    probe_tid = threads_gettid();
    return true;
}

/* SIGPROF, then SIGRTMIN+4..+10: the signals the sampler may use. */
static int candidates(int out[8])
{
    int nc = 0;
    out[nc++] = SIGPROF;
    for (int i = 4; i < 11 && SIGRTMIN + i <= SIGRTMAX; i++)
        out[nc++] = SIGRTMIN + i;
    return nc;
}

/* The first candidate the program has left alone: not used before by us,
 * no disposition of the program's, not in `avoid` and not blocked in the
 * calling thread. -1 if none. */
static int choose_signal(const sigset_t *avoid)
{
    int c[8];
    int nc = candidates(c);
    sigset_t blocked;
    if (real.pthread_sigmask(SIG_BLOCK, NULL, &blocked) != 0)
        sigemptyset(&blocked);
    for (int i = 0; i < nc; i++) {
        struct sigaction old;
        if (owned_find(c[i]) || (avoid && sigismember(avoid, c[i])) ||
            sigismember(&blocked, c[i]) || real.sigaction(c[i], NULL, &old) < 0)
            continue;
        if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL)
            return c[i];
    }
    return -1;
}

/* Install our handler on sig and make it the sampling signal. */
static int own_signal(int sig)
{
    int n = atomic_load(&nowned);
    if (n >= OWNED_MAX)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sample;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (real.sigaction(sig, &sa, NULL) < 0)
        return -1;
    owned[n].sig = sig;
    owned[n].prog.sa_handler = SIG_DFL;
    atomic_store_explicit(&nowned, n + 1, memory_order_release);
    atomic_store(&signo, sig);
    return 0;
}

/* Only one mover at a time; a mover interrupted by a signal handler that
 * moves again gives up instead of waiting for itself. */
static atomic_flag move_lock = ATOMIC_FLAG_INIT;

/*
 * The program blocks or waits for the sampling signal: sample with another
 * one it leaves alone, from now on and for every thread. A perf clock
 * changes its signal in place (F_SETSIG); a timer's signal is fixed at
 * creation, so the timer is made again. Normal or handler context (system
 * calls only). Returns 0 if moved.
 */
static int move_signal(const sigset_t *avoid)
{
    if (atomic_flag_test_and_set(&move_lock))
        return -1;
    int r = -1;
    int sig = choose_signal(avoid);
    if (sig > 0 && own_signal(sig) == 0) {
        r = 0;
        atomic_fetch_add(&shm_hdr->c.signal_moves, 1);
        unsigned high = threads_slots ? atomic_load(&shm_hdr->threads_high) : 0;
        for (unsigned i = 0; i < high; i++) {
            struct tslot *s = &threads_slots[i];
            if (atomic_load(&s->state) != SLOT_ACTIVE)
                continue;
            int fd = atomic_load(&s->perf_fd);
            if (fd >= 0)
                fcntl(fd, F_SETSIG, sig);
            if (atomic_exchange(&s->has_timer, false)) {
                timer_delete(s->timer);
                timer_arm(s);
            }
        }
    }
    atomic_flag_clear(&move_lock);
    return r;
}

/* Does set hold every signal the sampler could use? Such a thread (it
 * blocks everything, as threads that leave signals to one dedicated
 * thread do) cannot be sampled with any of them. */
static bool blocks_all(const sigset_t *set)
{
    int c[8];
    int nc = candidates(c);
    for (int i = 0; i < nc; i++)
        if (!sigismember(set, c[i]))
            return false;
    return true;
}

static void count_blocked(void)
{
    if (!tstate.sig_blocked) {
        tstate.sig_blocked = 1;
        atomic_fetch_add(&shm_hdr->c.signal_blocked, 1);
    }
}

/* Some thread has had a mask holding a sampling signal: from then on a new
 * thread's inherited mask is worth a look (one system call per thread,
 * spared in every program that never blocks our signal; a mask inherited
 * across exec is seen by choose_signal). */
static _Atomic bool mask_seen;

/* The program's mask `set` (applied with `how`) holds the sampling signal:
 * move, or count the thread as blocked. */
static void program_mask(int how, const sigset_t *set)
{
    int sig = atomic_load_explicit(&signo, memory_order_relaxed);
    if (kind == SAMPLER_NONE || !set || how == SIG_UNBLOCK || sig <= 0 || !sigismember(set, sig))
        return;
    if (blocks_all(set) || move_signal(set) < 0)
        count_blocked();
}

void sampler_mask(int how, const sigset_t *set)
{
    int sig = atomic_load_explicit(&signo, memory_order_relaxed);
    if (set && sig > 0 && how != SIG_UNBLOCK && sigismember(set, sig))
        atomic_store_explicit(&mask_seen, true, memory_order_relaxed);
    /* The profiler's own masking (the in-process collector, libunwind
     * inside the handler) is not the program's. */
    if (tstate.guard || tstate.ring_busy)
        return;
    program_mask(how, set);
}

void sampler_thread_mask(void)
{
    /* The mask a new thread inherited is the program's, though this runs
     * under the guard of the thread's registration (it was taken for the
     * profiler's own, and such threads went uncounted). */
    sigset_t cur;
    if (kind != SAMPLER_NONE && atomic_load_explicit(&mask_seen, memory_order_relaxed) &&
        real.pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0)
        program_mask(SIG_BLOCK, &cur);
}

void sampler_wait(const sigset_t *set)
{
    int sig = atomic_load_explicit(&signo, memory_order_relaxed);
    if (kind != SAMPLER_NONE && set && sig > 0 && sigismember(set, sig) && move_signal(set) < 0)
        count_blocked();
}

bool sampler_withhold(int sig, const siginfo_t *si)
{
    if (kind == SAMPLER_NONE || !si || !owned_find(sig))
        return false;
    struct tslot *s = threads_self();
    bool ours = false;
    if (si->si_code == POLL_IN && threads_slots) {
        /* a perf clock of ours: one of any slot's (a sample for another
         * thread never lands here, but a clock just closed may) */
        unsigned high = atomic_load(&shm_hdr->threads_high);
        for (unsigned i = 0; i < high && !ours; i++)
            ours =
                atomic_load_explicit(&threads_slots[i].perf_fd, memory_order_relaxed) == si->si_fd;
    } else if (si->si_code == SI_TIMER && s) {
        ours = is_sample(si, s);
    }
    if (ours)
        atomic_fetch_add(&shm_hdr->c.signals_withheld, 1);
    return ours;
}

int sampler_init(const struct config *cfg)
{
    depth = cfg->depth;
    timeline = cfg->timeline;
    period_ns = 1000000000ull / cfg->hz;
    int sig = choose_signal(NULL);
    if (sig < 0) {
        log_error("cpu: every candidate profiling signal is in use by the program; "
                  "cpu profiling disabled");
        return -1;
    }
    if (sig != SIGPROF)
        log_info("SIGPROF is in use by the program; sampling with signal %d", sig);
    if (!sandbox_allows(SANDBOX_PERF) && !sandbox_allows(SANDBOX_TIMER)) {
        log_error("cpu: a seccomp filter refuses perf events and timers; cpu profiling disabled");
        return -1;
    }
    if (cfg->sampler == 2)
        kind = SAMPLER_TIMER;
    else if (perf_available())
        kind = SAMPLER_PERF;
    else if (cfg->sampler == 1) {
        log_error("FLAMEPRE_SAMPLER: perf events are refused here; using timers instead");
        kind = SAMPLER_TIMER;
    } else
        kind = SAMPLER_TIMER;

    if (own_signal(sig) < 0) {
        log_error("cpu: cannot install the signal handler: %s; cpu profiling disabled",
                  strerror(errno));
        kind = SAMPLER_NONE;
        return -1;
    }
    atomic_store(&active, 1);
    return 0;
}

enum sampler_kind sampler_kind(void)
{
    return kind;
}

const char *sampler_kind_name(void)
{
    switch (kind) {
    case SAMPLER_PERF: return "perf-task-clock";
    case SAMPLER_TIMER: return "timer-thread-cputime";
    default: return "none";
    }
}

int sampler_signal(void)
{
    return signo;
}

uint64_t sampler_period_ns(void)
{
    return period_ns;
}
