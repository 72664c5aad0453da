/* A program that lowers its descriptor limit to 64 after the profiler
 * started (with the default, higher limit), then runs 4 threads: the
 * profiler's kept idea of its descriptor range is stale, and its next
 * descriptors must still go where the program does not look (its first
 * open() gets 3, as unprofiled) and its threads must still be sampled. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

static volatile double sink;

static void *worker(void *arg)
{
    for (long i = 0; i < 60000000; i++)
        sink += i * 0.5;
    return arg;
}

int main(void)
{
    struct rlimit rl = {64, 64};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("setrlimit");
        return 1;
    }
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        if (pthread_create(&t[i], NULL, worker, NULL) != 0)
            return 1;
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("first fd %d\n", open("/dev/null", O_RDONLY));
    return 0;
}
