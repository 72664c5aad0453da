/*
 * Output paths (see outdir.h).
 *
 * Model: a walk, as realpath(3) does it but checking each symlink. A path
 * is resolved one component at a time from an O_PATH descriptor of the
 * directory reached so far (at first / or the working directory) and that
 * directory's absolute name: "." stays, ".." goes up, a directory is
 * entered with O_NOFOLLOW, a missing one is made (outdir_prepare only),
 * and a symlink is checked (protected_symlinks), then its target is put
 * in front of the rest of the path, at most MAX_LINKS times. So the walk
 * ends at a directory whose absolute name holds no symlink, and no link
 * was followed that the rule refuses.
 */
#include "preload/outdir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MAX_LINKS 40 /* the kernel's limit of symlinks in one lookup */

/* The library interposes openat and close: raw calls, never recorded. */
static int sys_openat(int dir, const char *path, int flags, mode_t mode)
{
    return (int)syscall(SYS_openat, dir, path, flags, mode);
}

static void sys_close(int fd)
{
    int saved = errno;
    syscall(SYS_close, fd);
    errno = saved;
}

struct walk {
    int fd;              /* O_PATH descriptor of the directory reached, or -1 */
    char path[PATH_MAX]; /* its absolute name, no symlinks */
    char rest[PATH_MAX]; /* the path being resolved ... */
    size_t pos;          /* ... from here on */
    unsigned links;      /* symlinks followed */
    char *why;           /* the caller's reason buffer; "" until a failure */
    size_t whylen;
};

/* Fail with err: the descriptor closed, the reason (unless one was given)
 * is strerror(err). Returns -1. */
static int walk_fail(struct walk *w, int err)
{
    if (w->fd >= 0)
        sys_close(w->fd);
    w->fd = -1;
    if (!w->why[0])
        snprintf(w->why, w->whylen, "%s", strerror(err));
    errno = err;
    return -1;
}

/* Continue from / (an absolute path or symlink target). */
static int walk_root(struct walk *w)
{
    int fd = sys_openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0)
        return walk_fail(w, errno);
    if (w->fd >= 0)
        sys_close(w->fd);
    w->fd = fd;
    strcpy(w->path, "/");
    return 0;
}

static int walk_begin(struct walk *w, const char *path, char *why, size_t whylen)
{
    w->fd = -1;
    w->pos = 0;
    w->links = 0;
    w->why = why;
    w->whylen = whylen;
    why[0] = 0;
    if (strlen(path) >= sizeof w->rest)
        return walk_fail(w, ENAMETOOLONG);
    strcpy(w->rest, path);
    if (path[0] == '/')
        return walk_root(w);
    if (!getcwd(w->path, sizeof w->path))
        return walk_fail(w, errno);
    w->fd = sys_openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    return w->fd < 0 ? walk_fail(w, errno) : 0;
}

/* fs.protected_symlinks, as fs/namei.c may_follow_link has it: a symlink
 * in a sticky world-writable directory is followed only by its owner, or
 * where the directory's owner owns it too. dir gets the directory's stat
 * for the message. */
static bool may_follow(int dirfd, const struct stat *link, struct stat *dir)
{
    if (fstat(dirfd, dir) != 0)
        return false;
    if ((dir->st_mode & (S_ISVTX | S_IWOTH)) != (S_ISVTX | S_IWOTH))
        return true;
    return link->st_uid == geteuid() || link->st_uid == dir->st_uid;
}

/* Check the symlink `name` in the directory reached; -1 (EACCES, the
 * reason said) when the rule refuses it. */
static int check_link(struct walk *w, const char *name, const struct stat *link)
{
    struct stat dir;
    if (may_follow(w->fd, link, &dir))
        return 0;
    snprintf(w->why, w->whylen,
             "%s%s%s is a symlink of uid %u in a sticky world-writable directory of uid %u: "
             "not followed (the fs.protected_symlinks rule)",
             w->path, w->path[1] ? "/" : "", name, (unsigned)link->st_uid, (unsigned)dir.st_uid);
    return walk_fail(w, EACCES);
}

/* Follow the symlink `name`: its target goes in front of the rest. */
static int walk_link(struct walk *w, const char *name, const struct stat *st)
{
    if (++w->links > MAX_LINKS)
        return walk_fail(w, ELOOP);
    if (check_link(w, name, st) < 0)
        return -1;
    char target[PATH_MAX];
    ssize_t n = readlinkat(w->fd, name, target, sizeof target);
    if (n < 0)
        return walk_fail(w, errno);
    const char *left = w->rest + w->pos;
    size_t nleft = strlen(left);
    if ((size_t)n + 1 + nleft >= sizeof w->rest)
        return walk_fail(w, ENAMETOOLONG);
    memmove(w->rest + n + 1, left, nleft + 1);
    memcpy(w->rest, target, (size_t)n);
    w->rest[n] = '/';
    w->pos = 0;
    return target[0] == '/' ? walk_root(w) : 0;
}

