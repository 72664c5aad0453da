/*
 * Wait recording core (see wait.h for the model).
 *
 * Sampling math: the allocation sampler's (alloc.c, which cites tcmalloc,
 * jemalloc and Go), with nanoseconds of waiting in place of bytes. Sample
 * points form a Poisson process of rate 1/T along each thread's waiting
 * time; a wait of d ns holds at least one point with probability
 * p(d) = 1 - exp(-d/T), independently of every other wait (memoryless
 * countdown), so weighting a sampled wait by d/p ns, 1/p calls and b/p bytes
 * gives unbiased totals. Waits much longer than T are always sampled and
 * weigh their own duration; short waits (an uncontended read from the page
 * cache) are rarely sampled and weigh about T each. alloc_draw and
 * alloc_weight implement the draw and the weights; this file only adds the
 * bytes weight.
 *
 * The bytes of I/O are weighted by the same 1/p: bytes moved by calls that
 * are never long (non-blocking sockets) are estimated with more variance
 * than their time, but without bias.
 */
#include "preload/wait.h"

#include <errno.h>
#include <fcntl.h>
#include "preload/expmath.h"
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "preload/alloc.h"
#include "preload/log.h"
#include "preload/record.h"
#include "preload/strbuild.h"
#include "preload/unwind.h"

int wait_lock_on;
int wait_io_on;
int wait_wall_on;
int wait_lock_addr;

static uint64_t mean;
static unsigned depth = 128;
static bool timeline; /* FLAMEPRE_TIMELINE: each wait carries its start time */
static struct wait_host host;

#define RING_WAIT_NS (2ull * 1000000000ull)

int wait_init(const struct config *cfg, const struct wait_host *h)
{
    mean = cfg->wait_sample_ns;
    wait_lock_addr = cfg->lock_addr;
    timeline = cfg->timeline;
    depth = cfg->depth < CONFIG_MAX_DEPTH ? cfg->depth : CONFIG_MAX_DEPTH;
    if (h)
        host = *h;
    return 0;
}

void wait_start(unsigned events)
{
    if (events & (EV_LOCK | EV_WALL))
        __atomic_store_n(&wait_lock_on, 1, __ATOMIC_RELEASE);
    if (events & (EV_IO | EV_WALL))
        __atomic_store_n(&wait_io_on, 1, __ATOMIC_RELEASE);
    if (events & EV_WALL)
        __atomic_store_n(&wait_wall_on, 1, __ATOMIC_RELEASE);
}

void wait_stop(void)
{
    /* Stores only what changes (see alloc_stop). */
    if (__atomic_load_n(&wait_lock_on, __ATOMIC_ACQUIRE))
        __atomic_store_n(&wait_lock_on, 0, __ATOMIC_RELEASE);
    if (__atomic_load_n(&wait_io_on, __ATOMIC_ACQUIRE))
        __atomic_store_n(&wait_io_on, 0, __ATOMIC_RELEASE);
    if (__atomic_load_n(&wait_wall_on, __ATOMIC_ACQUIRE))
        __atomic_store_n(&wait_wall_on, 0, __ATOMIC_RELEASE);
}

void wait_weight(uint64_t d, uint64_t t, uint64_t bytes, uint64_t *ns, uint64_t *count_fx,
                 uint64_t *bytes_w)
{
    /* A wait that measured 0 ns (clock granularity) still happened: give
     * it 1 ns so it has a probability and a weight. */
    if (d == 0)
        d = 1;
    alloc_weight(d, t, ns, count_fx);
    if (t == 0 || bytes == 0) {
        *bytes_w = bytes;
        return;
    }
    double p = -expmath_expm1_neg(-(double)d / (double)t);
    double b = p > 0 && p < 1 ? (double)bytes / p + 0.5 : (double)bytes;
    *bytes_w = b >= 1.8e19 ? UINT64_MAX : (uint64_t)b;
}

/* ---- descriptor classification ---- */

static enum wait_fd_kind classify_anon(int fd)
{
    char path[32];
    char *e = sb_uint(sb_str(path, path + sizeof path - 1, "/proc/self/fd/"),
                      path + sizeof path - 1, (unsigned)fd);
    *e = 0;
    char link[64];
    ssize_t r = readlink(path, link, sizeof link - 1);
    if (r <= 0)
        return FDK_ANON;
    link[r] = 0;
    if (strstr(link, "eventfd"))
        return FDK_EVENTFD;
    if (strstr(link, "timerfd"))
        return FDK_TIMERFD;
    if (strstr(link, "signalfd"))
        return FDK_SIGNALFD;
    if (strstr(link, "eventpoll"))
        return FDK_EPOLL;
    if (strstr(link, "inotify"))
        return FDK_INOTIFY;
    return FDK_ANON;
}

