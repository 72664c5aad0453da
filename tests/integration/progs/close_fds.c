/* A program that closes every descriptor above stderr at start, as daemons
 * do (below 1024, or with closefrom every one: the profiler's perf clock
 * and collector channel among them), then reuses the numbers for
 * files of its own and burns 2 s of CPU. Prints its CPU seconds on stderr
 * as "cpu=SECONDS" and a checksum of what it wrote on stdout. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) static double burn(double until)
{
    volatile double x = 0;
    while (cpu_now() < until)
        for (int i = 0; i < 100000; i++)
            x += i;
    return x;
}

int main(int argc, char **argv)
{
    /* "range": every descriptor up to the limit, as closefrom does */
    if (argc > 1 && argv[1][0] == 'r')
        closefrom(3);
    else
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
    char path[] = "/tmp/close_fds-XXXXXX";
    int fd = mkstemp(path); /* takes the lowest free number: ours was there */
    if (fd < 0)
        return 1;
    unlink(path);
    burn(cpu_now() + 2.0);
    if (write(fd, "kept\n", 5) != 5)
        return 1;
    char buf[8] = {0};
    if (pread(fd, buf, 5, 0) != 5)
        return 1;
    fprintf(stderr, "cpu=%.4f\n", cpu_now());
    printf("file still ours: %s", buf);
    return 0;
}
