/*
 * bench_lockio — micro-benchmarks for bench/lockio.sh. Prints one number:
 * nanoseconds per operation (best of 5 repetitions).
 *
 *   bench_lockio mutex N          N uncontended lock/unlock pairs (ns/pair)
 *   bench_lockio contended T N    T threads, N lock/unlock each around a tiny
 *                                 critical section (ns per pair, wall time)
 *   bench_lockio pipe N           N x (write 1 byte + read 1 byte) on a pipe
 *                                 (ns per call)
 *   bench_lockio zero N           N x read(/dev/zero, 64) (ns per call)
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile uint64_t counter;
static long n;

static void *spin(void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&m);
        counter++;
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *mode = argv[1];
    int threads = 1;
    if (!strcmp(mode, "contended")) {
        threads = atoi(argv[2]);
        n = atol(argv[3]);
    } else {
        n = atol(argv[2]);
    }
    double best = 1e30;
    int p[2] = {-1, -1}, z = -1;
    if (!strcmp(mode, "pipe") && pipe(p) < 0)
        return 1;
    if (!strcmp(mode, "zero") && (z = open("/dev/zero", O_RDONLY)) < 0)
        return 1;
    char buf[64];
    for (int rep = 0; rep < 5; rep++) {
        uint64_t t0 = now();
        double per;
        if (!strcmp(mode, "mutex")) {
            for (long i = 0; i < n; i++) {
                pthread_mutex_lock(&m);
                counter++;
                pthread_mutex_unlock(&m);
            }
            per = (double)(now() - t0) / (double)n;
        } else if (!strcmp(mode, "contended")) {
            pthread_t t[64];
            for (int i = 0; i < threads; i++)
                pthread_create(&t[i], NULL, spin, NULL);
            for (int i = 0; i < threads; i++)
                pthread_join(t[i], NULL);
            per = (double)(now() - t0) / (double)(n * threads);
        } else if (!strcmp(mode, "pipe")) {
            for (long i = 0; i < n; i++) {
                if (write(p[1], "x", 1) != 1 || read(p[0], buf, 1) != 1)
                    return 1;
            }
            per = (double)(now() - t0) / (double)(2 * n);
        } else {
            for (long i = 0; i < n; i++)
                if (read(z, buf, sizeof buf) != (ssize_t)sizeof buf)
                    return 1;
            per = (double)(now() - t0) / (double)n;
        }
        if (per < best)
            best = per;
    }
    printf("%.2f\n", best);
    return 0;
}
