/*
 * libc_loads SECONDS: converts text from UTF-8 to UTF-16 for SECONDS of
 * CPU time. iconv_open makes libc load its gconv module (UTF-16.so) itself,
 * with its internal dlopen, which no interposer sees: the profile names
 * the module's code only if the collector learns the map changed.
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 0.5;
    iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
    if (cd == (iconv_t)-1) {
        perror("iconv_open");
        return 1;
    }
    static char in[1 << 16], out[1 << 18];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (char)('a' + i % 26);
    unsigned long sum = 0;
    double end = cpu_seconds() + secs;
    while (cpu_seconds() < end) {
        for (int k = 0; k < 16; k++) {
            char *ip = in, *op = out;
            size_t il = sizeof in, ol = sizeof out;
            if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
                perror("iconv");
                return 1;
            }
            sum += (unsigned char)out[k];
        }
    }
    iconv_close(cd);
    printf("%lu\n", sum);
    return 0;
}
