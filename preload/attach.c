/*
 * Host side of the collector process (see attach.h).
 */
#include "preload/attach.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "preload/fds.h"
#include "preload/layout.h"
#include "preload/sandbox.h"
#include "preload/shm.h"
#include "preload/strbuild.h"

#define HELLO_TIMEOUT_MS 10000 /* a loaded machine can be slow to schedule it */
#define LISTEN_TIMEOUT_MS 3000 /* a collector just started listens within ms */
#define END_TIMEOUT_MS 30000
#define SYNC_TIMEOUT_MS 2000

extern char **environ;

static int chan = -1;
static atomic_flag busy = ATOMIC_FLAG_INIT; /* one request at a time */
static _Atomic bool chan_hung_up;

/* ---- raw system calls ---- */

static long sys_close(int fd)
{
    return syscall(SYS_close, fd);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait until fd is readable or the deadline passes; signals retry. */
static bool wait_readable(int fd, uint64_t deadline)
{
    for (;;) {
        uint64_t now = mono_ms();
        if (now >= deadline)
            return false;
        uint64_t left = deadline - now;
        struct timespec ts = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long r = syscall(SYS_ppoll, &p, 1, &ts, NULL, 0);
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
    }
}

/* A message passing npass descriptors (0..2). */
static int send_msg(int fd, uint32_t type, const int *pass, unsigned npass)
{
    struct attach_wire w = {ATTACH_MAGIC, type, (int32_t)syscall(SYS_getpid), LAYOUT_VERSION};
    struct iovec iov = {&w, sizeof w};
    union {
        char buf[CMSG_SPACE(2 * sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (npass) {
        memset(&u, 0, sizeof u);
        mh.msg_control = u.buf;
        mh.msg_controllen = CMSG_SPACE(npass * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(npass * sizeof(int));
        memcpy(CMSG_DATA(c), pass, npass * sizeof(int));
    }
    /* A fork child never waits on its parent's channel, which every
     * child of a fork storm shares (one send buffer): where it is full it
     * connects by name instead. */
    int flags = MSG_NOSIGNAL | (type == ATTACH_FORK ? MSG_DONTWAIT : 0);
    for (;;) {
        long r = syscall(SYS_sendmsg, fd, &mh, flags);
        if (r == (long)sizeof w)
            return 0;
        if (r < 0 && errno == EINTR)
            continue;
        return -1;
    }
}

/* The answer to a request of `type`, by the deadline. */
static int recv_reply(int fd, uint32_t type, uint64_t deadline)
{
    for (;;) {
        if (!wait_readable(fd, deadline))
            return -1;
        struct attach_wire w;
        long r = syscall(SYS_recvfrom, fd, &w, sizeof w, MSG_DONTWAIT, NULL, NULL);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r != (long)sizeof w)
            return -1; /* EOF: the collector is gone */
        if (w.magic == ATTACH_MAGIC && w.type == type)
            return 0;
    }
}

/* ---- finding and starting the collector ---- */

/* The listening socket's abstract name: FLAMEPRE_SOCKET (set by `flamepre
 * record`), else one per user and output directory. */
static socklen_t compute_socket_name(const char *outdir, struct sockaddr_un *a)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    const char *given = getenv("FLAMEPRE_SOCKET");
    int n;
    /* Built by hand, not with snprintf (strbuild.h says why). */
    char *out = a->sun_path + 1, *end = a->sun_path + sizeof a->sun_path - 1;
    if (given && *given) {
        out = sb_str(out, end, given);
    } else {
        uint64_t h = 0xcbf29ce484222325ull;
        for (const char *p = outdir; *p; p++)
            h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
        /* The layout version too: a collector of another build (still
         * idling after an upgrade) is never asked to read this one:
         * "flamepre/<euid>/<16 hex digits>/v<version>". */
        out = sb_str(out, end, "flamepre/");
        out = sb_uint(out, end, (unsigned)geteuid());
        out = sb_str(out, end, "/");
        out = sb_hex64(out, end, h);
        out = sb_str(out, end, "/v");
        out = sb_uint(out, end, LAYOUT_VERSION);
    }
    n = (int)(out - (a->sun_path + 1));
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* The name is computed once per user and kept: a fork child reuses its
 * parent's, instead of formatting it again (getenv and snprintf touch
 * pages of libc the child has not run yet; each first touch is a page
 * fault, tens of microseconds in a VM). */
static socklen_t socket_name(const char *outdir, struct sockaddr_un *a)
{
    static struct sockaddr_un name;
    static socklen_t name_len;
    static uid_t name_uid;
    uid_t uid = geteuid();
    if (!name_len || name_uid != uid) {
        name_len = compute_socket_name(outdir, &name);
        name_uid = uid;
    }
    *a = name;
    return name_len;
}

static int try_connect(const struct sockaddr_un *a, socklen_t len)
{
    int fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    for (;;) {
        if (syscall(SYS_connect, fd, a, len) == 0)
            break;
        if (errno == EINTR)
            continue;
        int e = errno;
        sys_close(fd);
        errno = e;
        return -1;
    }
    /* Only a collector of our own user (or root) gets our memory. */
    struct ucred cr;
    socklen_t cl = sizeof cr;
    if (syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 ||
        (cr.uid != geteuid() && cr.uid != 0)) {
        sys_close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

/* The collector binary: FLAMEPRE_COLLECTOR, else `flamepre` next to this
 * library or in ../bin. */
static bool find_collector(char *out, size_t len)
{
    const char *env = getenv("FLAMEPRE_COLLECTOR");
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return access(out, X_OK) == 0;
    }
    Dl_info di;
    if (!dladdr((void *)find_collector, &di) || !di.dli_fname)
        return false;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", di.dli_fname);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        *slash = 0;
    static const char *const rel[] = {"/flamepre", "/../bin/flamepre"};
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        snprintf(out, len, "%s%s", dir, rel[i]);
        if (access(out, X_OK) == 0)
            return true;
    }
    return false;
}

static bool keep_stderr(void)
{
    struct stat st;
    if (fstat(2, &st) != 0)
        return false;
    /* A pipe or socket held open by the collector would keep a reader of
     * the program's stderr waiting for the collector's end. */
    return S_ISCHR(st.st_mode) || S_ISREG(st.st_mode);
}

static __attribute__((noreturn)) void die_now(int code)
{
    for (;;)
        syscall(SYS_exit_group, code);
}

/* Run the collector, detached: clone (no SIGCHLD, so the program's wait()
 * and SIGCHLD handler never see it), setsid, clone again, exec. Only raw
 * system calls between the clones and the exec: the child of a
 * multithreaded program may not touch locks. */
static int spawn_collector(const char *path, const char *name)
{
    char *argv[] = {(char *)path, (char *)"collect", (char *)"--socket", (char *)name, NULL};
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **envp = malloc((n + 1) * sizeof *envp);
    if (!envp)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
            envp[k++] = environ[i];
    envp[k] = NULL;
    bool err_ok = keep_stderr();
    long pid = syscall(SYS_clone, 0L, NULL, NULL, NULL, 0L);
    if (pid == 0) {
        syscall(SYS_setsid);
        long pid2 = syscall(SYS_clone, 0L, NULL, NULL, NULL, 0L);
        if (pid2 != 0)
            die_now(pid2 < 0);
        int nul = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR);
        if (nul >= 0) {
            syscall(SYS_dup3, nul, 0, 0);
            syscall(SYS_dup3, nul, 1, 0);
            if (!err_ok)
                syscall(SYS_dup3, nul, 2, 0);
        }
        if (syscall(SYS_close_range, 3, ~0U, 0) != 0)
            for (int fd = 3; fd < 4096; fd++)
                syscall(SYS_close, fd);
        /* Not in the program's process group's signals either (setsid),
         * nor in its signal mask. */
        sigset_t none;
        sigemptyset(&none);
        syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
        syscall(SYS_execve, path, argv, envp);
        die_now(127);
    }
    free(envp);
    if (pid < 0)
        return -1;
    int st;
    while (syscall(SYS_wait4, pid, &st, __WCLONE, NULL) < 0 && errno == EINTR)
        ;
    return 0;
}

static int connect_and_hello(const char *outdir, bool wait, const char **why)
{
    if (!sandbox_allows(SANDBOX_SOCKET)) {
        *why = "a seccomp filter refuses sockets";
        return -1;
    }
    struct sockaddr_un a;
    socklen_t alen = socket_name(outdir, &a);
    int fd = try_connect(&a, alen);
    if (fd < 0 && errno == EPERM) {
        *why = "the collector socket belongs to another user";
        return -1;
    }
    if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
        /* No descriptor for a socket: none will come by waiting (this was
         * retried every 2 ms for 3 s, twice, at every start under a tiny
         * RLIMIT_NOFILE). */
        *why = "no file descriptor free for the collector's socket";
        return -1;
    }
    if (fd < 0) {
        if (getenv("FLAMEPRE_SOCKET") && *getenv("FLAMEPRE_SOCKET")) {
            *why = "flamepre record's collector is not listening";
            return -1;
        }
        char path[PATH_MAX];
        if (!find_collector(path, sizeof path)) {
            const char *env = getenv("FLAMEPRE_COLLECTOR");
            *why = env && *env ? "FLAMEPRE_COLLECTOR is not an executable flamepre"
                               : "the collector (flamepre) was not found next to the library; "
                                 "set FLAMEPRE_COLLECTOR";
            return -1;
        }
        if (spawn_collector(path, a.sun_path + 1) < 0) {
            *why = "cannot start the collector process";
            return -1;
        }
        uint64_t deadline = mono_ms() + LISTEN_TIMEOUT_MS;
        while ((fd = try_connect(&a, alen)) < 0 && errno != EMFILE && errno != ENFILE &&
               mono_ms() < deadline) {
            struct timespec ts = {0, 2000000L};
            syscall(SYS_nanosleep, &ts, NULL);
        }
        if (fd < 0) {
            *why = "the collector process did not start listening";
            return -1;
        }
    }
    fd = fds_move_high(fd);
    int memfd = shm_fd();
    if (send_msg(fd, ATTACH_HELLO, &memfd, 1) < 0 ||
        (wait && recv_reply(fd, ATTACH_HELLO, mono_ms() + HELLO_TIMEOUT_MS) < 0)) {
        sys_close(fd);
        *why = "the collector process did not answer";
        return -1;
    }
    return fd;
}

/* wait: HELLO answered before returning, and the memfd closed (else the
 * caller confirms later, or, in a fork child, never: the collector
 * accepted the parent). */
static int start(const char *outdir, bool wait, const char **why)
{
    *why = NULL;
    if (shm_fd() < 0) {
        *why = "no memfd (memfd_create refused)";
        return -1;
    }
    int fd = connect_and_hello(outdir, wait, why);
    if (fd < 0) {
        /* A collector that was just ending its idle time closes the
         * connection unanswered: one more try starts a new one. */
        const char *why2;
        fd = connect_and_hello(outdir, true, &why2);
        if (fd < 0)
            return -1;
        *why = NULL;
        wait = true;
    }
    chan = fd;
    if (wait)
        shm_close_fd();
    return 0;
}

int attach_begin(const char *outdir, const char **why)
{
    return start(outdir, false, why);
}

int attach_confirm(const char **why)
{
    *why = NULL;
    if (chan < 0) {
        *why = "no channel";
        return -1;
    }
    if (shm_fd() < 0)
        return 0; /* answered already (attach_begin had to retry) */
    int saved = errno;
    int rc = recv_reply(chan, ATTACH_HELLO, mono_ms() + HELLO_TIMEOUT_MS);
    if (rc < 0) {
        /* As in start: a collector ending its idle time; one more try. */
        sys_close(chan);
        chan = -1;
        rc = start(shm_hdr->outdir, true, why);
    } else {
        shm_close_fd();
    }
    errno = saved;
    return rc;
}

int attach_fd(void)
{
    return chan;
}

bool attach_collector_gone(void)
{
    if (atomic_load_explicit(&chan_hung_up, memory_order_relaxed))
        return true;
    int fd = chan;
    if (fd < 0)
        return false;
    int saved = errno;
    struct pollfd p = {fd, POLLRDHUP, 0};
    bool gone = syscall(SYS_poll, &p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR));
    errno = saved;
    if (gone)
        atomic_store_explicit(&chan_hung_up, true, memory_order_relaxed);
    return gone;
}

