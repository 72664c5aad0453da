/* A shared object whose constructor starts a CPU-bound thread named
 * "early-bird": preloaded after libflamepre.so (so it initialises first),
 * that thread exists before the profiler's constructor runs. It burns 0.3 s
 * of its own CPU time (not wall time: the test must hold on a loaded
 * machine) and reports it on stderr as "early-bird cpu=SECONDS". */
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <time.h>

static double thread_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) static void early_spin(void)
{
    volatile double x = 0;
    double start = thread_cpu(), now;
    do {
        for (int i = 0; i < 100000; i++)
            x += i;
        now = thread_cpu();
    } while (now - start < 0.3);
    fprintf(stderr, "early-bird cpu=%.4f\n", now);
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
