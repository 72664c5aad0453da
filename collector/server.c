/*
 * The collector process's loop (see server.h).
 */
#include "collector/server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "collector/image.h"
#include "collector/inline.h"
#include "collector/maps.h"
#include "collector/symbolize.h"
#include "preload/attach.h"
#include "preload/layout.h"
#include "preload/log.h"

#define TICK_MS 50
/* Longest time between saves of the inline cache while programs run. */
#define CACHE_SAVE_MS 10000
#define REFRESH_TICKS 20 /* names and liveness once a second */
/* Longest wait, after a client's channel closed, for its process to be
 * seen gone (its pidfd readable) before its files are written anyway: a
 * program that closed the channel, or replaced its image past the exec
 * interposers, lives on without it. */
#define DYING_MS 1000

/* Where no pidfd could be opened (before Linux 5.3, or a filter refuses
 * the call): a thread that waits on an image's life mutex and reads the
 * exit code the moment the host's first thread is torn down (layout.h).
 * With a pidfd, the poll loop itself sees the process go. */
struct watch {
    pthread_t thread;
    pthread_mutex_t *life;
    int statfd, pidfd;
    _Atomic int stop;
    _Atomic int done; /* how/status are set */
    char how[64];
    int status;
};

struct client {
    int fd;
    pid_t pid;     /* in our PID namespace (SO_PEERCRED) */
    int statfd;    /* /proc/<pid>/stat, opened at attach */
    int mapsfd;    /* /proc/<pid>/maps, opened before HELLO's answer: the
                    * program may make itself non-dumpable right after,
                    * and an open descriptor still reads (maps.h) */
    int pidfd;     /* pidfd_open(pid), or -1: the status after the reap */
    bool attached; /* its HELLO was accepted */
    int memfd;     /* its image, until mapped (then -1) */
    void *base;    /* the image's mapping: mapped once it lives past a
                    * tick, or when it ends with something to write */
    size_t size;
    struct image *img;
    struct module_map maps;
    uint64_t map_gen; /* last generation read */
    uint32_t epoch;   /* module-map epoch (symbolize.h) */
    bool written_end; /* its files are written for good */
    bool dying;       /* channel closed, process not yet seen gone */
    uint64_t dying_ms;
    char tag[16]; /* file name tag, chosen at first write */
    bool tagged;
    bool map_read_once;
    uint64_t hello_ms; /* when it attached */
    struct watch *watch;
    uint64_t next_flush_ms;
};

struct server {
    int lfd;
    int spare;              /* held open to accept (and close) a peer at EMFILE */
    unsigned long fd_limit; /* RLIMIT_NOFILE as last read, 0 unknown */
    bool as_limited;        /* under RLIMIT_AS: map images at HELLO */
    bool said_no_fds;
    struct client *c;
    size_t n, cap;
    struct symbolizer *sym;
    struct inliner *inl; /* its DWARF reader (inlined frames, lines) */
    uint64_t last_tick_ms, idle_since_ms, last_save_ms;
    bool early_end; /* server_set_early_end */
    unsigned ticks;
    char **names; /* "<outdir>/<comm>.<pid>" written, for tags */
    size_t nnames, capnames;
    /* Fork children's channels and memfds received on their parents'
     * channels (ATTACH_FORK), added as clients once the poll round is over
     * (their descriptors may take numbers that round still reads). */
    struct pending_fork {
        int fd, memfd;
        pid_t parent;
    } * forks;
    size_t nforks, capforks;
};

static void how_it_ended(int statfd, int pidfd, char *how, size_t len, int *status);
static void on_hello(struct server *s, struct client *c, int memfd);
static uint64_t map_gen_now(const struct client *c);
static void read_fd_limit(struct server *s);
static void watch_start(struct client *c);

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct server *server_new(const char *name)
{
    struct server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->lfd < 0) {
        free(s);
        return NULL;
    }
    s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    read_fd_limit(s);
    struct rlimit as;
    s->as_limited = getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    size_t nl = strlen(name);
    if (nl > sizeof a.sun_path - 2)
        nl = sizeof a.sun_path - 2;
    memcpy(a.sun_path + 1, name, nl);
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + nl);
    /* A long backlog (the kernel caps it at net.core.somaxconn): a fork
     * storm's children that find their parent's channel full connect
     * here, and a full backlog would hold each in connect() until this
     * collector accepts again. */
    if (bind(s->lfd, (struct sockaddr *)&a, len) < 0 || listen(s->lfd, 4096) < 0) {
        int e = errno;
        close(s->lfd);
        if (s->spare >= 0)
            close(s->spare);
        free(s);
        errno = e;
        return NULL;
    }
    s->sym = symbolizer_new();
    s->inl = inliner_new();
    if (s->sym && s->inl) {
        struct inline_ops ops = inliner_ops(s->inl);
        symbolizer_set_inline_ops(s->sym, &ops);
    }
    s->idle_since_ms = s->last_tick_ms = mono_ms();
    return s;
}

