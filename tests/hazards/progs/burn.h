/* CPU burning for the hazard programs: `us` microseconds of the calling
 * thread's own CPU time, whatever else runs. */
#ifndef HAZ_BURN_H
#define HAZ_BURN_H
#include <time.h>

static volatile double burn_sink;

static inline void burn_us(long us)
{
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    do {
        for (int i = 0; i < 2000; i++)
            burn_sink += i * 0.5;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}
#endif
