/*
 * Symbolizer throughput, inlined frames off and on (issue 12).
 *
 * For each ELF file given: N addresses drawn uniformly (fixed seed) from its
 * executable PT_LOAD segments, named by a fresh symbolizer (so nothing is
 * cached between runs but the OS's page cache) with the module registered
 * at bias 0, in three modes: names only (FLAMEPRE_INLINE=0, the library's
 * in-process path), inlined frames (the default), inlined frames and lines
 * (FLAMEPRE_LINES=1). Reported per mode, median of REPS runs:
 *   module ms   the first address: reading the symbol table (and, with
 *               DWARF, finding and opening the debug file, and the first CU)
 *   per 10k ms  the other N-1 addresses, scaled to 10k (every CU they
 *               touch is read on its first address: a cold profile)
 * Uniform addresses touch far more CUs than a profile's few hot spots do,
 * so this is the expensive end.
 *
 *   symbolize_bench [-n N] [-r REPS] ELF...
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector/inline.h"
#include "collector/symbolize.h"

struct seg {
    uint64_t lo, hi;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int text_segments(const char *path, struct seg *out, int max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), n = 0;
    if (fd < 0)
        return -1;
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    size_t np = 0;
    if (e && elf_getphdrnum(e, &np) == 0) {
        for (size_t i = 0; i < np && n < max; i++) {
            GElf_Phdr ph;
            if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
                out[n++] = (struct seg){ph.p_vaddr, ph.p_vaddr + ph.p_memsz};
        }
    }
    if (e)
        elf_end(e);
    close(fd);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One cold run: returns the ms of the first lookup and of the rest. */
static void run(const char *path, const struct seg *segs, int nseg, const uint64_t *addrs, int n,
                int mode, double *first, double *rest, unsigned long *inlined)
{
    struct symbolizer *S = symbolizer_new();
    struct inliner *in = inliner_new();
    struct inline_ops ops = inliner_ops(in);
    uint64_t lo = segs[0].lo, hi = segs[0].hi;
    for (int i = 1; i < nseg; i++) {
        lo = segs[i].lo < lo ? segs[i].lo : lo;
        hi = segs[i].hi > hi ? segs[i].hi : hi;
    }
    symbolizer_add_module(S, path, NULL, 0, lo, hi);
    if (mode > 0) {
        symbolizer_set_inline_ops(S, &ops);
        symbolizer_set_frames(S, true, mode > 1);
    }
    size_t sink = 0;
    double t0 = now_ms();
    sink += strlen(symbolizer_frames_at(S, addrs[0], SYMBOLIZER_EPOCH_ANY));
    double t1 = now_ms();
    for (int i = 1; i < n; i++)
        sink += strlen(symbolizer_frames_at(S, addrs[i], SYMBOLIZER_EPOCH_ANY));
    double t2 = now_ms();
    struct symbolizer_stats st;
    symbolizer_stats(S, &st);
    *inlined = (unsigned long)st.inlined;
    *first = t1 - t0;
    *rest = t2 - t1;
    symbolizer_free(S);
    inliner_free(in);
    if (sink == 0)
        fprintf(stderr, "(no names)\n");
}

int main(int argc, char **argv)
{
    int n = 10000, reps = 5, c;
    while ((c = getopt(argc, argv, "n:r:")) != -1) {
        if (c == 'n')
            n = atoi(optarg);
        else if (c == 'r')
            reps = atoi(optarg);
        else
            return 2;
    }
    if (n < 2 || reps < 1 || reps > 99 || optind >= argc) {
        fprintf(stderr, "usage: symbolize_bench [-n N] [-r REPS] ELF...\n");
        return 2;
    }
    static const char *const modes[] = {"names only (FLAMEPRE_INLINE=0)", "inlined frames",
                                        "inlined frames + lines"};
    printf("%-22s %-32s %10s %12s %9s %8s\n", "module", "mode", "module ms", "per 10k ms",
           "x names", "inlined");
    for (int a = optind; a < argc; a++) {
        struct seg segs[16];
        int nseg = text_segments(argv[a], segs, 16);
        if (nseg <= 0) {
            fprintf(stderr, "%s: no executable segment\n", argv[a]);
            continue;
        }
        uint64_t span = 0;
        for (int i = 0; i < nseg; i++)
            span += segs[i].hi - segs[i].lo;
        uint64_t *addrs = malloc((size_t)n * sizeof *addrs);
        if (!addrs)
            return 1;
        srand48(12);
        for (int i = 0; i < n; i++) {
            uint64_t off = (uint64_t)(drand48() * (double)span);
            int s = 0;
            while (off >= segs[s].hi - segs[s].lo) {
                off -= segs[s].hi - segs[s].lo;
                s++;
            }
            addrs[i] = segs[s].lo + off;
        }
        const char *base = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
        double names_rest = 0;
        for (int mode = 0; mode < 3; mode++) {
            double f[99], r[99];
            unsigned long inl = 0;
            for (int k = 0; k < reps; k++)
                run(argv[a], segs, nseg, addrs, n, mode, &f[k], &r[k], &inl);
            qsort(f, (size_t)reps, sizeof *f, cmp_double);
            qsort(r, (size_t)reps, sizeof *r, cmp_double);
            double per10k = r[reps / 2] * 10000.0 / (n - 1);
            if (mode == 0)
                names_rest = per10k;
            printf("%-22s %-32s %10.2f %12.2f %8.1fx %7.0f%%\n", base, modes[mode], f[reps / 2],
                   per10k, names_rest > 0 ? per10k / names_rest : 1.0, 100.0 * inl / n);
        }
        free(addrs);
    }
    return 0;
}