void server_set_early_end(struct server *s, bool early)
{
    s->early_end = early;
}

size_t server_clients(const struct server *s)
{
    return s->n;
}

unsigned long server_idle_ms(const struct server *s)
{
    return s->n ? 0 : (unsigned long)(mono_ms() - s->idle_since_ms);
}

static void reply(int fd, uint32_t type)
{
    struct attach_wire w = {ATTACH_MAGIC, type, (int32_t)getpid(), LAYOUT_VERSION};
    send(fd, &w, sizeof w, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void read_fd_limit(struct server *s)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        s->fd_limit = rl.rlim_cur == RLIM_INFINITY ? 0 : (unsigned long)rl.rlim_cur;
}

void server_more_descriptors(struct server *s)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    read_fd_limit(s);
}

/* Room for one more client: its descriptors, and a reserve for writing
 * the clients' files and reading /proc. */
#define FDS_PER_CLIENT 5
#define FDS_RESERVE 32

static bool room_for_client(const struct server *s)
{
    return !s->fd_limit || s->fd_limit > FDS_RESERVE + (unsigned long)(s->n + 1) * FDS_PER_CLIENT;
}

/* Out of descriptors, a waiting peer would keep the listening socket
 * readable and poll would spin: it is accepted on the spare descriptor and
 * closed, and so collects in-process. false when no peer was waiting
 * (accept says EMFILE before it looks). */
static bool refuse_one(struct server *s)
{
    close(s->spare);
    int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0)
        close(fd);
    s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    if (!s->said_no_fds) {
        s->said_no_fds = true;
        log_error("collector: out of descriptors (%d clients): new processes collect in-process",
                  (int)s->n);
    }
    return true;
}

/* A new client on channel fd (taken: closed on failure), of process pid
 * in our PID namespace; NULL without memory. */
static struct client *add_client(struct server *s, int fd, pid_t pid)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct client *v = realloc(s->c, cap * sizeof *v);
        if (!v) {
            close(fd);
            return NULL;
        }
        s->c = v;
        s->cap = cap;
    }
    struct client *c = &s->c[s->n++];
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->memfd = -1;
    c->pid = pid;
    /* Opened now: at the end, the exit code is read in a race with the
     * parent's wait(), and a path lookup less helps. */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    c->statfd = open(path, O_RDONLY | O_CLOEXEC);
    c->mapsfd = -1;
    c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    return c;
}

static void accept_all(struct server *s)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE) && s->spare >= 0 && refuse_one(s))
            continue;
        if (fd < 0)
            return;
        if (!room_for_client(s)) {
            /* The host sees the close and collects in-process at once. */
            close(fd);
            if (!s->said_no_fds) {
                s->said_no_fds = true;
                log_error("collector: %d clients hold its descriptors (limit %lu): new processes "
                          "collect in-process",
                          (int)s->n, s->fd_limit);
            }
            continue;
        }
        struct ucred cr;
        socklen_t cl = sizeof cr;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 || cr.uid != geteuid()) {
            log_error("refused a peer of another user (uid %d)", (int)cr.uid);
            close(fd);
            continue;
        }
        add_client(s, fd, cr.pid);
    }
}

/* A fork child's module map is its parent's at the fork: copied from the
 * parent's where that is up to date (no map change announced since it was
 * read), instead of reading and parsing the child's /proc/<pid>/maps and
 * checking every file again (a Python or a pre-forking server maps
 * hundreds). */
static void inherit_maps(struct server *s, struct client *c, pid_t parent)
{
    for (size_t i = 0; i < s->n; i++) {
        struct client *p = &s->c[i];
        if (p == c || p->pid != parent || !p->attached || !p->map_read_once)
            continue;
        if (map_gen_now(p) == p->map_gen && maps_copy_live(&c->maps, &p->maps) == 0)
            c->map_read_once = true;
        return;
    }
}

