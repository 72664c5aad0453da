/*
 * many_threads — creates and joins many short-lived threads quickly, to check
 * that a profiler arming per-thread timers survives thread churn.
 *
 * Usage: many_threads [TOTAL [BATCH]]   (defaults 200, 8)
 *
 * TOTAL threads are created BATCH at a time; each does a little fixed
 * arithmetic (about 2 ms of CPU), some of them rename themselves,
 * and all are joined. The main thread also works between batches.
 * stdout: one deterministic line with the number of threads joined and a
 * checksum of their results.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NOINLINE __attribute__((noinline, noclone))

static volatile uint64_t sink;

NOINLINE static uint64_t short_work(uint64_t x, int n)
{
    for (int i = 0; i < n; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x;
}

static void *short_thread(void *arg)
{
    uintptr_t i = (uintptr_t)arg;
    if (i % 3 == 0) {
        char name[16];
        snprintf(name, sizeof name, "short-%u", (unsigned)i);
        pthread_setname_np(pthread_self(), name);
    }
    uint64_t r = short_work(i + 1, 2000000);
    return (void *)(uintptr_t)(r & 0xffff);
}

int main(int argc, char **argv)
{
    int total = argc > 1 ? atoi(argv[1]) : 200;
    int batch = argc > 2 ? atoi(argv[2]) : 8;
    if (total < 0 || batch < 1 || batch > 1024) {
        fprintf(stderr, "usage: many_threads [TOTAL [BATCH]]\n");
        return 2;
    }
    pthread_t th[1024];
    uint64_t sum = 0;
    int joined = 0;
    for (int base = 0; base < total; base += batch) {
        int k = total - base < batch ? total - base : batch;
        for (int j = 0; j < k; j++)
            if (pthread_create(&th[j], NULL, short_thread, (void *)(uintptr_t)(base + j)) != 0) {
                perror("pthread_create");
                return 1;
            }
        sink += short_work((uint64_t)base, 50000);
        for (int j = 0; j < k; j++) {
            void *ret;
            if (pthread_join(th[j], &ret) != 0) {
                perror("pthread_join");
                return 1;
            }
            sum += (uintptr_t)ret;
            joined++;
        }
    }
    printf("many_threads: joined=%d checksum=%llu\n", joined, (unsigned long long)sum);
    return 0;
}
