/* Fork children that live less than the collector's first tick (50 ms):
 *   burn  a child burns 30 ms of CPU in kid_burn and leaves by _exit;
 *   kill  a child burns CPU in kid_spin until the parent SIGKILLs it,
 *         once the child has had 30 ms of CPU (read from its CPU clock:
 *         30 ms of the parent's sleep were less on a loaded machine);
 *   idle  a child leaves by _exit at once.
 * Prints "<mode> <pid>" for each child, then "done". */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile double sink;

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

__attribute__((noinline)) static void kid_burn(double ms)
{
    double end = cpu_ms() + ms;
    while (cpu_ms() < end)
        for (int i = 0; i < 10000; i++)
            sink += i * 0.5;
}

__attribute__((noinline)) static void kid_spin(void)
{
    for (;;)
        for (int i = 0; i < 10000; i++)
            sink += i * 0.25;
}

int main(int argc, char **argv)
{
    for (int a = 1; a < argc; a++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            if (strcmp(argv[a], "burn") == 0)
                kid_burn(30);
            else if (strcmp(argv[a], "kill") == 0)
                kid_spin();
            _exit(0);
        }
        printf("%s %d\n", argv[a], (int)pid);
        fflush(stdout);
        if (strcmp(argv[a], "kill") == 0) {
            clockid_t cid;
            struct timespec d = {0, 1000000L}, t;
            bool known = clock_getcpuclockid(pid, &cid) == 0;
            for (int i = 0; i < 5000; i++) {
                nanosleep(&d, NULL);
                if (!known || clock_gettime(cid, &t) != 0) {
                    if (i >= 30)
                        break; /* no clock: 30 ms of wall time */
                } else if (t.tv_sec * 1e3 + t.tv_nsec / 1e6 >= 30) {
                    break;
                }
            }
            kill(pid, SIGKILL);
        }
        int st;
        waitpid(pid, &st, 0);
    }
    printf("done\n");
    return 0;
}