/* A fork child's channel, received on its parent's: the parent's channel
 * vouches for it, whatever user the child runs as by now (a program that
 * dropped privileges; its files are written as ours). Its pid is the one
 * that made the socket pair. The child does not wait for the answer. */
static void add_forks(struct server *s)
{
    for (size_t k = 0; k < s->nforks; k++) {
        int fd = s->forks[k].fd, memfd = s->forks[k].memfd;
        struct ucred cr;
        socklen_t cl = sizeof cr;
        if (!room_for_client(s) || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 ||
            cr.pid <= 0) {
            close(fd);
            close(memfd);
            continue;
        }
        struct client *c = add_client(s, fd, cr.pid);
        if (!c) {
            close(memfd);
            continue;
        }
        fcntl(fd, F_SETFL, O_NONBLOCK);
        inherit_maps(s, c, s->forks[k].parent);
        on_hello(s, c, memfd);
    }
    s->nforks = 0;
}

static void keep_fork(struct server *s, int fd, int memfd, pid_t parent)
{
    if (s->nforks == s->capforks) {
        size_t cap = s->capforks ? s->capforks * 2 : 8;
        struct pending_fork *v = realloc(s->forks, cap * sizeof *v);
        if (!v) {
            close(fd);
            close(memfd);
            return;
        }
        s->forks = v;
        s->capforks = cap;
    }
    s->forks[s->nforks++] = (struct pending_fork){fd, memfd, parent};
}

/* The file name tag of an image: "" unless an earlier image of this
 * collector wrote the same <comm>.<pid> (an image that execs itself, or
 * pid 1 of every PID namespace), then ".2", ".3", ... */
static void choose_tag(struct server *s, struct client *c)
{
    const struct layout_header *h = image_header(c->img);
    char key[CONFIG_PATH_MAX + 64];
    snprintf(key, sizeof key, "%s/%s.%d", h->outdir, h->comm, (int)h->pid);
    unsigned seen = 0;
    for (size_t i = 0; i < s->nnames; i++)
        if (strcmp(s->names[i], key) == 0)
            seen++;
    if (seen)
        snprintf(c->tag, sizeof c->tag, ".%u", seen + 1);
    else
        c->tag[0] = 0;
    c->tagged = true;
    if (s->nnames == s->capnames) {
        size_t cap = s->capnames ? s->capnames * 2 : 64;
        char **v = realloc(s->names, cap * sizeof *v);
        if (!v)
            return;
        s->names = v;
        s->capnames = cap;
    }
    char *k = strdup(key);
    if (k)
        s->names[s->nnames++] = k;
}

/* Write client c's files, unless its image leaves none (`quiet`). */
static void write_image(struct server *s, struct client *c, const char *how, int status, bool quiet)
{
    if (!c->img || !s->sym || quiet)
        return;
    if (!c->tagged)
        choose_tag(s, c);
    symbolizer_reset_modules(s->sym);
    maps_register(&c->maps, s->sym);
    symbolizer_set_jit_pid(s->sym, c->pid);
    struct image_write w = {.sym = s->sym,
                            .how = how,
                            .collector = "process",
                            .exit_status = status,
                            .name_tag = c->tag};
    image_write(c->img, &w);
}

static int maps_read_any(struct client *c, uint32_t epoch)
{
    if (c->mapsfd >= 0)
        return maps_read_fd(c->mapsfd, c->pid, &c->maps, epoch);
    return maps_read(c->pid, &c->maps, epoch);
}

/* Read the maps again; the caller drained first, so what was recorded so
 * far is named in the epoch it was recorded in. */
static void read_maps(struct client *c)
{
    c->map_gen = map_gen_now(c);
    if (!c->map_read_once) {
        maps_read_any(c, 0);
        c->map_read_once = true;
        return;
    }
    uint32_t next = c->epoch + 1 < SYMBOLIZER_EPOCH_ANY ? c->epoch + 1 : c->epoch;
    if (maps_read_any(c, next) > 0 && next != c->epoch) {
        c->epoch = next;
        if (c->img)
            image_set_epoch(c->img, next);
    }
}

