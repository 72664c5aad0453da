/*
 * Output files of the CLI (rules in outfile.h).
 *
 * Model: every output is a stdio stream on a descriptor we chose: fd 1, a
 * node opened in place, or a fresh temp file. The stream is a cookie
 * stream over write(2) so that the first errno is kept exactly (a stdio
 * error flag says that something failed, not what, and errno is long
 * overwritten by the time the stream is closed).
 *
 * Why the rules: the writer used to fopen "PATH.tmp.<pid>" and rename it
 * over PATH. A symlink planted at that guessable name made fopen write
 * through it into any file the user could write; and the rename replaced
 * whatever PATH was, so `-o /dev/stdout` or `-o FIFO` left a regular file
 * behind, and as root `-o /dev/full` replaced the device (and reported
 * success: the device never saw a byte). Replacing by rename stays for
 * regular files, where it is what keeps a failed run from leaving half a
 * graph; every other kind of node is written the way a shell redirection
 * writes it.
 */
#include "render/outfile.h"
#include "render/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

enum out_how out_how(mode_t lmode, mode_t mode)
{
    if (!lmode)
        return OUT_REPLACE; /* missing (or not visible): created */
    if (S_ISLNK(lmode)) {
        if (!mode)
            return OUT_DANGLING;
        if (S_ISREG(mode))
            return OUT_REPLACE_LINK;
    } else {
        mode = lmode;
    }
    if (S_ISREG(mode))
        return OUT_REPLACE;
    if (S_ISDIR(mode))
        return OUT_IS_DIR;
    return OUT_IN_PLACE;
}

void out_tmp_name(char *out, const char *target, uint64_t rnd)
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

/* Unpredictable where the kernel can say so; otherwise time, pid and the
 * attempt number mixed (O_EXCL keeps even a guessed name safe: it only
 * makes us try again). */
static uint64_t tmp_random(unsigned attempt)
{
    uint64_t r;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
        return r;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t seed[3] = { (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
                         (uint64_t)getpid(), attempt };
    return hash_bytes(seed, sizeof(seed));
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t len)
{
    struct out_file *o = cookie;
    size_t done = 0;
    while (!o->err && done < len) {
        ssize_t n = write(o->fd, buf + done, len - done);
        if (n > 0)
            done += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else
            o->err = n < 0 ? errno : ENOSPC; /* 0 bytes: cannot grow, retrying would spin */
    }
    if (o->err) {
        errno = o->err;
        return 0; /* fopencookie's "error" */
    }
    return (ssize_t)len;
}

static int out_stream(struct out_file *o, int fd, bool own)
{
    o->fd = fd;
    o->own_fd = own;
    o->f = fopencookie(o, "w", (cookie_io_functions_t){ .write = cookie_write });
    if (!o->f) {
        if (own)
            close(fd);
        if (o->tmp)
            unlink(o->tmp);
        free(o->tmp);
        free(o->target);
        o->tmp = o->target = NULL;
        return cli_error("out of memory");
    }
    setvbuf(o->f, NULL, _IOFBF, 1 << 20);
    return 0;
}

static bool same_file(const struct stat *st, int fd)
{
    struct stat fs;
    return fstat(fd, &fs) == 0 && fs.st_dev == st->st_dev && fs.st_ino == st->st_ino;
}

/* A fresh temp file next to target, renamed over it by out_close. */
static int open_replacement(struct out_file *o, char *target)
{
    o->target = target;
    o->tmp = malloc(strlen(target) + 12);
    if (!o->tmp) {
        free(target);
        return cli_error("out of memory");
    }
    int fd = -1;
    for (unsigned i = 0; i < 100 && fd < 0; i++) {
        out_tmp_name(o->tmp, target, tmp_random(i));
        fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        free(o->target);
        return cli_error("%s: %s", o->name, strerror(e));
    }
    return out_stream(o, fd, true);
}

int out_open(struct out_file *o, const char *path)
{
    memset(o, 0, sizeof(*o));
    o->fd = -1;
    if (!path || strcmp(path, "-") == 0) {
        o->name = "standard output";
        return out_stream(o, STDOUT_FILENO, false);
    }
    o->name = path;
    struct stat lst, st;
    mode_t lmode = lstat(path, &lst) == 0 ? lst.st_mode : 0;
    mode_t mode = 0;
    int stat_err = 0;
    if (lmode) {
        if (stat(path, &st) == 0)
            mode = st.st_mode;
        else
            stat_err = errno;
    }
    if (S_ISLNK(lmode) && mode) {
        /* /dev/stdout, /proc/self/fd/2: the descriptor itself, which a
         * reopen would not give for a socket, and would truncate for a
         * file the shell opened with >> */
        if (same_file(&st, STDOUT_FILENO))
            return out_stream(o, STDOUT_FILENO, false);
        if (same_file(&st, STDERR_FILENO))
            return out_stream(o, STDERR_FILENO, false);
    }
    switch (out_how(lmode, mode)) {
    case OUT_IS_DIR:
        return cli_error("%s: %s", path, strerror(EISDIR));
    case OUT_DANGLING:
        if (stat_err == ENOENT)
            return cli_error("%s: symbolic link to a missing file", path);
        return cli_error("%s: %s", path, strerror(stat_err));
    case OUT_IN_PLACE: {
        int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            return cli_error("%s: %s", path, strerror(errno));
        struct stat fs;
        if (fstat(fd, &fs) == 0 && S_ISREG(fs.st_mode)) {
            close(fd); /* swapped for a regular file since lstat */
            return cli_error("%s: changed while being opened", path);
        }
        return out_stream(o, fd, true);
    }
    case OUT_REPLACE_LINK: {
        char *target = realpath(path, NULL);
        if (!target)
            return cli_error("%s: %s", path, strerror(errno));
        return open_replacement(o, target);
    }
    case OUT_REPLACE:
        break;
    }
    char *target = strdup(path);
    if (!target)
        return cli_error("out of memory");
    return open_replacement(o, target);
}

int out_close(struct out_file *o, int ok)
{
    int rc = 0;
    if (fflush(o->f) != 0 && !o->err)
        o->err = errno ? errno : EIO;
    if (ferror(o->f) && !o->err)
        o->err = EIO;
    fclose(o->f);
    /* close reports what write could not (NFS, quotas) */
    if (o->own_fd && close(o->fd) != 0 && errno != EINTR && !o->err)
        o->err = errno;
    if (ok && o->err)
        rc = cli_error("%s: %s", o->name, strerror(o->err));
    if (ok && !rc && o->tmp && rename(o->tmp, o->target) != 0)
        rc = cli_error("%s: %s", o->name, strerror(errno));
    if (o->tmp && (!ok || rc))
        unlink(o->tmp);
    free(o->tmp);
    free(o->target);
    o->f = NULL;
    o->tmp = o->target = NULL;
    return ok ? rc : -1;
}
