/*
 * A signal handler that ends the process (_exit, or exit with argv[1] =
 * "exit") on a thread that is just finishing: with allocation profiling
 * alone there is no drain thread, so exiting threads do the collector's
 * bookkeeping themselves, and must never hold its lock where this handler
 * could take it again. Short threads allocate and exit in batches while
 * another thread signals the last one seen; the process must end promptly
 * (by the handler, or after the last batch). stdout: nothing.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int last_tid;
static int use_exit;

static void handler(int sig)
{
    (void)sig;
    if (use_exit)
        exit(0);
    _exit(0);
}

static void *short_thread(void *arg)
{
    free(malloc(100));
    atomic_store(&last_tid, (int)syscall(SYS_gettid));
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL); /* only exiting threads take it */
    return arg;
}

static void *signaller(void *arg)
{
    for (;;) {
        int t = atomic_load(&last_tid);
        if (t)
            syscall(SYS_tgkill, getpid(), t, SIGUSR1);
    }
    return arg;
}

int main(int argc, char **argv)
{
    use_exit = argc > 1 && strcmp(argv[1], "exit") == 0;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    signal(SIGUSR1, handler);
    pthread_t k;
    pthread_create(&k, NULL, signaller, NULL);
    for (int round = 0; round < 20000; round++) {
        pthread_t t[8];
        for (int i = 0; i < 8; i++)
            pthread_create(&t[i], NULL, short_thread, NULL);
        for (int i = 0; i < 8; i++)
            pthread_join(t[i], NULL);
    }
    _exit(0);
}
