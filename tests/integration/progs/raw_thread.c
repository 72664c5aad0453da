/* A thread started with a raw clone(), outside pthread_create (as some
 * allocators and runtimes do): the profiler cannot sample it, and says
 * so (threads_unprofiled). Runs 2.5 s. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

static int spin(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return 0;
}

int main(void)
{
    size_t sz = 1 << 16;
    char *stack = malloc(sz);
    if (!stack ||
        clone(spin, stack + sz,
              CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
              NULL) < 0)
        return 1;
    usleep(2500000);
    return 0;
}
