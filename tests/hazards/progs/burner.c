/* A two-thread program that exercises every event (CPU, allocations, a
 * shared mutex, pipe I/O) and then ends the way argv[1] says, after
 * argv[2] seconds of wall time:
 *   exit    return from main (exit code 0)
 *   wait    keep running until a signal ends it (SIGKILL, SIGTERM, ...)
 *   segv    a write through a NULL pointer
 *   abort   abort()
 * Prints "ready" on stdout once both threads run, and its own CPU seconds
 * as "cpu=S" on stderr when it exits normally. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long shared;
static int pfd[2];

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) static unsigned long spin(unsigned long n)
{
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < n; i++)
        x += i * i;
    return x;
}

__attribute__((noinline)) static void work_unit(int id)
{
    char *p = malloc(4096 + (size_t)id);
    if (p)
        memset(p, id, 64);
    spin(200000);
    pthread_mutex_lock(&mu);
    shared += p ? (unsigned long)p[1] : 0;
    pthread_mutex_unlock(&mu);
    free(p);
    char b = 'x';
    if (id == 0) {
        if (write(pfd[1], &b, 1) != 1)
            abort();
    } else if (read(pfd[0], &b, 1) != 1) {
        abort();
    }
}

static void *worker(void *arg)
{
    for (;;)
        work_unit((int)(long)arg);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "exit";
    double secs = argc > 2 ? atof(argv[2]) : 2.0;
    if (pipe(pfd) != 0)
        return 1;
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    printf("ready\n");
    fflush(stdout);
    double end = now(CLOCK_MONOTONIC) + secs;
    while (now(CLOCK_MONOTONIC) < end || !strcmp(how, "wait"))
        usleep(10000);
    if (!strcmp(how, "segv"))
        *(volatile int *)0 = 1;
    if (!strcmp(how, "abort"))
        abort();
    fprintf(stderr, "cpu=%.3f\n", now(CLOCK_PROCESS_CPUTIME_ID));
    return 0;
}