/*
 * A client's image is mapped only when there is work on it: at its first
 * tick, on SYNC, or at its end when it leaves files. Most short processes
 * that leave none (a fork child on its way to exec, a child that recorded
 * nothing) are answered from a read of the memfd and never mapped: the
 * unmap of an image (page-table teardown and a TLB-flush IPI) was the
 * largest part of the collector's work per fork child.
 */
static bool pread_full(int fd, void *buf, size_t len, off_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    return true;
}

static uint64_t map_gen_now(const struct client *c)
{
    if (c->base)
        return atomic_load(&((const struct layout_header *)c->base)->map_gen);
    uint64_t g = c->map_gen;
    pread_full(c->memfd, &g, sizeof g, offsetof(struct layout_header, map_gen));
    return g;
}

/* A copy of an unmapped image's header and the slots in use (what
 * layout_leaves_no_files reads), or NULL. free() it. */
static struct layout_header *peek(const struct client *c)
{
    struct layout_header hd;
    if (c->memfd < 0 || !pread_full(c->memfd, &hd, sizeof hd, 0) || image_check(&hd, c->size))
        return NULL;
    uint32_t high = atomic_load(&hd.threads_high);
    if (high > hd.slots_max)
        high = hd.slots_max;
    atomic_store(&hd.threads_high, high);
    /* The checked header, then the slots in use read after it (the gap
     * between them is padding). */
    size_t slots = (size_t)high * hd.slot_bytes;
    struct layout_header *p = malloc((size_t)hd.slots_off + slots);
    if (!p)
        return NULL;
    memcpy(p, &hd, sizeof hd);
    if (!pread_full(c->memfd, (char *)p + hd.slots_off, slots, (off_t)hd.slots_off)) {
        free(p);
        return NULL;
    }
    return p;
}

/* How the host said its image ended (lifecycle_finish), "exit" when it
 * said nothing. */
static void said_how(const struct layout_header *h, char *out, size_t len)
{
    char said[sizeof h->end_how + 1];
    memcpy(said, h->end_how, sizeof h->end_how);
    said[sizeof h->end_how] = 0;
    snprintf(out, len, "%s", said[0] ? said : "exit");
}

static bool ensure_mapped(struct client *c)
{
    if (c->img)
        return true;
    if (c->memfd < 0)
        return false;
    void *m = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, c->memfd, 0);
    const char *why = m == MAP_FAILED ? strerror(errno) : NULL;
    struct image *img = why ? NULL : image_open(m, c->size, NULL, &why);
    if (!img) {
        /* Once: every tick would try (and say so) again. */
        log_error("pid %d: cannot collect its image: %s", (int)c->pid, why);
        if (m != MAP_FAILED)
            munmap(m, c->size);
        close(c->memfd);
        c->memfd = -1;
        return false;
    }
    image_set_proc_pid(img, c->pid);
    if (c->epoch)
        image_set_epoch(img, c->epoch);
    c->base = m;
    c->img = img;
    close(c->memfd);
    c->memfd = -1;
    return true;
}

static void on_hello(struct server *s, struct client *c, int memfd)
{
    struct stat st;
    struct layout_header hd;
    if (c->attached) {
        if (memfd >= 0)
            close(memfd);
        return;
    }
    if (memfd < 0 || fstat(memfd, &st) != 0 || st.st_size <= 0 ||
        !pread_full(memfd, &hd, sizeof hd, 0)) {
        /* (no descriptor came: ours ran out) The host sees the channel
         * close and collects in-process at once, instead of waiting for
         * an answer until its timeout. */
        if (memfd >= 0)
            close(memfd);
        shutdown(c->fd, SHUT_RDWR);
        return;
    }
    const char *why = image_check(&hd, (size_t)st.st_size);
    if (why) {
        /* The host sees the channel close and collects in-process. */
        log_error("pid %d: cannot collect its image: %s", (int)c->pid, why);
        close(memfd);
        shutdown(c->fd, SHUT_RDWR);
        return;
    }
    c->memfd = memfd;
    c->size = (size_t)st.st_size;
    if (s->as_limited && !ensure_mapped(c)) {
        /* Under an address-space limit (a collector started from a
         * `ulimit -v` shell) the image may not fit later: try now, and on
         * failure let the host collect in-process, as it sees the channel
         * close, rather than lose its profile. */
        shutdown(c->fd, SHUT_RDWR);
        return;
    }
    c->attached = true;
    bool inherited = c->map_read_once; /* inherit_maps */
    if (!inherited)
        c->mapsfd = maps_open(c->pid);
    /* The host waits for this answer only: the rest after it. */
    reply(c->fd, ATTACH_HELLO);
    if (inherited)
        c->map_gen = atomic_load(&hd.map_gen);
    else
        read_maps(c);
    uint64_t flush = hd.cfg.flush_ns / 1000000u;
    c->next_flush_ms = flush ? mono_ms() + flush : 0;
    c->hello_ms = mono_ms();
}

