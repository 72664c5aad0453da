/* dlopen liba.so, burn 1 s in a_hot_function, dlclose it; dlopen libb.so
 * (the loader puts it where liba was) and call b_innocent_function; burn
 * 0.3 s in main's own tail. Prints whether the two were loaded at the
 * same address. Usage: reuse_main DIR */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>

__attribute__((noinline)) static void main_tail(double secs)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    volatile double x = 0;
    do {
        for (int i = 0; i < 10000; i++)
            x += i;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    } while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
}

int main(int argc, char **argv)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/liba.so", argc > 1 ? argv[1] : ".");
    void *a = dlopen(path, RTLD_NOW);
    if (!a)
        return 1;
    double (*fa)(double) = (double (*)(double))dlsym(a, "a_hot_function");
    Dl_info ia;
    dladdr((void *)fa, &ia);
    void *base_a = ia.dli_fbase;
    fa(1.0);
    dlclose(a);
    snprintf(path, sizeof path, "%s/libb.so", argc > 1 ? argv[1] : ".");
    void *b = dlopen(path, RTLD_NOW);
    if (!b)
        return 1;
    double (*fb)(double) = (double (*)(double))dlsym(b, "b_innocent_function");
    Dl_info ib;
    dladdr((void *)fb, &ib);
    for (int i = 0; i < 1000; i++)
        fb(0);
    main_tail(0.3);
    printf("same address: %s\n", base_a == ib.dli_fbase ? "yes" : "no");
    dlclose(b);
    return 0;
}
