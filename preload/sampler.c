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
#include "preload/unwind.h"

static enum sampler_kind kind;
static int signo;
static uint64_t period_ns;
static unsigned depth;
static _Atomic int active;

/*
 * The program's view of our signal. The program may ask for or install a
 * disposition of the sampling signal at any time (GNU sort installs a
 * cleanup handler on every catchable signal that is not ignored). The
 * sigaction interposer stores what the program sets here instead of
 * replacing our handler, reports it back on queries, and the handler
 * forwards every signal that is not one of our samples to it, so the
 * program behaves exactly as it would without us.
 *
 * Writers (normal context) serialise on a spin flag and publish through a
 * sequence counter; the handler copies under the counter and retries.
 */
static struct sigaction prog_action;           /* SIG_DFL at start */
static _Atomic unsigned prog_seq;
static atomic_flag prog_lock = ATOMIC_FLAG_INIT;

static void prog_action_read(struct sigaction *out)
{
    for (int tries = 0; tries < 100; tries++) {
        unsigned seq = atomic_load_explicit(&prog_seq, memory_order_acquire);
        if (seq & 1)
            continue;
        memcpy(out, &prog_action, sizeof *out);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&prog_seq, memory_order_relaxed) == seq)
            return;
    }
    memcpy(out, &prog_action, sizeof *out);
}

static void prog_action_write(const struct sigaction *act)
{
    while (atomic_flag_test_and_set_explicit(&prog_lock, memory_order_acquire))
        ;
    atomic_fetch_add_explicit(&prog_seq, 1, memory_order_acq_rel);
    atomic_thread_fence(memory_order_release);
    memcpy(&prog_action, act, sizeof prog_action);
    atomic_fetch_add_explicit(&prog_seq, 1, memory_order_release);
    atomic_flag_clear_explicit(&prog_lock, memory_order_release);
}

int sampler_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (kind == SAMPLER_NONE || sig != signo)
        return 0;
    if (old)
        prog_action_read(old);
    if (act)
        prog_action_write(act);
    return 1;
}

/* Give a signal that is not a sample to the program, as its disposition
 * says. */
static void forward(int sig, siginfo_t *si, void *uc)
{
    struct sigaction pa;
    prog_action_read(&pa);
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
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
        return;
    }
    if (pa.sa_flags & SA_RESETHAND) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        prog_action_write(&dfl);
    }
    sigset_t old;
    pthread_sigmask(SIG_BLOCK, &pa.sa_mask, &old);
    if (info)
        pa.sa_sigaction(sig, si, uc);
    else
        pa.sa_handler(sig);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
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
    if (s->phase_pending) {
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
    unsigned flags;
    unsigned n = unwind_capture(ucv, s->stack_lo, s->stack_hi, s->unw_cursor, s->scratch, depth,
                                &flags);
    slot_count_unwind(s, flags);
    if (!ring_has_room(&s->ring, n + 1)) {
        ctr_add(&s->dropped, weight);
        tstate.ring_busy = 0;
        goto out;
    }
    ring_put(&s->ring, 0, RING_HDR(n, flags, REC_CPU, weight));
    for (unsigned i = 0; i < n; i++)
        ring_put(&s->ring, i + 1, s->scratch[i]);
    ring_commit(&s->ring, n + 1);
    tstate.ring_busy = 0;
out:
    errno = saved_errno;
}

static long perf_open(struct perf_event_attr *attr, pid_t tid)
{
    return syscall(SYS_perf_event_open, attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* User-space task clock of one thread, overflowing every period_ns. */
static void perf_attr_init(struct perf_event_attr *attr)
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
 * sample count of any thread exactly its CPU time / period. */
static uint64_t first_period(pid_t tid)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)tid << 32 ^
                 (uint64_t)ts.tv_sec;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return 1 + x % period_ns;
}

static int perf_arm(struct tslot *s)
{
    struct perf_event_attr attr;
    perf_attr_init(&attr);
    attr.sample_period = first_period(s->tid);
    s->phase_pending = attr.sample_period != period_ns;
    int fd = (int)perf_open(&attr, s->tid);
    if (fd < 0)
        return -1;
    fd = fds_move_high(fd);
    s->perf_id = 0;
    uint64_t id;
    if (ioctl(fd, PERF_EVENT_IOC_ID, &id) == 0)
        s->perf_id = id;
    struct f_owner_ex owner = {F_OWNER_TID, s->tid};
    if (fcntl(fd, F_SETFL, O_ASYNC) < 0 || fcntl(fd, F_SETSIG, signo) < 0 ||
        fcntl(fd, F_SETOWN_EX, &owner) < 0 || ioctl(fd, PERF_EVENT_IOC_RESET, 0) < 0) {
        fds_close(fd);
        return -1;
    }
    atomic_store(&s->perf_fd, fd);
    if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
        sampler_disarm(s);
        return -1;
    }
    return 0;
}

static int timer_arm(struct tslot *s)
{
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
    if (kind == SAMPLER_PERF)
        r = perf_arm(s);
    else if (kind == SAMPLER_TIMER)
        r = timer_arm(s);
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
        return errno != ENOENT && errno != EBADF;   /* no /proc: trust our record */
    target[n] = 0;
    return strcmp(target, "anon_inode:[perf_event]") == 0;
}

void sampler_disarm(struct tslot *s)
{
    int fd = atomic_exchange(&s->perf_fd, -1);
    if (fd >= 0 && fd_is_our_event(fd, s->perf_id)) {
        ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
        fds_close(fd);
    }
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
    atomic_store(&s->has_timer, false);   /* timers do not survive fork */
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
    struct perf_event_attr attr;
    perf_attr_init(&attr);
    int fd = (int)perf_open(&attr, 0);
    if (fd < 0) {
        log_info("perf events unavailable (%s); using CPU-clock timers", strerror(errno));
        return false;
    }
    fds_close(fd);
    return true;
}

/* The first of SIGPROF, SIGRTMIN+4.. that the program has left alone. */
static int choose_signal(void)
{
    int candidates[8];
    int nc = 0;
    candidates[nc++] = SIGPROF;
    for (int i = 4; i < 11 && SIGRTMIN + i <= SIGRTMAX; i++)
        candidates[nc++] = SIGRTMIN + i;
    for (int i = 0; i < nc; i++) {
        struct sigaction old;
        if (real.sigaction(candidates[i], NULL, &old) < 0)
            continue;
        if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL)
            return candidates[i];
    }
    return -1;
}

int sampler_init(const struct config *cfg)
{
    depth = cfg->depth;
    period_ns = 1000000000ull / cfg->hz;
    signo = choose_signal();
    if (signo < 0) {
        log_error("cpu: every candidate profiling signal is in use by the program; "
                  "cpu profiling disabled");
        return -1;
    }
    if (signo != SIGPROF)
        log_info("SIGPROF is in use by the program; sampling with signal %d", signo);
    if (cfg->sampler == 2)
        kind = SAMPLER_TIMER;
    else if (perf_available())
        kind = SAMPLER_PERF;
    else if (cfg->sampler == 1) {
        log_error("FLAMEPRE_SAMPLER: perf events are refused here; using timers instead");
        kind = SAMPLER_TIMER;
    } else
        kind = SAMPLER_TIMER;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sample;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (real.sigaction(signo, &sa, NULL) < 0) {
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