/* How a process that left without END ended, from its exit code in
 * /proc/<pid>/stat (readable until its parent reaps it; the channel's end
 * comes before that, as the kernel closes files before it notifies the
 * parent). */

static void *watch_main(void *arg)
{
    struct watch *w = arg;
    while (!atomic_load(&w->stop)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 300 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        int r = pthread_mutex_timedlock(w->life, &ts);
        if (r == ETIMEDOUT)
            continue;
        if (r == EOWNERDEAD || r == 0) {
            how_it_ended(w->statfd, w->pidfd, w->how, sizeof w->how, &w->status);
            if (r == EOWNERDEAD)
                pthread_mutex_consistent(w->life);
            pthread_mutex_unlock(w->life);
            /* A first thread that left by pthread_exit while the rest
             * runs on: not the end; the channel's EOF will tell. */
            if (strcmp(w->how, "channel closed") != 0)
                atomic_store(&w->done, 1);
        }
        break;
    }
    return NULL;
}

static void watch_start(struct client *c)
{
    struct watch *w = calloc(1, sizeof *w);
    if (!w)
        return;
    w->life = &((struct layout_header *)c->base)->life;
    w->statfd = c->statfd;
    w->pidfd = c->pidfd;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (pthread_create(&w->thread, &a, watch_main, w) == 0)
        c->watch = w;
    else
        free(w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&a);
}

static void watch_stop(struct client *c)
{
    if (!c->watch)
        return;
    atomic_store(&c->watch->stop, 1);
    pthread_join(c->watch->thread, NULL);
    free(c->watch);
    c->watch = NULL;
}

/* A wait status (as waitpid gives it, and /proc/<pid>/stat's exit_code
 * field) as meta.json's "end", and the shell's exit status. */
static void describe_status(long code, char *how, size_t len, int *status)
{
    if (code & 0x7f) {
        int sig = (int)(code & 0x7f);
        const char *abbr = sigabbrev_np(sig);
        snprintf(how, len, "signal SIG%s%s", abbr ? abbr : "?",
                 code & 0x80 ? " (core dumped)" : "");
        *status = 128 + sig;
    } else {
        snprintf(how, len, "exit");
        *status = (int)((code >> 8) & 0xff);
    }
}

/* The wait status of a process its parent has reaped, from a pidfd opened
 * before (Linux 6.15: PIDFD_GET_INFO with PIDFD_INFO_EXIT; /proc no longer
 * knows it then). The first 64 bytes of the kernel's struct pidfd_info
 * (its PIDFD_INFO_SIZE_VER0), declared here: older headers lack it. */
struct pidfd_info_v0 {
    uint64_t mask, cgroupid;
    uint32_t ids[11]; /* pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid */
    int32_t exit_code;
};
_Static_assert(sizeof(struct pidfd_info_v0) == 64, "PIDFD_INFO_SIZE_VER0");
#define PIDFD_GET_INFO_V0 _IOWR(0xFF, 11, struct pidfd_info_v0)
#define PIDFD_INFO_EXIT_BIT (1ull << 3)

static bool reaped_status(int pidfd, long *code)
{
    struct pidfd_info_v0 info;
    memset(&info, 0, sizeof info);
    info.mask = PIDFD_INFO_EXIT_BIT;
    if (pidfd < 0 || ioctl(pidfd, PIDFD_GET_INFO_V0, &info) != 0 ||
        !(info.mask & PIDFD_INFO_EXIT_BIT))
        return false;
    *code = info.exit_code;
    return true;
}

