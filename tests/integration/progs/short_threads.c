/* 2000 threads that each run well under 2 sampling periods at 999 Hz, then
 * the same work in the main thread. Prints the work's CPU time per call
 * (ms) on stderr so the test can compute the expected sample count. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

__attribute__((noinline)) static void *short_work(void *arg)
{
    (void)arg;
    volatile double x = 0;
    for (int i = 0; i < 400000; i++)
        x += 1;
    return NULL;
}

int main(void)
{
    for (int i = 0; i < 2000; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_work, NULL) == 0)
            pthread_join(t, NULL);
    }
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    for (int i = 0; i < 200; i++)
        short_work(NULL);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    double ms = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 200 / 1e6;
    fprintf(stderr, "%.4f\n", ms);
    puts("ok");
    return 0;
}
