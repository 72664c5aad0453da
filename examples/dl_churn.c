/*
 * dl_churn — spends its time inside the dynamic loader, to check that a
 * sampling profiler's signal handler never deadlocks when a sample lands in
 * dlopen/dlclose/dlsym or dl_iterate_phdr (whose locks a dwarf unwinder
 * would take again from the handler).
 *
 * Usage: dl_churn [SECONDS [THREADS]]   (defaults 2, 2)
 *
 * Each thread loops: dlopen a library not linked in (libz.so.1, else
 * libdl.so.2 / libm.so.6), dlsym, dlclose; walk the module list with
 * dl_iterate_phdr; and backtrace() (libgcc's unwinder, which itself calls
 * dl_iterate_phdr). stdout: one deterministic line.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

static double g_seconds = 2.0;
static volatile unsigned long sink;
static int g_ok = 1;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int count_module(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    *(unsigned long *)arg += info->dlpi_phnum;
    return 0;
}

NOINLINE static void churn_dlopen(void)
{
    static const char *const libs[] = {"libz.so.1", "libdl.so.2", "libm.so.6"};
    for (unsigned i = 0; i < sizeof libs / sizeof *libs; i++) {
        void *h = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
        if (!h)
            continue;
        sink += (unsigned long)dlsym(h, "zlibVersion") | 1;
        dlclose(h);
        return;
    }
    g_ok = 0;
}

NOINLINE static void churn_phdr(void)
{
    unsigned long n = 0;
    dl_iterate_phdr(count_module, &n);
    sink += n;
}

NOINLINE static void churn_backtrace(void)
{
    void *pcs[64];
    sink += (unsigned long)backtrace(pcs, 64);
}

static void *churn_thread(void *arg)
{
    (void)arg;
    double end = now() + g_seconds;
    while (now() < end) {
        churn_dlopen();
        for (int i = 0; i < 200; i++)
            churn_phdr();
        for (int i = 0; i < 50; i++)
            churn_backtrace();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        g_seconds = atof(argv[1]);
    int n = argc > 2 ? atoi(argv[2]) : 2;
    if (n < 1 || n > 64)
        return 2;
    pthread_t th[64];
    for (int i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, churn_thread, NULL) != 0)
            return 1;
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    printf("dl_churn: threads=%d ok=%d\n", n, g_ok);
    return g_ok ? 0 : 1;
}