static void how_it_ended(int statfd, int pidfd, char *how, size_t len, int *status)
{
    *status = -1;
    snprintf(how, len, "gone (status unknown)");
    char buf[2048];
    long code = 0;
    ssize_t n = statfd >= 0 ? pread(statfd, buf, sizeof buf - 1, 0) : -1;
    if (n <= 0) {
        /* reaped already (a parent that waits at once) */
        if (reaped_status(pidfd, &code))
            describe_status(code, how, len, status);
        return;
    }
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return;
    /* Fields after the command: state is field 3, exit_code field 52. */
    char state = 0;
    int field = 2;
    for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " ")) {
        field++;
        if (field == 3)
            state = tok[0];
        else if (field == 52)
            code = strtol(tok, NULL, 10);
    }
    if (field < 52)
        return;
    if (code || state == 'Z' || state == 'X') {
        describe_status(code, how, len, status);
    } else {
        /* Alive: the channel was closed (an exec outside the library's
         * interposers, or a program that closed it). */
        snprintf(how, len, "channel closed");
    }
}

static void drop(struct server *s, size_t i)
{
    struct client *c = &s->c[i];
    watch_stop(c);
    image_free(c->img);
    if (c->base)
        munmap(c->base, c->size);
    if (c->memfd >= 0)
        close(c->memfd);
    maps_free(&c->maps);
    close(c->fd);
    if (c->statfd >= 0)
        close(c->statfd);
    if (c->mapsfd >= 0)
        close(c->mapsfd);
    if (c->pidfd >= 0)
        close(c->pidfd);
    s->c[i] = s->c[--s->n];
    if (!s->n)
        s->idle_since_ms = mono_ms();
}

/* The end of client i's image: by END (already written) or EOF. */
static void on_eof(struct server *s, size_t i, char *how, size_t howlen, int status)
{
    struct client *c = &s->c[i];
    struct layout_header *copy = NULL;
    const struct layout_header *lh = c->img ? c->base : (copy = peek(c));
    if (c->attached && !c->written_end && lh) {
        if (atomic_load_explicit(&lh->end, memory_order_acquire) == LAYOUT_ENDED) {
            /* It said how before it went (an exit that could not wait). */
            if (strncmp(how, "signal", 6) != 0) {
                said_how(lh, how, howlen);
                if (lh->end_status >= 0)
                    status = lh->end_status;
            }
        }
        if (!layout_leaves_no_files(lh, how) && ensure_mapped(c)) {
            image_drain(c->img, false);
            write_image(s, c, how, status, false);
        }
    }
    free(copy);
    drop(s, i);
}

static void on_end(struct server *s, struct client *c)
{
    if (!c->attached)
        return;
    if (!c->img) {
        /* Nothing recorded and no files to leave: answered unmapped. */
        struct layout_header *p = peek(c);
        bool quiet = false;
        if (p) {
            char how[sizeof p->end_how + 1];
            said_how(p, how, sizeof how);
            quiet = layout_leaves_no_files(p, how);
            free(p);
        }
        if (quiet || !ensure_mapped(c)) {
            c->written_end = true;
            reply(c->fd, ATTACH_END);
            return;
        }
    }
    image_drain(c->img, true);
    /* The process waits, still mapped as it ran: its map is read again if
     * it changed since the last read (the host bumps the generation on
     * dlopen, dlclose, code mapped with mmap, and at its end when the
     * loader's counts moved: modules libc loaded itself). */
    const struct layout_header *lh = c->base;
    if (!c->map_read_once || atomic_load(&lh->map_gen) != c->map_gen)
        read_maps(c);
    char how[sizeof lh->end_how + 1];
    said_how(lh, how, sizeof how);
    if (s->early_end)
        reply(c->fd, ATTACH_END);
    write_image(s, c, how, lh->end_status, layout_leaves_no_files(lh, how));
    c->written_end = true;
    if (!s->early_end)
        reply(c->fd, ATTACH_END);
}

