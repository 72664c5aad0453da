/* What a program can see of the profiler: prints the descriptor numbers
 * its first open() gets, in it and in a fork child; its thread count; what
 * wait() returns (no child of its own); and whether unshare of a user
 * namespace works (it needs a single-threaded process). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    printf("first fd: %d\n", open("/dev/null", O_RDONLY));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        printf("child's next fd: %d\n", open("/dev/null", O_RDONLY));
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    /* let a collector process start, if one is started */
    usleep(100000);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "Threads:", 8))
            printf("%s", line);
    if (f)
        fclose(f);
    errno = 0;
    pid_t w = wait(NULL);
    printf("wait: %d %s\n", (int)w, strerror(errno));
    int r = unshare(CLONE_NEWUSER);
    printf("unshare(CLONE_NEWUSER): %s\n", r == 0 ? "ok" : strerror(errno));
    return 0;
}
