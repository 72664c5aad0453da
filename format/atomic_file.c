/*
 * The atomic file writer (rules in atomic_file.h).
 *
 * Model: bytes go into a fixed buffer inside struct atomic_file and are
 * flushed with write(2) to a fresh "<path>.tmp.XXXXXX" (or to the
 * descriptor written in place); commit flushes, closes and renames over
 * <path>, so a reader sees the old file or the whole new one, never a
 * prefix. The first error is kept in af->err and every later call
 * is a no-op until commit reports it (the jemalloc dump-writer habit), so
 * callers check once. No stdio: this also runs inside the profiled host at
 * exit, where the host's FILE locks may be held.
 *
 * No fsync, of the file or of its directory: rename(2) alone gives readers
 * the old-or-whole-new guarantee. fsync would only add durability against
 * an OS crash or power loss, and the host pays for it in exit latency: two
 * fsyncs per file, a file per metric plus meta.json, about 0.4 ms a file
 * on ext4 (0.85 ms of a 4 ms cpu-profiled run, 1.4 ms with alloc). Not
 * worth it for a profile, which can be recorded again; perf and heaptrack
 * do not fsync their output either.
 */
#include "format/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void af_fail(struct atomic_file *af, int err)
{
    if (!af->err)
        af->err = err ? err : EIO;
}

static void af_write_all(struct atomic_file *af, const char *p, size_t len)
{
    while (len > 0 && !af->err) {
        ssize_t n = write(af->fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            af_fail(af, errno);
        } else if (n == 0) {
            /* A regular file only returns 0 for len > 0 when it cannot grow;
             * retrying would spin. */
            af_fail(af, ENOSPC);
        } else {
            p += n;
            len -= (size_t)n;
        }
    }
}

static void af_flush(struct atomic_file *af)
{
    if (af->used && af->fd >= 0)
        af_write_all(af, af->buf, af->used);
    af->used = 0;
}

static void af_release(struct atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    af->path = NULL;
    af->tmp = NULL;
    af->fd = -1;
    af->own_fd = false;
    af->used = 0;
}

void atomic_file_tmp_name(char *out, const char *target, uint64_t rnd)
{
    static const char set[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    size_t n = strlen(target);
    memcpy(out, target, n);
    memcpy(out + n, ".tmp.", 5);
    n += 5;
    for (int i = 0; i < 6; i++) {
        out[n++] = set[rnd % (sizeof(set) - 1)];
        rnd /= sizeof(set) - 1;
    }
    out[n] = '\0';
}

/* Unpredictable where the kernel can say so; otherwise the clock, pid,
 * the writer's address and the attempt mixed (splitmix64's finalizer).
 * O_EXCL keeps even a guessed name safe: it only makes us try again. */
static uint64_t tmp_random(const struct atomic_file *af, unsigned attempt)
{
    uint64_t r;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
        return r;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    r = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    r ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)af ^ (uint64_t)attempt << 56;
    r = (r ^ (r >> 30)) * 0xbf58476d1ce4e5b9ULL;
    r = (r ^ (r >> 27)) * 0x94d049bb133111ebULL;
    return r ^ (r >> 31);
}

int atomic_file_openat(struct atomic_file *af, int dirfd, const char *path, mode_t mode)
{
    /* O_EXCL already refuses a symlink of that name; O_NOFOLLOW says so. */
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = -1;

    af->fd = -1;
    af->dirfd = dirfd;
    af->err = 0;
    af->own_fd = false;
    af->used = 0;
    af->tmp = NULL;
    af->path = strdup(path);
    if (!af->path)
        goto fail;
    af->tmp = malloc(strlen(path) + 12);
    if (!af->tmp)
        goto fail;
    /* A taken name (a leftover of a crashed run, someone else's file) is
     * left alone: another name is tried. */
    for (unsigned i = 0; i < 100 && fd < 0; i++) {
        atomic_file_tmp_name(af->tmp, path, tmp_random(af, i));
        fd = openat(dirfd, af->tmp, flags, mode);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        goto fail;
    af->fd = fd;
    af->own_fd = true;
    return 0;

fail : {
    int e = errno ? errno : ENOMEM;
    af_release(af);
    af->err = e;
    errno = e;
    return -1;
}
}

void atomic_file_fdopen(struct atomic_file *af, int fd, bool own)
{
    af->fd = fd;
    af->dirfd = AT_FDCWD;
    af->err = 0;
    af->own_fd = own;
    af->used = 0;
    af->path = NULL;
    af->tmp = NULL;
}

void atomic_file_write(struct atomic_file *af, const void *data, size_t len)
{
    if (af->err || af->fd < 0)
        return;
    if (len > sizeof(af->buf) - af->used) {
        af_flush(af);
        /* Large blocks skip the buffer: one syscall, no extra copy. */
        if (len >= sizeof(af->buf)) {
            af_write_all(af, data, len);
            return;
        }
    }
    memcpy(af->buf + af->used, data, len);
    af->used += len;
}

void atomic_file_puts(struct atomic_file *af, const char *s)
{
    atomic_file_write(af, s, strlen(s));
}

void atomic_file_printf(struct atomic_file *af, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    int n;

    if (af->err || af->fd < 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        af_fail(af, EINVAL);
        return;
    }
    if ((size_t)n < sizeof(small)) {
        atomic_file_write(af, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        af_fail(af, ENOMEM);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    atomic_file_write(af, big, (size_t)n);
    free(big);
}

int atomic_file_commit(struct atomic_file *af)
{
    int err;

    if (af->fd < 0) {
        err = af->err ? af->err : EBADF;
        af_release(af);
        errno = err;
        return -1;
    }
    af_flush(af);
    if (af->own_fd && close(af->fd) != 0 && errno != EINTR)
        af_fail(af, errno);
    af->fd = -1;
    if (!af->err && af->tmp && renameat(af->dirfd, af->tmp, af->dirfd, af->path) != 0)
        af_fail(af, errno);
    err = af->err;
    if (err && af->tmp)
        unlinkat(af->dirfd, af->tmp, 0);
    af_release(af);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

void atomic_file_abort(struct atomic_file *af)
{
    int saved = errno;

    if (af->fd >= 0 && af->own_fd)
        close(af->fd);
    af->fd = -1;
    if (af->tmp)
        unlinkat(af->dirfd, af->tmp, 0);
    af_release(af);
    errno = saved;
}
