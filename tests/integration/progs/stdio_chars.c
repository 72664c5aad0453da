/*
 * Character stdio calls on every kind of stream: fully buffered,
 * line-buffered, unbuffered, user-buffered, read/write with ungetc and
 * seeks, fmemopen, a stream in error, EOF, and (with an argument "threads")
 * the same after a second thread made the process multi-threaded. Prints a
 * digest of everything it read and wrote; the output and exit code must be
 * the same with and without the profiler.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long digest = 5381;

static void mix(long v)
{
    digest = digest * 33 + (unsigned long)v;
}

static void *nothing(void *a)
{
    return a;
}

static void round_trip(const char *path, int mode, size_t bufsize)
{
    FILE *f = fopen(path, "w+");
    if (!f)
        exit(2);
    static char ubuf[64];
    if (mode != -1)
        setvbuf(f, mode == _IOFBF && bufsize ? ubuf : NULL, mode, bufsize);
    for (int i = 0; i < 5000; i++) {
        int c = "abc\ndefgh\n"[i % 10];
        mix(i % 3 == 0 ? fputc(c, f) : i % 3 == 1 ? putc(c, f) : fputc(c | 0x100, f));
    }
    mix(fflush(f));
    rewind(f);
    int c;
    long n = 0;
    while ((c = (n & 1) ? getc(f) : fgetc(f)) != EOF) {
        mix(c);
        if (n++ % 97 == 0) {
            mix(ungetc(c ^ 1, f));
            mix(fgetc(f));
        }
    }
    mix(n);
    mix(feof(f));
    mix(fgetc(f));         /* at EOF again */
    fseek(f, 3, SEEK_SET); /* switch to writing in the middle */
    mix(fputc('Z', f));
    fseek(f, 0, SEEK_SET);
    for (int i = 0; i < 6; i++)
        mix(fgetc(f));
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "threads")) {
        pthread_t t;
        if (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL))
            return 3;
    }
    char path[] = "/tmp/flamepre-stdio-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 2;
    close(fd);
    round_trip(path, -1, 0);
    round_trip(path, _IOFBF, 0);
    round_trip(path, _IOFBF, 64);
    round_trip(path, _IOLBF, 0);
    round_trip(path, _IONBF, 0);
    unlink(path);

    char mem[32];
    FILE *m = fmemopen(mem, sizeof mem, "w+");
    for (int i = 0; i < 40; i++)
        mix(fputc('0' + i % 10, m)); /* runs out of room */
    mix(ferror(m));
    fclose(m);

    FILE *ro = fopen("/dev/null", "r");
    errno = 0;
    mix(fputc('x', ro)); /* not open for writing */
    mix(errno);
    mix(ferror(ro));
    mix(fgetc(ro));
    fclose(ro);

    for (int i = 0; i < 3000; i++)
        putchar("hello, world\n"[i % 13]);
    printf("digest %lx\n", digest);
    return 0;
}
