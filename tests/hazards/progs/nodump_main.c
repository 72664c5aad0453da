/* A program that makes itself non-dumpable at once (in a constructor,
 * which runs right after the profiler's start), then loads a library
 * (argv[1]) and burns 300 ms of CPU in main_burn and 300 ms in the
 * library's lib_burn, then forks a child (non-dumpable too) that burns
 * 300 ms in child_burn and exits 0; prints "child <pid>". Non-root,
 * /proc/<pid>/maps is then closed to other processes of the same user. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "burn.h"

__attribute__((constructor)) static void early(void)
{
    prctl(PR_SET_DUMPABLE, 0);
}

__attribute__((noinline)) static void main_burn(void)
{
    burn_us(300000);
    burn_sink += 1; /* not a tail call */
}

__attribute__((noinline)) static void child_burn(void)
{
    burn_us(300000);
    burn_sink += 2; /* not main_burn's code: not folded into one function */
}

int main(int argc, char **argv)
{
    void *h = dlopen(argc > 1 ? argv[1] : "", RTLD_NOW);
    void (*lib_burn)(long) = h ? (void (*)(long))dlsym(h, "lib_burn") : NULL;
    if (!lib_burn) {
        fprintf(stderr, "cannot load %s\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    main_burn();
    lib_burn(300000);
    pid_t pid = fork();
    if (pid == 0) {
        child_burn();
        _exit(0);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 4;
    printf("child %d\n", (int)pid);
    return prctl(PR_GET_DUMPABLE) == 0 ? 0 : 3;
}
