/*
 * alloc_sites — allocation volume with a known truth per call site, for the
 * allocation profiler's accuracy tests (tests/integration/t_alloc*.sh).
 *
 * Usage: alloc_sites [UNITS]     (default 1024)
 *
 * Per unit, the main thread runs three sites, each allocating, touching and
 * freeing blocks one at a time (malloc then free, in the site function):
 *   site_a: 1024 blocks of 3072 bytes = 3 MiB   (60% of the sites' bytes)
 *   site_b: 2048 blocks of  768 bytes = 1.5 MiB (30%)
 *   site_c: 8192 blocks of   64 bytes = 0.5 MiB (10%)
 * so with UNITS = U:   bytes a = 3145728 U, b = 1572864 U, c = 524288 U
 *                      count a = 1024 U,    b = 2048 U,    c = 8192 U
 * and once, after the loop, leak_site allocates 32 blocks of 2 MiB
 * (67108864 bytes, count 32) and never frees them: the leak. Everything the
 * sites allocate is freed. Call chains: main -> run_sites -> site_x -> malloc,
 * main -> leak_site -> malloc.
 * stdout: one deterministic checksum line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))
/* Keep the compiler from pairing malloc with free and removing both. */
#define ESCAPE(p) __asm__ volatile("" : : "r"(p) : "memory")

static uint64_t sum;
static void *leaked[32];

static NOINLINE void site_a(void)
{
    for (unsigned i = 0; i < 1024; i++) {
        unsigned char *p = malloc(3072);
        if (!p)
            abort();
        ESCAPE(p);
        p[i % 3072] = (unsigned char)i;
        sum += p[i % 3072];
        free(p);
    }
}

static NOINLINE void site_b(void)
{
    for (unsigned i = 0; i < 2048; i++) {
        unsigned char *p = malloc(768);
        if (!p)
            abort();
        ESCAPE(p);
        p[i % 768] = (unsigned char)i;
        sum += p[i % 768];
        free(p);
    }
}

static NOINLINE void site_c(void)
{
    for (unsigned i = 0; i < 8192; i++) {
        unsigned char *p = malloc(64);
        if (!p)
            abort();
        ESCAPE(p);
        p[i % 64] = (unsigned char)i;
        sum += p[i % 64];
        free(p);
    }
}

static NOINLINE void run_sites(unsigned units)
{
    for (unsigned u = 0; u < units; u++) {
        site_a();
        site_b();
        site_c();
    }
}

static NOINLINE void leak_site(void)
{
    for (unsigned i = 0; i < 32; i++) {
        leaked[i] = malloc(2u << 20);
        if (!leaked[i])
            abort();
        ESCAPE(leaked[i]);
        memset(leaked[i], (int)i, 64);
        sum += ((unsigned char *)leaked[i])[1];
    }
}

int main(int argc, char **argv)
{
    unsigned units = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1024;
    run_sites(units);
    leak_site();
    printf("alloc_sites: units=%u checksum=%llu\n", units, (unsigned long long)sum);
    return 0;
}
