/*
 * io_sites — I/O with a known truth per call site, for the I/O profiler's
 * tests (tests/integration/t_io_*.sh).
 *
 * Usage: io_sites DIR      (DIR: where to write a scratch file)
 *
 *   site_zero:  1000 x read(/dev/zero, 4096)       io_bytes 4096000, `read [chr]`
 *   site_file:  16 x write(file, 65536) + fsync    io_bytes 1048576, `write [file]`,
 *                                                  `fsync [file]`
 *   site_stdio: 100 x fwrite(1000 bytes) + fflush  io_bytes 100000, `fwrite [file]`;
 *               the stdio buffer's own write(2) happens inside libc and must
 *               not appear again as `write` under site_stdio
 *   site_pipe:  50 x read(pipe, 1) while another thread writes one byte
 *               every 2 ms                         `read [pipe]`, ~100 ms blocked
 *   site_sock:  20 x recv on a socketpair fed the same way   `recv [unix]`
 * stdout: "pipe_wait_ns=N" (measured around the reads), one line.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static char buf[65536];

static uint64_t now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static NOINLINE void site_zero(void)
{
    int fd = open("/dev/zero", O_RDONLY);
    for (int i = 0; i < 1000; i++)
        if (read(fd, buf, 4096) != 4096)
            abort();
    close(fd);
}

static NOINLINE void site_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        abort();
    for (int i = 0; i < 16; i++)
        if (write(fd, buf, 65536) != 65536)
            abort();
    fsync(fd);
    close(fd);
}

static NOINLINE void site_stdio(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    for (int i = 0; i < 100; i++)
        fwrite(buf, 1, 1000, f);
    fflush(f);
    fclose(f);
}

struct feed {
    int fd, n;
};

static void *feeder(void *arg)
{
    struct feed *f = arg;
    struct timespec ts = {0, 2000000};
    for (int i = 0; i < f->n; i++) {
        nanosleep(&ts, NULL);
        if (write(f->fd, "x", 1) != 1)
            abort();
    }
    return NULL;
}

static uint64_t pipe_wait;

static NOINLINE void site_pipe(void)
{
    int p[2];
    if (pipe(p) < 0)
        abort();
    struct feed f = {p[1], 50};
    pthread_t t;
    pthread_create(&t, NULL, feeder, &f);
    char c;
    for (int i = 0; i < 50; i++) {
        uint64_t t0 = now();
        if (read(p[0], &c, 1) != 1)
            abort();
        pipe_wait += now() - t0;
    }
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);
}

static NOINLINE void site_sock(void)
{
    int s[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0)
        abort();
    struct feed f = {s[1], 20};
    pthread_t t;
    pthread_create(&t, NULL, feeder, &f);
    char c;
    for (int i = 0; i < 20; i++)
        if (recv(s[0], &c, 1, 0) != 1)
            abort();
    pthread_join(t, NULL);
    close(s[0]);
    close(s[1]);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/io_sites.%d.tmp", dir, (int)getpid());
    site_zero();
    site_file(path);
    site_stdio(path);
    site_pipe();
    site_sock();
    unlink(path);
    printf("pipe_wait_ns=%llu\n", (unsigned long long)pipe_wait);
    return 0;
}
