/*
 * wall_calls — one call of each kind the wall event interposes beyond
 * pthread and I/O, each blocking about 30 ms in a function of its own, for
 * tests/integration/t_wall.sh: C11 thrd_sleep, mtx_lock (contended),
 * cnd_timedwait (times out), usleep, clock_nanosleep, waitpid (a child that
 * sleeps), sigtimedwait (times out), syscall(SYS_futex, FUTEX_WAIT) (times
 * out), thrd_join. Prints one line; exit 0.
 */
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))
static const struct timespec ms30 = {0, 30000000};
static mtx_t mtx;
static cnd_t cnd;

static int holder(void *arg)
{
    (void)arg;
    mtx_lock(&mtx);
    thrd_sleep(&ms30, NULL);
    mtx_unlock(&mtx);
    return 0;
}

NOINLINE static void do_thrd_sleep(void)
{
    thrd_sleep(&ms30, NULL);
}

NOINLINE static void do_mtx_lock(void)
{
    thrd_t t;
    thrd_create(&t, holder, NULL);
    struct timespec ms5 = {0, 5000000};
    nanosleep(&ms5, NULL); /* the holder takes the lock first */
    mtx_lock(&mtx);
    mtx_unlock(&mtx);
    thrd_join(t, NULL);
}

NOINLINE static void do_cnd_timedwait(void)
{
    struct timespec at;
    timespec_get(&at, TIME_UTC);
    at.tv_nsec += 30000000;
    if (at.tv_nsec >= 1000000000)
        at.tv_sec++, at.tv_nsec -= 1000000000;
    mtx_lock(&mtx);
    cnd_timedwait(&cnd, &mtx, &at);
    mtx_unlock(&mtx);
}

NOINLINE static void do_usleep(void)
{
    usleep(30000);
}

NOINLINE static void do_clock_nanosleep(void)
{
    clock_nanosleep(CLOCK_MONOTONIC, 0, &ms30, NULL);
}

NOINLINE static void do_waitpid(void)
{
    pid_t p = fork();
    if (p == 0) {
        nanosleep(&ms30, NULL);
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
}

NOINLINE static void do_sigtimedwait(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, NULL);
    sigtimedwait(&s, NULL, &ms30);
}

NOINLINE static void do_futex(void)
{
    static int word;
    syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ms30, NULL, 0);
}

int main(void)
{
    mtx_init(&mtx, mtx_plain);
    cnd_init(&cnd);
    do_thrd_sleep();
    do_mtx_lock();
    do_cnd_timedwait();
    do_usleep();
    do_clock_nanosleep();
    do_waitpid();
    do_sigtimedwait();
    do_futex();
    puts("wall_calls: done");
    return 0;
}
