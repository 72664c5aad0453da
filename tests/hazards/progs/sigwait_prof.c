/* A program that owns SIGPROF: it blocks it and consumes it with
 * sigwaitinfo, sigtimedwait or signalfd, and counts the signals it sent
 * itself while it burns CPU (200 of them). Profiled, it must count exactly
 * as many: the profiler's samples are not its signals. A thread that
 * blocks every signal is also started (counted in meta.json). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static pthread_barrier_t deaf_ready;

static void *deaf(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    pthread_barrier_wait(&deaf_ready);
    burn_us(200000);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "sigwaitinfo";
    pthread_t t;
    /* The thread blocks SIGPROF before the first kill(): otherwise, on a
     * loaded machine, the kernel may hand that SIGPROF (default action:
     * terminate) to a thread that has not blocked it yet, profiled or not. */
    pthread_barrier_init(&deaf_ready, NULL, 2);
    pthread_create(&t, NULL, deaf, NULL);
    pthread_barrier_wait(&deaf_ready);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPROF);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = strcmp(how, "signalfd") == 0 ? signalfd(-1, &set, SFD_CLOEXEC) : -1;
    int got = 0, sent = 0;
    for (int i = 0; i < 200; i++) {
        burn_us(2000);
        kill(getpid(), SIGPROF);
        sent++;
        /* drain whatever is pending now */
        for (;;) {
            int r;
            if (sfd >= 0) {
                struct signalfd_siginfo fi;
                struct timespec z = {0, 0};
                sigset_t pend;
                sigpending(&pend);
                if (!sigismember(&pend, SIGPROF))
                    break;
                (void)z;
                r = read(sfd, &fi, sizeof fi) == sizeof fi ? (int)fi.ssi_signo : -1;
            } else if (strcmp(how, "sigtimedwait") == 0) {
                struct timespec z = {0, 1000000};
                r = sigtimedwait(&set, NULL, &z);
            } else {
                sigset_t pend;
                sigpending(&pend);
                if (!sigismember(&pend, SIGPROF))
                    break;
                r = sigwaitinfo(&set, NULL);
            }
            if (r != SIGPROF)
                break;
            got++;
        }
    }
    pthread_join(t, NULL);
    printf("%s: sent %d, received %d\n", how, sent, got);
    return 0;
}
