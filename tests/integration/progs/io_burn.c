/* argv[1] one-byte writes to /dev/null, each followed by a little CPU work
 * in main: a program whose every I/O call the profiler records when
 * FLAMEPRE_WAIT_SAMPLE=0. Prints "ok". */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile unsigned long sink;

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0)
        return 1;
    char c = 'x';
    for (long i = 0; i < n; i++) {
        if (write(fd, &c, 1) != 1)
            return 1;
        for (int k = 0; k < 2000; k++)
            sink += (unsigned long)k * (unsigned long)i;
    }
    puts("ok");
    return 0;
}
