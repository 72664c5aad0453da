/*
 * remap_self: runs a hot function from a second, private mapping of its own
 * executable, made with mmap as V8 does with its builtins (not dlopen), and
 * unmaps it before exit. A profiler that reads the module map only when a
 * process starts, loads a library or ends never sees that mapping.
 *
 * Usage: remap_self [SECONDS]   (default 0.4): the copy runs that long.
 * stdout: "ok" and a checksum-free line; exit 0, or 1 with a reason.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* No call, no global: position-independent as it stands, so a copy of its
 * bytes at another address runs the same. */
__attribute__((noinline)) uint64_t remapped_work(uint64_t n)
{
    uint64_t x = n;
    for (uint64_t i = 0; i < n; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x;
}

struct seg {
    uintptr_t fn; /* runtime address of remapped_work */
    uint64_t off; /* its file offset */
    int found;
};

static int find(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct seg *s = arg;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && s->fn >= lo && s->fn < lo + ph->p_memsz) {
            s->off = ph->p_offset + (s->fn - lo);
            s->found = 1;
            return 1;
        }
    }
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 0.4;
    struct seg s = {(uintptr_t)&remapped_work, 0, 0};
    dl_iterate_phdr(find, &s);
    int fd = open("/proc/self/exe", O_RDONLY);
    if (!s.found || fd < 0) {
        fprintf(stderr, "remap_self: cannot find my own code\n");
        return 1;
    }
    long page = sysconf(_SC_PAGESIZE);
    uint64_t base = s.off & ~(uint64_t)(page - 1);
    size_t len = (size_t)(s.off - base) + 4096;
    char *m = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, (off_t)base);
    close(fd);
    if (m == MAP_FAILED) {
        perror("remap_self: mmap");
        return 1;
    }
    uint64_t (*copy)(uint64_t) = (uint64_t(*)(uint64_t))(void *)(m + (s.off - base));
    uint64_t acc = 0;
    for (double t0 = now(); now() - t0 < secs;)
        acc += copy(200000);
    munmap(m, len);
    printf("ok %d\n", acc == 0);
    return 0;
}
