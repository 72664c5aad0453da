/*
 * alloc_burst — a program whose allocations and thread states change with
 * time, the ground truth for the timeline's alloc_bytes and wall metrics
 * (FLAMEPRE_TIMELINE with FLAMEPRE_EVENTS=alloc,wall).
 *
 * Usage: alloc_burst [SECONDS]   (default 6)
 *
 * In the first 200 ms of every 2 s (from the start, CLOCK_MONOTONIC) the
 * one thread runs burst(), which does nothing but allocate, fill and free
 * blocks of 1-64 KiB; the other 1.8 s it sleeps in one nanosleep(). No
 * other function of the program allocates. So every allocated byte after
 * start-up is burst()'s, all of it in the bands [2k, 2k + 0.2) s, and the
 * time between the bands is [sleep] in a wall profile.
 *
 * stdout: one deterministic line.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile uint64_t sink;

__attribute__((noinline)) static void burst(double until)
{
    uint64_t x = 88172645463325252ull;
    while (now() < until) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t size = 1024 + (size_t)(x % (63 * 1024));
        char *p = malloc(size);
        if (!p)
            continue;
        memset(p, (int)(x & 0xff), size);
        /* some work on each block, so the allocation rate stays that of
         * a program (tens of thousands a second, not millions) */
        uint64_t h = x;
        for (size_t i = 0; i < size; i += 64)
            h = h * 31 + (uint64_t)p[i];
        for (int i = 0; i < 3000; i++)
            h = h * 6364136223846793005ull + 1442695040888963407ull;
        sink += h;
        free(p);
    }
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void rest(double until)
{
    double left = until - now();
    if (left <= 0)
        return;
    struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 6;
    double t0 = now(), end = t0 + seconds;
    for (double period = t0; period < end; period += 2.0) {
        burst(period + 0.2 < end ? period + 0.2 : end);
        rest(period + 2.0 < end ? period + 2.0 : end);
    }
    printf("alloc_burst: done\n");
    return 0;
}
