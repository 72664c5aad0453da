/*
 * cpu_hotspot — a CPU-bound program with named threads and a KNOWN CPU split,
 * the ground truth for flamepre's accuracy tests.
 *
 * Usage: cpu_hotspot [SECONDS [WORKERS [EXTRAS]]]   (defaults 2, 2, 1)
 *
 * Threads (thread names as set with pthread_setname_np):
 *   main thread        (name = comm, "cpu_hotspot") works for SECONDS of wall time
 *   worker-a, worker-b, ... (WORKERS of them)    work for SECONDS of wall time
 *   with EXTRAS=1 also:
 *   "renamer-old"      works 20% of SECONDS, renames itself to "renamed-new",
 *                      then works until SECONDS
 *   "early-exit"       works 30% of SECONDS, then returns (joined at the end)
 *
 * Call chains (every function noinline, no tail calls, distinct names):
 *   main -> run_main_thread -> phase -> burn_a|burn_b|burn_c -> leaf_a|leaf_b|leaf_c
 *   start_thread -> worker_main -> run_worker -> phase -> burn_x -> leaf_x
 *
 * THE TRUE SPLIT, in every thread: phase() runs rounds of 20 ms of thread CPU
 * time; each round spends 10 ms in burn_a, 6 ms in burn_b, 4 ms in burn_c,
 * measured with clock_gettime(CLOCK_THREAD_CPUTIME_ID). So of the CPU time
 * spent under phase(), burn_a gets 50%, burn_b 30%, burn_c 20% (rounds are
 * always completed, so the split is exact up to the ~10 us granularity of a
 * leaf call). The clock_gettime calls sit inside burn_x and count for it.
 *
 * stderr: one line per thread "cpu_hotspot: thread NAME tid=N" (final name),
 * and at the end "cpu_hotspot: cpu_seconds=S" — the summed thread CPU time of
 * the program's own threads (excludes any profiler helper thread).
 * stdout: one deterministic result line (independent of timing), so tests can
 * check that profiling leaves stdout byte-identical.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))
#define ROUND_NS 20000000LL

static volatile uint64_t sink;
static double g_seconds = 2.0;
static struct timespec g_start;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static double g_cpu_total;

static long long now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double wall_elapsed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)(ts.tv_sec - g_start.tv_sec) + (ts.tv_nsec - g_start.tv_nsec) / 1e9;
}

/* Leaves: pure arithmetic, a few microseconds per call. */
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

#define LEAF_N 20000 /* ~20 us per leaf call: clock_gettime is ~2% of a burn */

NOINLINE static uint64_t burn_a(long long ns)
{
    long long t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    uint64_t x = 1;
    while (now_ns(CLOCK_THREAD_CPUTIME_ID) - t0 < ns)
        x = leaf_a(x, LEAF_N);
    sink += x;
    return x;
}

NOINLINE static uint64_t burn_b(long long ns)
{
    long long t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    uint64_t x = 2;
    while (now_ns(CLOCK_THREAD_CPUTIME_ID) - t0 < ns)
        x = leaf_b(x, LEAF_N);
    sink += x;
    return x;
}

NOINLINE static uint64_t burn_c(long long ns)
{
    long long t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    uint64_t x = 3;
    while (now_ns(CLOCK_THREAD_CPUTIME_ID) - t0 < ns)
        x = leaf_c(x, LEAF_N);
    sink += x;
    return x;
}

/* Complete rounds of 50/30/20 until `until` seconds of wall time have passed. */
NOINLINE static uint64_t phase(double until)
{
    uint64_t r = 0;
    do {
        r += burn_a(ROUND_NS * 5 / 10);
        r += burn_b(ROUND_NS * 3 / 10);
        r += burn_c(ROUND_NS * 2 / 10);
    } while (wall_elapsed() < until);
    sink += r;
    return r;
}

static void account_cpu(void)
{
    double s = now_ns(CLOCK_THREAD_CPUTIME_ID) / 1e9;
    pthread_mutex_lock(&g_lock);
    g_cpu_total += s;
    pthread_mutex_unlock(&g_lock);
}

static void announce(const char *name)
{
    fprintf(stderr, "cpu_hotspot: thread %s tid=%ld\n", name, (long)syscall(SYS_gettid));
}

struct worker {
    pthread_t th;
    char name[16];
    int kind; /* 0 worker, 1 renamer, 2 early exit */
};

NOINLINE static uint64_t run_worker(struct worker *w)
{
    uint64_t r;
    if (w->kind == 1) {
        r = phase(g_seconds * 0.2);
        pthread_setname_np(pthread_self(), "renamed-new");
        snprintf(w->name, sizeof w->name, "renamed-new");
        r += phase(g_seconds);
    } else if (w->kind == 2) {
        r = phase(g_seconds * 0.3);
    } else {
        r = phase(g_seconds);
    }
    sink += r;
    return r;
}

NOINLINE static void *worker_main(void *arg)
{
    struct worker *w = arg;
    /* Set the name from inside too, so it holds before the first sample. */
    pthread_setname_np(pthread_self(), w->name);
    run_worker(w);
    announce(w->name);
    account_cpu();
    sink += 1;
    return NULL;
}

NOINLINE static uint64_t run_main_thread(void)
{
    uint64_t r = phase(g_seconds);
    sink += r;
    return r;
}

int main(int argc, char **argv)
{
    int nworkers = 2, extras = 1;
    if (argc > 1)
        g_seconds = atof(argv[1]);
    if (argc > 2)
        nworkers = atoi(argv[2]);
    if (argc > 3)
        extras = atoi(argv[3]);
    if (g_seconds <= 0 || nworkers < 0 || nworkers > 26) {
        fprintf(stderr, "usage: cpu_hotspot [SECONDS [WORKERS(0-26) [EXTRAS(0|1)]]]\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &g_start);

    int n = nworkers + (extras ? 2 : 0);
    struct worker *ws = calloc((size_t)n + 1, sizeof *ws);
    if (!ws)
        return 1;
    for (int i = 0; i < n; i++) {
        struct worker *w = &ws[i];
        if (i < nworkers) {
            snprintf(w->name, sizeof w->name, "worker-%c", 'a' + i);
        } else if (i == nworkers) {
            w->kind = 1;
            snprintf(w->name, sizeof w->name, "renamer-old");
        } else {
            w->kind = 2;
            snprintf(w->name, sizeof w->name, "early-exit");
        }
        if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
            perror("pthread_create");
            return 1;
        }
        pthread_setname_np(w->th, w->name);
    }
    run_main_thread();
    announce("cpu_hotspot");
    account_cpu();
    for (int i = 0; i < n; i++)
        pthread_join(ws[i].th, NULL);
    free(ws);
    fprintf(stderr, "cpu_hotspot: cpu_seconds=%.4f\n", g_cpu_total);
    /* Deterministic: depends only on the arguments. */
    printf("cpu_hotspot: threads=%d extras=%d checksum=%016llx\n", n + 1, extras,
           (unsigned long long)(leaf_a(7, 1000) ^ leaf_b(11, 1000) ^ leaf_c(13, 1000)));
    return 0;
}
