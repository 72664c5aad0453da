/*
 * The sampling mechanism alone, for `make bench`: a preload library that
 * arms the same per-thread, user-only perf task-clock event as flamepre
 * (same period, same signal routing) with a handler that only counts. The
 * difference between this row and flamepre's is what flamepre itself costs
 * (unwinding, recording, collecting); this row against the uninstrumented
 * run is what the kernel charges for the clock and the signal.
 *
 * Built by bench/run.sh; never part of the product. BARE_HZ sets the rate.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static long period_ns;
static volatile long hits;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    hits++;
}

static void arm_self(void)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_TASK_CLOCK;
    a.sample_period = (unsigned long)period_ns;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    a.wakeup_events = 1;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    int fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0)
        return;
    struct f_owner_ex o = {F_OWNER_TID, tid};
    fcntl(fd, F_SETFL, O_ASYNC);
    fcntl(fd, F_SETSIG, SIGPROF);
    fcntl(fd, F_SETOWN_EX, &o);
    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
}

struct start {
    void *(*fn)(void *);
    void *arg;
};

static void *start(void *p)
{
    struct start s = *(struct start *)p;
    free(p);
    arm_self();
    return s.fn(s.arg);
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    if (!real)
        real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))dlsym(
            RTLD_NEXT, "pthread_create");
    struct start *s = malloc(sizeof *s);
    if (!s)
        return real(t, attr, fn, arg);
    s->fn = fn;
    s->arg = arg;
    int rc = real(t, attr, start, s);
    if (rc)
        free(s);
    return rc;
}

__attribute__((constructor)) static void init(void)
{
    const char *hz = getenv("BARE_HZ");
    period_ns = 1000000000L / (hz ? atol(hz) : 999);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGPROF, &sa, NULL);
    arm_self();
}
