/*
 * collector_work — fixed-work programs for bench/collector.sh. Each mode
 * does a fixed amount of work (not a fixed duration), so wall and CPU time
 * measure what a profiler adds. Single-threaded unless the mode says so;
 * prints nothing; exit status 0 on success.
 *
 *   collector_work mutex N       N uncontended pthread_mutex_lock/unlock pairs
 *   collector_work fputc BYTES   BYTES x fputc to a stream on /dev/null
 *   collector_work fork N        N x (fork; child _exit(0); parent waitpid)
 *   collector_work threads N W   N x (pthread_create; thread spins W loop
 *                                iterations; pthread_join), one at a time
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long counter;
static long work;

static void *tiny(void *arg)
{
    for (long i = 0; i < work; i++)
        counter++;
    return arg;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: collector_work mutex|fputc|fork|threads N [W]\n");
        return 2;
    }
    const char *mode = argv[1];
    long n = atol(argv[2]);
    if (!strcmp(mode, "mutex")) {
        for (long i = 0; i < n; i++) {
            pthread_mutex_lock(&m);
            counter++;
            pthread_mutex_unlock(&m);
        }
    } else if (!strcmp(mode, "fputc")) {
        FILE *f = fopen("/dev/null", "w");
        if (!f)
            return 1;
        for (long i = 0; i < n; i++)
            if (fputc('a' + (int)(i & 15), f) == EOF)
                return 1;
        if (fclose(f) != 0)
            return 1;
    } else if (!strcmp(mode, "fork")) {
        for (long i = 0; i < n; i++) {
            pid_t pid = fork();
            if (pid < 0)
                return 1;
            if (pid == 0)
                _exit(0);
            int st;
            if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return 1;
        }
    } else if (!strcmp(mode, "threads")) {
        work = argc > 3 ? atol(argv[3]) : 10000;
        for (long i = 0; i < n; i++) {
            pthread_t t;
            if (pthread_create(&t, NULL, tiny, NULL) != 0 || pthread_join(t, NULL) != 0)
                return 1;
        }
    } else {
        fprintf(stderr, "collector_work: unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
