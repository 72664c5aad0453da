/*
 * Hot code that -O2 inlines: handle() calls validate(), which calls
 * checksum(), both `static inline` and both gone from the machine code, so
 * a profile without inlined frames charges all of it to handle().
 * checksum() holds the hot loop (two levels deep); validate() adds a
 * little work of its own. With DWARF (-g) flamepre shows
 * handle;validate (inlined);checksum (inlined).
 *
 *   inline_hot [SECONDS]   (default 1)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint32_t sink;

static inline __attribute__((always_inline)) uint32_t checksum(const uint8_t *p, size_t n,
                                                               uint32_t seed)
{
    uint32_t h = seed;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static inline __attribute__((always_inline)) int validate(const uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t h = checksum(p, n, seed);
    return (h & 0xff) != 0x5a;
}

static __attribute__((noinline)) unsigned handle(const uint8_t *buf, size_t n, unsigned rounds)
{
    unsigned ok = 0;
    for (unsigned r = 0; r < rounds; r++)
        ok += (unsigned)validate(buf, n, r);
    return ok;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    static uint8_t buf[4096];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 31 + 7);
    double end = now() + secs;
    unsigned ok = 0;
    while (now() < end)
        ok += handle(buf, sizeof buf, 64);
    sink = ok;
    printf("%u\n", ok);
    return 0;
}
