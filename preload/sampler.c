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
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "preload/log.h"
#include "preload/unwind.h"

static enum sampler_kind kind;
static int signo;
static uint64_t period_ns;
static unsigned depth;
static _Atomic int active;
static _Atomic uint64_t foreign_signals, no_slot;

static void on_sample(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    int saved_errno = errno;
    if (!atomic_load_explicit(&active, memory_order_relaxed))
        goto out;
    /* Ours: perf overflow (fasync, POLL_IN) or our timer. Anything else,
     * kill(2) or an itimer the program set, is not a sample. */
    if (si->si_code != POLL_IN && si->si_code != SI_TIMER) {
        ctr_add(&foreign_signals, 1);
        goto out;
    }
    struct tslot *s = threads_self();
    if (!s || tstate.exiting) {
        ctr_add(&no_slot, 1);
        goto out;
    }
    uint32_t weight = 1;
    if (si->si_code == SI_TIMER && si->si_overrun > 0)
        weight += (uint32_t)si->si_overrun;
    ctr_add(&s->samples, weight);

    unsigned flags;
    unsigned n = unwind_capture(ucv, s->stack_lo, s->stack_hi, s->scratch, depth, &flags);
    if (flags & UNW_F_TRUNCATED)
        ctr_add(&s->truncated, 1);
    if (flags & UNW_F_FAILED)
        ctr_add(&s->unwind_fail, 1);
    if (flags & UNW_F_SHALLOW)
        ctr_add(&s->shallow, 1);
    if (!ring_has_room(&s->ring, n + 1)) {
        ctr_add(&s->dropped, weight);
        goto out;
    }
    ring_put(&s->ring, 0, RING_HDR(n, flags, REC_CPU, weight));
    for (unsigned i = 0; i < n; i++)
        ring_put(&s->ring, i + 1, s->scratch[i]);
    ring_commit(&s->ring, n + 1);
out:
    errno = saved_errno;
}

static long perf_open(struct perf_event_attr *attr, pid_t tid)
{
    return syscall(SYS_perf_event_open, attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static int perf_arm(struct tslot *s)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.sample_period = period_ns;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.wakeup_events = 1;
    int fd = (int)perf_open(&attr, s->tid);
    if (fd < 0)
        return -1;
    struct f_owner_ex owner = {F_OWNER_TID, s->tid};
    if (fcntl(fd, F_SETFL, O_ASYNC) < 0 || fcntl(fd, F_SETSIG, signo) < 0 ||
        fcntl(fd, F_SETOWN_EX, &owner) < 0 || ioctl(fd, PERF_EVENT_IOC_RESET, 0) < 0) {
        close(fd);
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
    its.it_value = its.it_interval;
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
    if (kind == SAMPLER_PERF)
        return perf_arm(s);
    if (kind == SAMPLER_TIMER)
        return timer_arm(s);
    return -1;
}

/* The program may have closed our descriptor and reused its number for a
 * file of its own; never disable or close what is not a perf event. */
static bool fd_is_perf_event(int fd)
{
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
    if (fd >= 0 && fd_is_perf_event(fd)) {
        ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
        close(fd);
    }
    if (atomic_exchange(&s->has_timer, false))
        timer_delete(s->timer);
}

void sampler_forget(struct tslot *s)
{
    /* In a fork child the descriptor shares the parent's event: disabling
     * it would stop the parent's sampling. Close our copy only. */
    int fd = atomic_exchange(&s->perf_fd, -1);
    if (fd >= 0 && fd_is_perf_event(fd))
        close(fd);
    atomic_store(&s->has_timer, false);   /* timers do not survive fork */
}

void sampler_stop_all(void)
{
    atomic_store(&active, 0);
    unsigned high = atomic_load(&threads_high);
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
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.sample_period = period_ns;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    int fd = (int)perf_open(&attr, 0);
    if (fd < 0) {
        log_info("perf events unavailable (%s); using CPU-clock timers", strerror(errno));
        return false;
    }
    close(fd);
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
        if (sigaction(candidates[i], NULL, &old) < 0)
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
    if (sigaction(signo, &sa, NULL) < 0) {
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

uint64_t sampler_foreign_signals(void)
{
    return atomic_load(&foreign_signals);
}

uint64_t sampler_no_slot(void)
{
    return atomic_load(&no_slot);
}