/* Read client i's messages; false when it is gone (dropped). */
static bool serve(struct server *s, size_t i, bool hup)
{
    char how[64];
    int status = -1;
    how[0] = 0;
    /* The peer hung up: read its exit code before anything else. */
    if (hup)
        how_it_ended(s->c[i].statfd, s->c[i].pidfd, how, sizeof how, &status);
    for (;;) {
        struct client *c = &s->c[i];
        struct attach_wire w;
        struct iovec iov = {&w, sizeof w};
        union {
            char buf[CMSG_SPACE(sizeof(int) * 4)];
            struct cmsghdr align;
        } u;
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
        ssize_t r = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            return true;
        /* Up to two descriptors (ATTACH_FORK's); more are closed. */
        int passed = -1, passed2 = -1;
        for (struct cmsghdr *cm = r > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm;
             cm = CMSG_NXTHDR(&mh, cm)) {
            if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                continue;
            size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t k = 0; k < nfd; k++) {
                int fd;
                memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof fd);
                if (passed < 0)
                    passed = fd;
                else if (passed2 < 0)
                    passed2 = fd;
                else
                    close(fd);
            }
        }
        if (passed2 >= 0 &&
            !(r == (ssize_t)sizeof w && w.magic == ATTACH_MAGIC && w.version == LAYOUT_VERSION &&
              w.type == ATTACH_FORK && c->attached && passed >= 0)) {
            close(passed2);
            passed2 = -1;
        }
        if (r <= 0) {
            if (passed >= 0)
                close(passed);
            /* Without a pidfd, the watcher saw the end first, or a last
             * look now. An image that said END has said how it ended and
             * its files are written, and one read as killed by a signal is
             * known: nothing to wait for. */
            if (c->watch && !c->written_end && strncmp(how, "signal", 6) != 0) {
                for (int k = 0; k < 20 && !atomic_load(&c->watch->done); k++)
                    usleep(1000);
                if (atomic_load(&c->watch->done)) {
                    snprintf(how, sizeof how, "%s", c->watch->how);
                    status = c->watch->status;
                }
            }
            if (!how[0] || strncmp(how, "gone", 4) == 0)
                how_it_ended(c->statfd, c->pidfd, how, sizeof how, &status);
            if (!c->written_end && c->pidfd >= 0 && strcmp(how, "channel closed") == 0) {
                /* Still running: a process closes its files before it
                 * becomes a zombie, and one that ended past the
                 * interposers (a raw exit_group) reads as alive with code
                 * 0 until then; or it lives on without the channel. Its
                 * pidfd, polled with the rest, says when it is gone; every
                 * other client is served meanwhile. */
                c->dying = true;
                c->dying_ms = mono_ms();
                return true;
            }
            on_eof(s, i, how, sizeof how, status);
            return false;
        }
        if (r == (ssize_t)sizeof w && w.magic == ATTACH_MAGIC && w.version != LAYOUT_VERSION &&
            !c->attached) {
            /* A library of another build (FLAMEPRE_SOCKET names this
             * collector explicitly): hang up, so it falls back at once
             * instead of waiting for an answer that never comes. */
            log_error("collector: pid %d speaks layout version %u, this collector %u: refused",
                      (int)w.pid, (unsigned)w.version, (unsigned)LAYOUT_VERSION);
            if (passed >= 0)
                close(passed);
            drop(s, i);
            return false;
        }
        if (r != (ssize_t)sizeof w || w.magic != ATTACH_MAGIC || w.version != LAYOUT_VERSION) {
            if (passed >= 0)
                close(passed);
            continue;
        }
        switch (w.type) {
        case ATTACH_HELLO:
            on_hello(s, c, passed);
            passed = -1;
            break;
        case ATTACH_SYNC:
            if (c->attached && ensure_mapped(c)) {
                image_drain(c->img, false);
                read_maps(c);
            }
            reply(c->fd, ATTACH_SYNC);
            break;
        case ATTACH_END: on_end(s, c); break;
        case ATTACH_FORK:
            /* (passed2 is set only for a well-formed one from an
             * attached parent) */
            if (passed2 >= 0) {
                keep_fork(s, passed, passed2, c->pid);
                passed = -1;
            }
            break;
        default: break;
        }
        if (passed >= 0)
            close(passed);
    }
}

/* Client i's process is gone (its pidfd is readable), or its channel
 * closed DYING_MS ago: messages still queued first, then its files. */
static void on_gone(struct server *s, size_t i)
{
    if (!s->c[i].dying && !serve(s, i, true))
        return; /* the channel's end came with it: written and dropped */
    struct client *c = &s->c[i];
    char how[64];
    int status;
    how_it_ended(c->statfd, c->pidfd, how, sizeof how, &status);
    on_eof(s, i, how, sizeof how, status);
}

