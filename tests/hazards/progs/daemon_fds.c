/* A daemon's start: close every descriptor up to the limit, reopen 0 on
 * /dev/null and 1, 2 on the file named by argv[1]; later close_range(3,
 * ~0U) and open again. The output must land in the file, with the numbers
 * of an unprofiled run, while two threads keep being sampled. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static void *worker(void *arg)
{
    (void)arg;
    burn_us(300000);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    burn_us(50000);
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = 0; fd < max; fd++)
        close((int)fd);
    int a = open("/dev/null", O_RDWR);
    burn_us(20000);
    int b = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int c = dup(b);
    printf("after closing all: %d %d %d\n", a, b, c);
    fflush(stdout);
    burn_us(50000);
    close_range(3, ~0U, 0);
    int d = open("/dev/null", O_RDONLY);
    burn_us(20000);
    int e = open("/dev/null", O_RDONLY);
    printf("after close_range: %d %d\n", d, e);
    burn_us(100000);
    pthread_join(t, NULL);
    printf("done\n");
    return 0;
}
