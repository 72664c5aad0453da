/* Nine threads call exit() at once (glibc lets the first run the exit
 * handlers; the others go straight to exit_group), while they allocate
 * and burn CPU. Exit code 3. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_barrier_t go;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        char *p = malloc(64 + (size_t)i % 512);
        if (p)
            memset(p, 1, 64);
        free(p);
    }
    pthread_barrier_wait(&go);
    exit(3);
}

int main(void)
{
    pthread_barrier_init(&go, NULL, 9);
    pthread_t t[9];
    for (int i = 0; i < 9; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (;;)
        pause();
}
