/* Burns 0.3 s of CPU in phase_one, then execs itself (same pid, same
 * name) to burn 0.3 s in phase_two. */
#include <string.h>
#include <time.h>
#include <unistd.h>

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Two different loops (identical ones would be folded into one symbol). */
__attribute__((noipa)) static unsigned long phase_one(double secs)
{
    volatile unsigned long x = 0;
    for (double end = cpu() + secs; cpu() < end;)
        for (int i = 0; i < 10000; i++)
            x += (unsigned long)i;
    return x;
}

__attribute__((noipa)) static unsigned long phase_two(double secs)
{
    volatile unsigned long x = 1;
    for (double end = cpu() + secs; cpu() < end;)
        for (int i = 0; i < 10000; i++)
            x ^= (unsigned long)i * 3;
    return x;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "again")) {
        return phase_two(0.3) == 42;
    }
    if (phase_one(0.3) == 42)
        return 2;
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 1;
    self[n] = 0;
    execl(self, argv[0], "again", (char *)0);
    return 1;
}