/* One component. */
static int walk_step(struct walk *w, const char *name, bool create)
{
    if (strcmp(name, ".") == 0)
        return 0;
    if (strcmp(name, "..") == 0) {
        int fd = sys_openat(w->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0)
            return walk_fail(w, errno);
        sys_close(w->fd);
        w->fd = fd;
        char *slash = strrchr(w->path, '/');
        slash[slash == w->path] = 0;
        return 0;
    }
    struct stat st;
    if (fstatat(w->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT || !create)
            return walk_fail(w, errno);
        if (mkdirat(w->fd, name, 0755) < 0 && errno != EEXIST)
            return walk_fail(w, errno);
        if (fstatat(w->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return walk_fail(w, errno);
    }
    if (S_ISLNK(st.st_mode))
        return walk_link(w, name, &st);
    if (!S_ISDIR(st.st_mode))
        return walk_fail(w, ENOTDIR);
    size_t n = strlen(w->path), k = strlen(name);
    if (n + 1 + k >= sizeof w->path)
        return walk_fail(w, ENAMETOOLONG);
    int fd = sys_openat(w->fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0)
        return walk_fail(w, errno);
    sys_close(w->fd);
    w->fd = fd;
    if (n > 1)
        w->path[n++] = '/';
    memcpy(w->path + n, name, k + 1);
    return 0;
}

/* Resolve path to a directory: w->fd and w->path. 0 or -1. */
static int walk(struct walk *w, const char *path, bool create, char *why, size_t whylen)
{
    if (walk_begin(w, path, why, whylen) < 0)
        return -1;
    char name[NAME_MAX + 1];
    for (;;) {
        const char *p = w->rest + w->pos;
        while (*p == '/')
            p++;
        if (!*p)
            return 0;
        const char *e = strchrnul(p, '/');
        size_t k = (size_t)(e - p);
        if (k > NAME_MAX)
            return walk_fail(w, ENAMETOOLONG);
        memcpy(name, p, k);
        name[k] = 0;
        w->pos = (size_t)(e - w->rest);
        if (walk_step(w, name, create) < 0)
            return -1;
    }
}

int outdir_prepare(const char *dir, char *abs, size_t len, char *why, size_t whylen)
{
    struct walk w;
    if (walk(&w, dir, true, why, whylen) < 0)
        return -1;
    sys_close(w.fd);
    w.fd = -1;
    if (access(w.path, W_OK | X_OK) < 0)
        return walk_fail(&w, errno);
    if (strlen(w.path) >= len)
        return walk_fail(&w, ENAMETOOLONG);
    strcpy(abs, w.path);
    return 0;
}

int outdir_open_dir(const char *abs)
{
    struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                           .resolve = RESOLVE_NO_SYMLINKS};
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, abs, &how, sizeof how);
    /* Before Linux 5.6, or refused by a seccomp filter. */
    if (fd < 0 && (errno == ENOSYS || errno == EPERM))
        fd = sys_openat(AT_FDCWD, abs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    return fd;
}

int outdir_open_log(const char *path, char *why, size_t whylen)
{
    struct walk w;
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= sizeof dir) {
        snprintf(why, whylen, "%s", strerror(ENAMETOOLONG));
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(dir, path, n);
    dir[n] = 0;
    if (walk(&w, slash ? (n ? dir : "/") : ".", false, why, whylen) < 0)
        return -1;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return walk_fail(&w, EISDIR);
    /* O_NOCTTY: a terminal must not become the program's controlling one. */
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    /* A symlink is looked at first (an O_NOFOLLOW open of one fails with
     * ELOOP or, in a sticky directory, EACCES: no way to tell it apart).
     * Where it may be followed, nobody else can swap it before the open:
     * in a sticky directory only its owner or the directory's can. */
    struct stat st;
    int fd;
    if (fstatat(w.fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        if (check_link(&w, base, &st) < 0)
            return -1;
        fd = sys_openat(w.fd, base, flags, 0644);
    } else {
        fd = sys_openat(w.fd, base, flags | O_NOFOLLOW, 0644);
    }
    if (fd < 0) {
        /* (O_NONBLOCK: a FIFO without a reader fails with ENXIO.) */
        if (errno == ENXIO)
            snprintf(why, whylen, "a FIFO without a reader, not a regular file or a terminal");
        return walk_fail(&w, errno);
    }
    sys_close(w.fd);
    w.fd = fd;
    if (fstat(fd, &st) < 0)
        return walk_fail(&w, errno);
    if (S_ISREG(st.st_mode)) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
            return walk_fail(&w, errno);
    } else if (!S_ISCHR(st.st_mode) || (!isatty(fd) && st.st_rdev != makedev(1, 3))) {
        snprintf(why, whylen, "not a regular file or a terminal");
        return walk_fail(&w, EINVAL);
    }
    return fd;
}
