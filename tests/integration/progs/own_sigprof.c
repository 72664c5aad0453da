/* A program that owns SIGPROF: it installs a handler, drives it with its
 * own ITIMER_PROF, queries the disposition back, then ignores the signal and
 * finally restores the default and dies of it. Its output and fate must be
 * the same with and without the profiler. */
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_prof(int sig)
{
    (void)sig;
    got++;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_prof;
    sigaction(SIGPROF, &sa, &old);
    printf("initial disposition: %s\n", old.sa_handler == SIG_DFL ? "default" : "other");
    struct itimerval it = {{0, 10000}, {0, 10000}};
    setitimer(ITIMER_PROF, &it, NULL);
    volatile double x = 0;
    while (got < 20)
        x += 1;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_PROF, &off, NULL);
    struct sigaction cur;
    sigaction(SIGPROF, NULL, &cur);
    printf("handler kept: %s, ticks >= 20\n", cur.sa_handler == on_prof ? "yes" : "no");
    signal(SIGPROF, SIG_IGN);
    kill(getpid(), SIGPROF);
    printf("ignored SIGPROF survived\n");
    signal(SIGPROF, SIG_DFL);
    kill(getpid(), SIGPROF);
    printf("not reached\n");
    return 0;
}
