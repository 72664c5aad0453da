/*
 * Threads keep starting and ending after the process chroots into an empty
 * directory (no /proc): the profiler must not take a running thread for a
 * dead one (which would hand its slot to another thread while in use).
 * Usage: chroot_threads DIR. stdout: "survived".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_int stop;

static __attribute__((noinline)) void *leaf(size_t n)
{
    void *p = malloc(n);
    __asm__ volatile("" ::: "memory");
    return p;
}

static __attribute__((noinline)) void *deep(int d, size_t n)
{
    void *p = d ? deep(d - 1, n) : leaf(n);
    __asm__ volatile("" ::: "memory");
    return p;
}

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(size_t)arg;
    while (!atomic_load(&stop))
        free(deep(rand_r(&seed) % 30, 16 + rand_r(&seed) % 64));
    return NULL;
}

static void *short_thread(void *arg)
{
    unsigned seed = (unsigned)(size_t)arg;
    for (int i = 0; i < 2000; i++)
        free(deep(rand_r(&seed) % 30, 16 + rand_r(&seed) % 64));
    return arg;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    pthread_t w[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&w[i], NULL, worker, (void *)(size_t)(i + 1));
    usleep(100000);
    if (chroot(argv[1]) != 0 || chdir("/") != 0) {
        perror("chroot");
        return 2;
    }
    for (int i = 0; i < 100; i++) {
        pthread_t t[12];
        for (int k = 0; k < 12; k++)
            pthread_create(&t[k], NULL, short_thread, (void *)(size_t)(i * 12 + k + 100));
        for (int k = 0; k < 12; k++)
            pthread_join(t[k], NULL);
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(w[i], NULL);
    puts("survived");
    return 0;
}
