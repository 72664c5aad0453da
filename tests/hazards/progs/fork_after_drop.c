/* A process that attached to the collector, then changes what a new
 * connection to it would be: argv[1] "setuid" drops to user nobody (as a
 * server drops privileges after its start), "netns" moves to a new network
 * namespace (abstract socket names are per namespace). Then it forks a
 * child that burns 300 ms of CPU in child_burn and exits 0; the parent
 * reaps it and exits with the child's status. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "burn.h"

__attribute__((noinline)) static void child_burn(void)
{
    burn_us(300000);
    burn_sink += 1; /* not a tail call: child_burn keeps its frame */
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "setuid";
    burn_us(20000);
    if (strcmp(how, "setuid") == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) {
            perror("setuid");
            return 3;
        }
    } else if (unshare(CLONE_NEWNET) != 0) {
        perror("unshare");
        return 3;
    }
    pid_t pid = fork();
    if (pid < 0)
        return 4;
    if (pid == 0) {
        child_burn();
        _exit(0);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return 5;
    printf("child %d\n", (int)pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 6;
}
