/* 200 live threads under `ulimit -n 64`: the program's own open() and
 * pipe() succeed as often as unprofiled, and its first open() gets the
 * number it gets unprofiled. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#define NT 200
static pthread_barrier_t start, done;
static volatile double sink;

static void *worker(void *arg)
{
    (void)arg;
    double x = 0;
    for (int i = 0; i < 300000; i++)
        x += i * 0.5;
    sink = x;
    pthread_barrier_wait(&start);
    pthread_barrier_wait(&done);
    return NULL;
}

int main(void)
{
    struct rlimit rl = {64, 64};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 3;
    pthread_barrier_init(&start, NULL, NT + 1);
    pthread_barrier_init(&done, NULL, NT + 1);
    pthread_t t[NT];
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    for (int i = 0; i < NT; i++)
        if (pthread_create(&t[i], &a, worker, NULL) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    pthread_barrier_wait(&start);
    int opened = 0, piped = 0, first = -1;
    for (int i = 0; i < 40; i++) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd >= 0)
            opened++;
        if (i == 0)
            first = fd;
    }
    for (int i = 0; i < 5; i++) {
        int p[2];
        if (pipe(p) == 0)
            piped++;
    }
    printf("first fd %d, open %d/40, pipe %d/5\n", first, opened, piped);
    pthread_barrier_wait(&done);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    return 0;
}
