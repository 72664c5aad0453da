/* Burns CPU in spin for argv[1] seconds of wall time, then prints "done". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void spin(void)
{
    for (int i = 0; i < 100000; i++)
        sink += (unsigned long)i;
}

int main(int argc, char **argv)
{
    time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 5);
    while (time(NULL) < end)
        spin();
    puts("done");
    return 0;
}
