/* A shared object whose constructor starts a CPU-bound thread named
 * "early-bird": preloaded after libflamepre.so (so it initialises first),
 * that thread exists before the profiler's constructor runs. */
#include <pthread.h>
#include <sys/prctl.h>
#include <time.h>

__attribute__((noinline)) static void early_spin(void)
{
    struct timespec a, b;
    volatile double x = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do {
        for (int i = 0; i < 100000; i++)
            x += i;
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < 0.8);
}

static void *run(void *arg)
{
    (void)arg;
    prctl(PR_SET_NAME, "early-bird");
    early_spin();
    return NULL;
}

__attribute__((constructor)) static void start(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, run, NULL) == 0)
        pthread_detach(t);
}