static void tick(struct server *s)
{
    bool refresh = ++s->ticks % REFRESH_TICKS == 0;
    uint64_t now = mono_ms();
    for (size_t i = s->n; i-- > 0;) {
        if (s->c[i].dying && now - s->c[i].dying_ms >= DYING_MS)
            on_gone(s, i);
    }
    for (size_t i = 0; i < s->n; i++) {
        struct client *c = &s->c[i];
        if (!c->attached || c->written_end)
            continue;
        if (!c->img && (now - c->hello_ms < TICK_MS || !ensure_mapped(c)))
            continue;
        /* Without a pidfd, its exit watcher, once it has lived a tick:
         * most short-lived processes end (with END) before and never need
         * one. */
        if (!c->watch && c->pidfd < 0 && now - c->hello_ms >= TICK_MS)
            watch_start(c);
        /* After dlopen/dlclose at once; once a second for code mapped
         * without the loader (a runtime's mmap of its own file). */
        if (refresh || atomic_load(&((struct layout_header *)c->base)->map_gen) != c->map_gen) {
            image_drain(c->img, false);
            read_maps(c);
        }
        image_drain(c->img, refresh);
        if (c->next_flush_ms && now >= c->next_flush_ms) {
            write_image(s, c, "running (snapshot)", -1, false);
            c->next_flush_ms = now + image_header(c->img)->cfg.flush_ns / 1000000u;
        }
    }
}

size_t server_step(struct server *s, int timeout_ms)
{
    /* The listening socket; each client's channel (until it closed) and
     * its pidfd. */
    size_t cap = 2 * s->n + 1;
    struct pollfd stackfds[64];
    struct pollfd *pf = cap <= 64 ? stackfds : malloc(cap * sizeof *pf);
    size_t nclients = s->n;
    if (!pf) {
        pf = stackfds;
        nclients = 0;
    }
    size_t nfds = 0;
    pf[nfds++] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
    for (size_t i = 0; i < nclients; i++) {
        const struct client *c = &s->c[i];
        if (!c->dying)
            pf[nfds++] = (struct pollfd){.fd = c->fd, .events = POLLIN | POLLRDHUP};
        if (c->pidfd >= 0)
            pf[nfds++] = (struct pollfd){.fd = c->pidfd, .events = POLLIN};
    }
    uint64_t now = mono_ms();
    int wait = timeout_ms;
    if (s->n) {
        uint64_t due = s->last_tick_ms + TICK_MS;
        int left = due > now ? (int)(due - now) : 0;
        if (left < wait)
            wait = left;
    }
    int r = poll(pf, nfds, wait);
    if (r > 0) {
        /* Clients first (by descriptor: drops reorder the array). */
        for (size_t k = 1; k < nfds; k++) {
            if (!pf[k].revents)
                continue;
            for (size_t i = 0; i < s->n; i++) {
                if (s->c[i].fd == pf[k].fd && !s->c[i].dying) {
                    serve(s, i, pf[k].revents & (POLLHUP | POLLRDHUP));
                    break;
                }
                if (s->c[i].pidfd == pf[k].fd) {
                    on_gone(s, i);
                    break;
                }
            }
        }
        if (pf[0].revents)
            accept_all(s);
    }
    add_forks(s);
    if (pf != stackfds)
        free(pf);
    now = mono_ms();
    if (now - s->last_tick_ms >= TICK_MS) {
        s->last_tick_ms = now;
        tick(s);
        /* What the inline cache learnt, for the next collector: when no
         * program is connected, else now and then (inlcache.h). */
        if (s->inl && (s->n == 0 || now - s->last_save_ms >= CACHE_SAVE_MS)) {
            inliner_save(s->inl);
            s->last_save_ms = now;
        }
        add_forks(s); /* received by a tick's last look at an ended image */
    }
    return s->n;
}

void server_finish_all(struct server *s, const char *how)
{
    add_forks(s);
    while (s->n) {
        struct client *c = &s->c[s->n - 1];
        if (c->attached && !c->written_end && ensure_mapped(c)) {
            image_drain(c->img, true);
            write_image(s, c, how, -1, false);
        }
        drop(s, s->n - 1);
    }
}

void server_free(struct server *s)
{
    if (!s)
        return;
    server_finish_all(s, "collector stopped");
    close(s->lfd);
    if (s->spare >= 0)
        close(s->spare);
    free(s->c);
    free(s->forks);
    for (size_t i = 0; i < s->nnames; i++)
        free(s->names[i]);
    free(s->names);
    symbolizer_free(s->sym);
    inliner_free(s->inl);
    free(s);
}
