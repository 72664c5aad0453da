/*
 * bench_cpu — fixed-work CPU benchmark for profiler overhead (bench/run.sh).
 *
 * Usage: bench_cpu [THREADS [UNITS]]   (defaults 2, 10000: about 2.2 s of CPU per thread)
 *
 * Each of THREADS threads (the main thread waits) does UNITS work units; a unit
 * calls burn_a, burn_b and burn_c with fixed iteration counts in proportion
 * 5:3:2 (the same leaves as cpu_hotspot). The work is fixed, not the duration,
 * so wall time measures the profiler's overhead. Call chain:
 *   start_thread -> bench_thread -> do_units -> burn_x -> leaf_x
 * stdout: one deterministic checksum line. stderr: "bench_cpu: cpu_seconds=S",
 * the summed thread CPU time of the worker threads.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

static volatile uint64_t sink;
static int g_units = 10000;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static double g_cpu;
static uint64_t g_sum;

/* GCC 12 ignores -mno-omit-leaf-frame-pointer: a true leaf gets no frame, and
 * a frame-pointer unwinder sampling inside it skips its caller (burn_x). So
 * each "leaf" first calls enter(), which makes it a non-leaf with a frame set
 * up before its loop (a call at the end would let shrink-wrapping put the
 * prologue after the loop). enter() itself is a few instructions. */
NOINLINE static uint64_t enter(uint64_t x)
{
    __asm__ volatile("" : "+r"(x));
    return x;
}

NOINLINE static uint64_t leaf_a(uint64_t x, int n)
{
    x = enter(x);
    for (int i = 0; i < n; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x;
}

NOINLINE static uint64_t leaf_b(uint64_t x, int n)
{
    x = enter(x);
    for (int i = 0; i < n; i++)
        x ^= (x << 13) ^ (x >> 7) ^ (x << 17);
    return x;
}

NOINLINE static uint64_t leaf_c(uint64_t x, int n)
{
    x = enter(x);
    for (int i = 0; i < n; i++)
        x = (x >> 1) ^ (-(x & 1) & 0xd800000000000000ULL) ^ (uint64_t)i;
    return x;
}

#define LEAF_N 20000

NOINLINE static uint64_t burn_a(uint64_t x)
{
    for (int i = 0; i < 5; i++)
        x = leaf_a(x, LEAF_N);
    sink += x;
    return x;
}
NOINLINE static uint64_t burn_b(uint64_t x)
{
    for (int i = 0; i < 3; i++)
        x = leaf_b(x, LEAF_N);
    sink += x;
    return x;
}
NOINLINE static uint64_t burn_c(uint64_t x)
{
    for (int i = 0; i < 2; i++)
        x = leaf_c(x, LEAF_N);
    sink += x;
    return x;
}

NOINLINE static uint64_t do_units(uint64_t seed, int units)
{
    uint64_t x = seed;
    for (int u = 0; u < units; u++) {
        x = burn_a(x);
        x = burn_b(x);
        x = burn_c(x);
    }
    sink += x;
    return x;
}

NOINLINE static void *bench_thread(void *arg)
{
    uint64_t r = do_units((uint64_t)(uintptr_t)arg + 1, g_units);
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    pthread_mutex_lock(&g_lock);
    g_cpu += ts.tv_sec + ts.tv_nsec / 1e9;
    g_sum ^= r;
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2;
    if (argc > 2)
        g_units = atoi(argv[2]);
    if (n < 1 || n > 4096 || g_units < 0) {
        fprintf(stderr, "usage: bench_cpu [THREADS [UNITS]]\n");
        return 2;
    }
    pthread_t *th = calloc((size_t)n, sizeof *th);
    if (!th)
        return 1;
    for (int i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, bench_thread, (void *)(uintptr_t)i) != 0) {
            perror("pthread_create");
            return 1;
        }
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    free(th);
    fprintf(stderr, "bench_cpu: cpu_seconds=%.4f\n", g_cpu);
    printf("bench_cpu: threads=%d units=%d checksum=%016llx\n", n, g_units,
           (unsigned long long)g_sum);
    return 0;
}