void attach_move(void)
{
    if (chan < 0)
        return;
    int old = chan;
    int fd = (int)syscall(SYS_fcntl, old, F_DUPFD_CLOEXEC, old + 1);
    if (fd < 0)
        return; /* the program's dup2 will close it: the profile ends early */
    fds_note(fd);
    chan = fd;
    sys_close(old);
}

static void request(uint32_t type, unsigned timeout_ms)
{
    if (chan < 0)
        return;
    /* One request at a time; a request from a signal handler that
     * interrupted another one on this thread only sends. */
    uint64_t deadline = mono_ms() + 200;
    bool mine = false;
    while (!(mine = !atomic_flag_test_and_set(&busy)) && mono_ms() < deadline) {
        struct timespec ts = {0, 1000000L};
        syscall(SYS_nanosleep, &ts, NULL);
    }
    int saved = errno;
    if (send_msg(chan, type, NULL, 0) == 0 && mine)
        recv_reply(chan, type, mono_ms() + timeout_ms);
    if (mine)
        atomic_flag_clear(&busy);
    errno = saved;
}

void attach_end(bool no_wait)
{
    /* Nothing to write: the channel's end of file tells the collector,
     * which reads how the image ended from the header. */
    if (no_wait)
        return;
    request(ATTACH_END, END_TIMEOUT_MS);
}

