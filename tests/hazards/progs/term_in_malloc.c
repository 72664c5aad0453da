/* A SIGTERM handler that calls exit(42) (not async-signal-safe, but
 * common), while main allocates and frees in a loop: the signal lands
 * inside malloc most of the time. Prints "ready" once the loop runs. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_term(int sig)
{
    (void)sig;
    exit(42);
}

int main(void)
{
    signal(SIGTERM, on_term);
    printf("ready\n");
    fflush(stdout);
    for (unsigned long i = 0;; i++) {
        char *p = malloc(16 + i % 4096);
        if (p)
            p[0] = (char)i;
        free(p);
    }
}
