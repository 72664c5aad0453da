/*
 * bench_alloc — fixed-work malloc benchmark for allocation-profiler
 * overhead (bench/alloc.sh).
 *
 * Usage: bench_alloc [THREADS [PAIRS]]   (defaults 2, 10000000 per thread)
 *
 * Each thread does PAIRS malloc/free pairs of small sizes (16..528 bytes,
 * a fixed pseudo-random sequence), keeping a window of 64 blocks live so
 * that frees are not all of the block just allocated. The work is fixed,
 * so wall time measures overhead. stdout: one deterministic checksum line.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NOINLINE __attribute__((noinline, noclone))
#define WINDOW 64

static long pairs = 10000000;

static NOINLINE void *bench_alloc_one(size_t n)
{
    void *p = malloc(n);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}

static NOINLINE void *bench_thread(void *arg)
{
    uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1, sum = 0;
    unsigned char *win[WINDOW] = {0};
    for (long i = 0; i < pairs; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t n = 16 + (x & 511);
        unsigned slot = (unsigned)(i & (WINDOW - 1));
        free(win[slot]);
        win[slot] = bench_alloc_one(n);
        win[slot][0] = (unsigned char)n;
        sum += win[slot][0];
    }
    for (unsigned i = 0; i < WINDOW; i++)
        free(win[i]);
    return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    if (argc > 2)
        pairs = atol(argv[2]);
    if (threads < 1 || threads > 256)
        threads = 2;
    pthread_t t[256];
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, bench_thread, (void *)(uintptr_t)(i + 1));
    uint64_t sum = 0;
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (uintptr_t)r;
    }
    printf("bench_alloc: threads=%d pairs=%ld checksum=%llu\n", threads, pairs,
           (unsigned long long)sum);
    return 0;
}
