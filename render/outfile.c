/*
 * Output files of the CLI (rules in outfile.h).
 *
 * Model: every output is a stdio stream (a cookie stream) into flamepre's
 * one file writer, format/atomic_file.h, on a descriptor we chose: fd 1 or
 * a node opened in place (its in-place mode), or a fresh temp file renamed
 * over PATH (its replacing mode, the same the collector uses).
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

/* stdio's side of the writer: the bytes go to the atomic file, which
 * keeps the first errno exactly (a stdio error flag says that something
 * failed, not what, and errno is long overwritten by the time the stream
 * is closed). */
static ssize_t cookie_write(void *cookie, const char *buf, size_t len)
{
    struct out_file *o = cookie;
    atomic_file_write(&o->af, buf, len);
    if (o->af.err) {
        errno = o->af.err;
        return 0; /* fopencookie's "error" */
    }
    return (ssize_t)len;
}

static int out_stream(struct out_file *o)
{
    o->f = fopencookie(o, "w", (cookie_io_functions_t){.write = cookie_write});
    if (!o->f) {
        atomic_file_abort(&o->af);
        return cli_error("out of memory");
    }
    setvbuf(o->f, NULL, _IOFBF, 1 << 20);
    return 0;
}

/* Write to fd as it is (own: ours to close). */
static int out_in_place(struct out_file *o, int fd, bool own)
{
    atomic_file_fdopen(&o->af, fd, own);
    return out_stream(o);
}

static bool same_file(const struct stat *st, int fd)
{
    struct stat fs;
    return fstat(fd, &fs) == 0 && fs.st_dev == st->st_dev && fs.st_ino == st->st_ino;
}

/* A fresh temp file next to target, renamed over it by out_close; mode
 * 0666 less the umask, like any new file. */
static int open_replacement(struct out_file *o, const char *target)
{
    if (atomic_file_openat(&o->af, AT_FDCWD, target, 0666) < 0)
        return cli_error("%s: %s", o->name, strerror(errno));
    return out_stream(o);
}

int out_open(struct out_file *o, const char *path)
{
    memset(o, 0, sizeof(*o));
    if (!path || strcmp(path, "-") == 0) {
        o->name = "standard output";
        return out_in_place(o, STDOUT_FILENO, false);
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
            return out_in_place(o, STDOUT_FILENO, false);
        if (same_file(&st, STDERR_FILENO))
            return out_in_place(o, STDERR_FILENO, false);
    }
    switch (out_how(lmode, mode)) {
    case OUT_IS_DIR: return cli_error("%s: %s", path, strerror(EISDIR));
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
        return out_in_place(o, fd, true);
    }
    case OUT_REPLACE_LINK: {
        char *target = realpath(path, NULL);
        if (!target)
            return cli_error("%s: %s", path, strerror(errno));
        int rc = open_replacement(o, target);
        free(target);
        return rc;
    }
    case OUT_REPLACE: break;
    }
    return open_replacement(o, path);
}

int out_close(struct out_file *o, int ok)
{
    /* the stream's last bytes reach the writer, which keeps any error */
    if (fflush(o->f) != 0 && !o->af.err)
        o->af.err = errno ? errno : EIO;
    if (ferror(o->f) && !o->af.err)
        o->af.err = EIO;
    fclose(o->f);
    o->f = NULL;
    if (!ok) {
        atomic_file_abort(&o->af);
        return -1;
    }
    if (atomic_file_commit(&o->af) != 0)
        return cli_error("%s: %s", o->name, strerror(errno));
    return 0;
}
