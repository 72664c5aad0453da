/* A parent that keeps working after it forks: 400 ms of CPU in
 * parent_burn, in 20 pieces with a fork between each (the child leaves by
 * _exit at once). Prints the parent's CPU milliseconds in parent_burn on
 * stderr. */
#include <stdio.h>
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

__attribute__((noinline)) static void parent_burn(double ms)
{
    double end = cpu_ms() + ms;
    while (cpu_ms() < end)
        for (int i = 0; i < 10000; i++)
            sink += i * 0.5;
}

int main(void)
{
    double spent = 0;
    for (int i = 0; i < 20; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0)
            _exit(0);
        int st;
        if (waitpid(pid, &st, 0) != pid)
            return 1;
        double t0 = cpu_ms();
        parent_burn(20);
        spent += cpu_ms() - t0;
    }
    fprintf(stderr, "%.1f\n", spent);
    return 0;
}