enum wait_fd_kind wait_classify_fd(int fd)
{
    int saved = errno;
    enum wait_fd_kind k = FDK_OTHER;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        goto out;
    switch (st.st_mode & S_IFMT) {
    case S_IFREG: k = FDK_FILE; break;
    case S_IFDIR: k = FDK_DIR; break;
    case S_IFIFO: k = FDK_PIPE; break;
    case S_IFBLK: k = FDK_BLK; break;
    case S_IFCHR: {
        unsigned maj = major(st.st_rdev);
        /* 4: tty/ttyS, 5: tty/console/ptmx, 136-143: pts */
        k = maj == 4 || maj == 5 || (maj >= 136 && maj <= 143) ? FDK_TTY : FDK_CHR;
        break;
    }
    case S_IFSOCK: {
        int dom = 0, type = 0;
        socklen_t l1 = sizeof dom, l2 = sizeof type;
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l1) < 0 ||
            getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l2) < 0) {
            k = FDK_SOCK;
        } else if (dom == AF_UNIX) {
            k = FDK_UNIX;
        } else if (dom == AF_NETLINK) {
            k = FDK_NETLINK;
        } else if (dom == AF_INET || dom == AF_INET6) {
            k = type == SOCK_STREAM ? FDK_TCP : type == SOCK_DGRAM ? FDK_UDP : FDK_SOCK;
        } else {
            k = FDK_SOCK;
        }
        break;
    }
    default:
        /* Anonymous inodes (eventfd, timerfd, epoll, ...) have no type. */
        k = classify_anon(fd);
        break;
    }
out:
    errno = saved;
    return k;
}

/* ---- recording ---- */

static struct tslot *own_slot(void)
{
    return threads_own_slot(host.adopt);
}

static bool recording(void)
{
    return __atomic_load_n(&wait_lock_on, __ATOMIC_ACQUIRE) ||
           __atomic_load_n(&wait_io_on, __ATOMIC_ACQUIRE) ||
           __atomic_load_n(&wait_wall_on, __ATOMIC_ACQUIRE);
}

static bool ring_reserve(struct tslot *s, uint64_t words)
{
    if (ring_has_room(&s->ring, words))
        return true;
    if (words > s->ring.mask + 1)
        return false;
    struct timespec nap = {0, 100000};
    for (uint64_t waited = 0; waited < RING_WAIT_NS; waited += (uint64_t)nap.tv_nsec) {
        /* (a killed collector made every sampled wait sleep 2 s here: a
         * 4 s program ran for minutes) */
        if (!recording() || (host.gone && host.gone()))
            return false;
        if (host.kick)
            host.kick();
        nanosleep(&nap, NULL);
        if (ring_has_room(&s->ring, words))
            return true;
    }
    return false;
}

_Static_assert(!(WAIT_F_OBJ & (UNW_F_TRUNCATED | UNW_F_FAILED | UNW_F_SHALLOW | UNW_F_LOW_STACK)),
               "WAIT_F_OBJ is clear of the unwinder's flags");
_Static_assert(!(REC_F_TIME &
                 (WAIT_F_OBJ | UNW_F_TRUNCATED | UNW_F_FAILED | UNW_F_SHALLOW | UNW_F_LOW_STACK)),
               "REC_F_TIME is clear of the other record flags");

/* Write one REC_WAIT record. Guard held. */
static void record_wait(uint32_t label, uint64_t d, uint64_t bytes, const void *obj,
                        uintptr_t caller)
{
    struct tslot *s = own_slot();
    if (!s) {
        atomic_fetch_add_explicit(&shm_hdr->c.wait_no_thread, 1, memory_order_relaxed);
        return;
    }
    if (tstate.ring_busy) {
        atomic_fetch_add_explicit(&shm_hdr->c.wait_reentrant, 1, memory_order_relaxed);
        return;
    }
    struct record_wait w = {.label = label};
    wait_weight(d, mean, bytes, &w.ns, &w.count_fx, &w.bytes);
    /* The ring is held only while the record is written: a CPU sample
     * that lands in the walk below is recorded (under [flamepre], or
     * leaf-only inside the unwinder), not dropped. The walk's buffer is
     * alloc_scratch, never the handler's; a program's handler that
     * interrupts here finds the guard held and records nothing. */
    unsigned flags;
    uintptr_t *pcs = s->alloc_scratch;
    unsigned off = obj ? 1 : 0;
    unsigned n = unwind_capture_here(caller, s->stack_lo, s->stack_hi, pcs + off,
                                     depth > off ? depth - off : 1, &flags, NULL);
    slot_count_unwind(s, flags);
    if (obj) {
        pcs[0] = (uintptr_t)obj;
        n++;
        flags |= WAIT_F_OBJ;
    }
    uint64_t start = 0;
    if (timeline) {
        uint64_t now = wait_now();
        start = now > d ? now - d : 1; /* the wait began d ns ago */
    }
    bool put = false;
    if (ring_reserve(s, record_words(REC_WAIT, n, start != 0))) {
        tstate.ring_busy = 1;
        put = record_put_wait(&s->ring, pcs, n, flags, &w, start);
        tstate.ring_busy = 0;
    }
    ctr_add(put ? &s->wait_sampled : &s->wait_dropped, 1);
}

__attribute__((noinline)) void wait_sample_slow(uint32_t label, int fd, uint64_t d, uint64_t bytes,
                                                const void *obj, uintptr_t caller)
{
    if (tstate.guard || tstate.io_nest) {
        /* The profiler's own wait, or a call inside a stdio call that is
         * recorded as a whole: it must not use up the countdown. */
        tstate.wait_left += (int64_t)d;
        return;
    }
    if (!recording())
        return;
    int saved = errno;
    tstate.guard++;
    if (sample_countdown(&tstate.wait_left, &tstate.wait_rng, &tstate.wait_ready, 2, mean,
                         (int64_t)d)) {
        if (fd >= 0)
            label = WAIT_LABEL(WAIT_LABEL_CALL(label), wait_classify_fd(fd));
        record_wait(label, d, bytes, obj, caller);
    }
    tstate.guard--;
    errno = saved;
}
