/* A fork storm: after argv[3] ms, forks argv[1] children at once, each of
 * which sleeps argv[2] ms and exits 0; reaps them all and prints "reaped
 * N in MS ms" (from the first fork to the last reap). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 500;
    long sleep_ms = argc > 2 ? atol(argv[2]) : 1000;
    long delay_ms = argc > 3 ? atol(argv[3]) : 0;
    usleep((useconds_t)delay_ms * 1000);
    long t0 = now_ms();
    int forked = 0;
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p < 0)
            break;
        if (p == 0) {
            usleep((useconds_t)sleep_ms * 1000);
            _exit(0);
        }
        forked++;
    }
    int reaped = 0, st;
    while (wait(&st) > 0)
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            reaped++;
    printf("reaped %d of %d in %ld ms\n", reaped, forked, now_ms() - t0);
    return reaped == n ? 0 : 1;
}
