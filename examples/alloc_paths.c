/*
 * alloc_paths — one malloc call site reached through different callers at
 * the same stack depth (test of the dwarf-mode stack cache, see
 * preload/stackcache.h: its key, the call site's return address and the
 * stack pointer, is the same for every path; only the return addresses
 * further up tell the paths apart).
 *
 * Usage: alloc_paths [ROUNDS]   (default 10000)
 * Per round: path_a 3 times (24-byte blocks), path_b twice (40), path_c
 * once (56), all called from one dispatcher through a table so their
 * frames sit at the same depth, then rec(depth 0..4) once (72 bytes), which
 * reaches the same call site at varying depths. Every block is freed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NOINLINE __attribute__((noinline, noclone))

static uint64_t sum;

static NOINLINE void *leaf(size_t n)
{
    void *p = malloc(n);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}

static NOINLINE void use(void *p, size_t n)
{
    ((unsigned char *)p)[0] = (unsigned char)n;
    sum += ((unsigned char *)p)[0];
    free(p);
}

static NOINLINE void path_a(void)
{
    use(leaf(24), 24);
    __asm__ volatile("" ::: "memory");
}

static NOINLINE void path_b(void)
{
    use(leaf(40), 40);
    __asm__ volatile("" ::: "memory");
}

static NOINLINE void path_c(void)
{
    use(leaf(56), 56);
    __asm__ volatile("" ::: "memory");
}

static NOINLINE void rec(int depth)
{
    if (depth == 0)
        use(leaf(72), 72);
    else
        rec(depth - 1);
    __asm__ volatile("" ::: "memory"); /* no tail call: one frame per level */
}

static void (*const pattern[6])(void) = {path_a, path_b, path_a, path_c, path_b, path_a};

static NOINLINE void dispatch(long rounds)
{
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < 6; i++)
            pattern[i]();
        rec((int)(r % 5));
    }
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 10000;
    dispatch(rounds);
    printf("alloc_paths: rounds=%ld sum=%llu\n", rounds, (unsigned long long)sum);
    return 0;
}