void attach_sync(void)
{
    request(ATTACH_SYNC, SYNC_TIMEOUT_MS);
}

/* The child's channel, one end of a socket pair whose other end goes to
 * the collector, with the memfd, over the parent's channel: -1 when it
 * could not be sent. */
static int fork_through(int parent)
{
    if (atomic_load_explicit(&chan_hung_up, memory_order_relaxed) || !sandbox_allows(SANDBOX_PAIR))
        return -1;
    int sv[2];
    if (syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    int pass[2] = {sv[1], shm_fd()};
    int rc = send_msg(parent, ATTACH_FORK, pass, 2);
    sys_close(sv[1]);
    if (rc < 0) {
        sys_close(sv[0]);
        return -1;
    }
    return fds_move_high(sv[0]);
}

int attach_fork_child(const char **why)
{
    *why = NULL;
    if (chan < 0)
        return -1;
    int parent = chan;
    chan = -1;
    atomic_flag_clear(&busy);
    int fd = fork_through(parent);
    sys_close(parent);
    if (fd >= 0) {
        chan = fd;
    } else {
        atomic_store_explicit(&chan_hung_up, false, memory_order_relaxed);
        if (start(shm_hdr->outdir, false, why) < 0)
            return -1;
    }
    shm_close_fd(); /* never confirmed: the collector accepted the parent */
    return 0;
}
