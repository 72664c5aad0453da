/* Shared library for t_dl_reuse: built twice, as liba.so (-DHOT) with a
 * function that burns the CPU time it is given, and as libb.so with a
 * function of the same size that does nothing worth a sample. */
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

#ifdef HOT
__attribute__((noinline)) double a_hot_function(double secs)
{
    volatile double x = 0;
    double end = now() + secs;
    while (now() < end)
        for (int i = 0; i < 10000; i++)
            x += i;
    return x;
}
#else
__attribute__((noinline)) double b_innocent_function(double secs)
{
    volatile double x = 0;
    double end = now();
    (void)secs;
    for (int i = 0; i < 10 && now() < end + 1; i++)
        x += i;
    return x;
}
#endif
