/*
 * burst — a program whose CPU profile changes with time, the ground truth
 * for the timeline (FLAMEPRE_TIMELINE) and the heatmap.
 *
 * Usage: burst [SECONDS [THREADS]]   (defaults 6, 1)
 *
 * Each thread (the main one, plus THREADS - 1 named "steady-N") works for
 * SECONDS of wall time. In the first 200 ms of every 2 s (measured from the
 * start, CLOCK_MONOTONIC) the main thread runs burst(), which spins all the
 * time; the rest of the time it runs steady(), which spins 3 ms and
 * sleeps 0.3 ms in turn (about 85-90% busy). Extra threads always run
 * steady(). So in the main thread burst() has about 11% of the CPU time
 * overall, all of it in the bands [2k, 2k + 0.2) s, which are the busiest
 * cells of a CPU heatmap: a periodic band.
 *
 * stdout: one deterministic line.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile uint64_t sink;

/* Spin about 50 us of CPU. */
__attribute__((noinline)) static void spin(uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 20000; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    sink += x;
}

__attribute__((noinline)) static void burst(double until)
{
    while (now() < until)
        spin(1);
    __asm__ volatile("" ::: "memory");
}

/* About 85-90% busy: 3 ms of spinning, then a 0.3 ms sleep (plus the
 * timer slack). Busier and the band fades; idler and, on a loaded machine
 * (where a thread that sleeps often loses its turn), burst's share of the
 * whole run grows past what t_timeline allows. */
__attribute__((noinline)) static void steady(double until)
{
    struct timespec nap = {0, 300000};
    while (now() < until) {
        double busy = now() + 0.003;
        while (now() < busy)
            spin(2);
        nanosleep(&nap, NULL);
    }
    __asm__ volatile("" ::: "memory");
}

static double t0, seconds;

static void *steady_thread(void *arg)
{
    char name[16];
    snprintf(name, sizeof name, "steady-%d", (int)(intptr_t)arg);
    pthread_setname_np(pthread_self(), name);
    steady(t0 + seconds);
    return NULL;
}

int main(int argc, char **argv)
{
    seconds = argc > 1 ? atof(argv[1]) : 6;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (threads < 1)
        threads = 1;
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    t0 = now();
    for (int i = 1; i < threads; i++)
        pthread_create(&tids[i], NULL, steady_thread, (void *)(intptr_t)i);
    double end = t0 + seconds;
    for (double period = t0; period < end; period += 2.0) {
        double b = period + 0.2 < end ? period + 0.2 : end;
        double n = period + 2.0 < end ? period + 2.0 : end;
        burst(b);
        steady(n);
    }
    for (int i = 1; i < threads; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    printf("burst: done\n");
    return 0;
}
