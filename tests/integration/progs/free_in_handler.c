/*
 * Frees of one allocation site from both the allocating thread and its own
 * signal handler (which may interrupt the thread's free of the same site):
 * every block is freed, so live_bytes must show nothing for site(). Needs
 * an async-signal-safe allocator behind the profiler (bump_alloc.c).
 * stdout: "done".
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static _Atomic(void *) stash;
static atomic_int stop;
static pthread_t main_thread;

static void handler(int sig)
{
    (void)sig;
    free(atomic_exchange(&stash, NULL));
}

static void *signaller(void *arg)
{
    while (!atomic_load(&stop))
        pthread_kill(main_thread, SIGUSR1);
    return arg;
}

static __attribute__((noinline)) void *site(void)
{
    void *p = malloc(64);
    __asm__ volatile("" ::: "memory");
    return p;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 5000000;
    main_thread = pthread_self();
    signal(SIGUSR1, handler);
    pthread_t k;
    pthread_create(&k, NULL, signaller, NULL);
    for (long i = 0; i < n; i++) {
        void *p = site();
        void *none = NULL;
        if (!atomic_compare_exchange_strong(&stash, &none, p))
            free(p);
    }
    atomic_store(&stop, 1);
    pthread_join(k, NULL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    free(atomic_exchange(&stash, NULL));
    puts("done");
    return 0;
}
