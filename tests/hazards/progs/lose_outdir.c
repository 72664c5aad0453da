/* Records every kind of event for 200 ms, then loses its output directory
 * before it exits: argv[1] is "chroot" (into the empty directory argv[2]),
 * "setuid" (to nobody) or "chmod" (mode 0 on the directory argv[2]).
 * Prints "out", exits 3. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long sink;

static void *worker(void *a)
{
    (void)a;
    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(&m);
        sink += i;
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        for (int i = 0; i < 1000; i++) {
            char *p = malloc(100 + i);
            p[0] = 1;
            sink += (unsigned long)p[0];
            free(p);
        }
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            (void)write(fd, "x", 1);
            close(fd);
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 200);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    if (strcmp(argv[1], "chroot") == 0) {
        if (chroot(argv[2]) != 0 || chdir("/") != 0) {
            perror("chroot");
            return 4;
        }
    } else if (strcmp(argv[1], "setuid") == 0) {
        if (setuid(65534) != 0) {
            perror("setuid");
            return 4;
        }
    } else if (strcmp(argv[1], "chmod") == 0) {
        if (chmod(argv[2], 0) != 0) {
            perror("chmod");
            return 4;
        }
    }
    printf("out\n");
    return 3;
}
