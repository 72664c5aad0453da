/*
 * Slot table of profiled threads (see threads.h for the model).
 * Claiming is a CAS from FREE to CLAIMED on the first free slot, so two
 * threads starting at once never share one; buffers come from one mmap per
 * slot, kept across reuse.
 */
#include "preload/threads.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "preload/config.h"

__thread struct tstate tstate __attribute__((tls_model("initial-exec")));

struct tslot threads_slots[THREADS_MAX];
_Atomic unsigned threads_high;
_Atomic uint64_t threads_unprofiled;
static _Atomic uint64_t next_serial = 1;
static unsigned ring_words = RING_WORDS;

void threads_set_ring_words(unsigned words)
{
    ring_words = words;
}

static int slot_buffers(struct tslot *s)
{
    if (s->ring.words)
        return 0;
    size_t ring_bytes = (size_t)ring_words * sizeof(uint64_t);
    size_t scratch_bytes = 2 * (size_t)CONFIG_MAX_DEPTH * sizeof(uintptr_t);
    void *m = mmap(NULL, ring_bytes + scratch_bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return -1;
    s->ring.words = m;
    s->ring.mask = ring_words - 1;
    s->scratch = (uintptr_t *)((char *)m + ring_bytes);
    s->alloc_scratch = s->scratch + CONFIG_MAX_DEPTH;
    return 0;
}

/* A fresh identity for a slot: empty ring, new serial, zero counters. */
static void slot_reset(struct tslot *s, pid_t tid)
{
    atomic_store(&s->ring.head, 0);
    atomic_store(&s->ring.tail, 0);
    s->ring.tail_seen = 0;
    s->tid = tid;
    s->serial = atomic_fetch_add(&next_serial, 1);
    s->perf_fd = -1;
    s->has_timer = false;
    s->name[0] = 0;
    atomic_store(&s->samples, 0);
    atomic_store(&s->dropped, 0);
    atomic_store(&s->unwind_fail, 0);
    atomic_store(&s->truncated, 0);
    atomic_store(&s->shallow, 0);
    atomic_store(&s->alloc_sampled, 0);
    atomic_store(&s->alloc_dropped, 0);
    atomic_store(&s->wait_sampled, 0);
    atomic_store(&s->wait_dropped, 0);
}

struct tslot *threads_claim(pid_t tid, bool foreign)
{
    for (unsigned i = 0; i < THREADS_MAX; i++) {
        struct tslot *s = &threads_slots[i];
        int expect = SLOT_FREE;
        if (!atomic_compare_exchange_strong(&s->state, &expect, SLOT_CLAIMED))
            continue;
        if (slot_buffers(s) < 0) {
            atomic_store(&s->state, SLOT_FREE);
            break;
        }
        slot_reset(s, tid);
        s->foreign = foreign;
        s->stack_lo = s->stack_hi = 0;
        unsigned high = atomic_load(&threads_high);
        while (high < i + 1 && !atomic_compare_exchange_weak(&threads_high, &high, i + 1))
            ;
        atomic_store_explicit(&s->state, SLOT_ACTIVE, memory_order_release);
        return s;
    }
    atomic_fetch_add(&threads_unprofiled, 1);
    return NULL;
}

struct tslot *threads_self(void)
{
    struct tslot *s = tstate.slot;
    if (s || tstate.exiting)
        return s;
    pid_t tid = threads_gettid();
    unsigned high = atomic_load_explicit(&threads_high, memory_order_acquire);
    for (unsigned i = 0; i < high; i++) {
        struct tslot *c = &threads_slots[i];
        if (atomic_load_explicit(&c->state, memory_order_acquire) == SLOT_ACTIVE && c->tid == tid) {
            tstate.slot = c;
            return c;
        }
    }
    return NULL;
}

void threads_retire(struct tslot *s)
{
    atomic_store_explicit(&s->state, SLOT_EXITED, memory_order_release);
}

void threads_free(struct tslot *s)
{
    atomic_store_explicit(&s->state, SLOT_FREE, memory_order_release);
}

/* Set by the dynamic loader: the initial thread's stack top, near argv. */
extern void *__libc_stack_end;

/* Parse "from-to" (lowercase hex, as /proc/PID/maps writes them) at the
 * start of a maps line; false when the line does not start so. */
static bool maps_range(const char *p, const char *end, uintptr_t *from, uintptr_t *to)
{
    uintptr_t v[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        const char *start = p;
        for (; p < end; p++) {
            unsigned d;
            if (*p >= '0' && *p <= '9')
                d = (unsigned)(*p - '0');
            else if (*p >= 'a' && *p <= 'f')
                d = (unsigned)(*p - 'a' + 10);
            else
                break;
            if (v[k] >> (sizeof(uintptr_t) * 8 - 4))
                return false;
            v[k] = v[k] << 4 | d;
        }
        if (p == start || (k == 0 && (p == end || *p++ != '-')))
            return false;
    }
    *from = v[0];
    *to = v[1];
    return true;
}

/* The initial thread's stack as glibc's pthread_getattr_np computes it: the
 * top is the page after __libc_stack_end; the size is RLIMIT_STACK less the
 * part of the mapping above that top, page-aligned, and at most the gap
 * down to the end of the mapping below. glibc reads /proc/self/maps with
 * stdio and sscanf and also fetches the CPU affinity: ~120 us of every
 * profiled start-up, of which read(2) buffers and a hex parser save ~30
 * (the kernel's formatting of the maps is the rest). False when this is not the initial thread's stack (a fork child of
 * another thread) or anything is unexpected (a line longer than the
 * buffer): the caller asks glibc. */
static bool initial_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
    uintptr_t top = (uintptr_t)__libc_stack_end;
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    struct rlimit rl;
    if (!top || !page || (page & (page - 1)) || getrlimit(RLIMIT_STACK, &rl) != 0)
        return false;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[8192];   /* a line is at most a path (PATH_MAX) and ~80 bytes */
    size_t have = 0, pos = 0;
    bool eof = false, found = false;
    uintptr_t last_to = 0, from = 0, to = 0;
    while (!found) {
        char *nl = memchr(buf + pos, '\n', have - pos);
        if (!nl) {
            if (eof)
                break;
            memmove(buf, buf + pos, have - pos);
            have -= pos;
            pos = 0;
            if (have == sizeof buf)
                break;
            ssize_t n = read(fd, buf + have, sizeof buf - have);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                break;
            eof = n == 0;
            have += (size_t)n;
            continue;
        }
        uintptr_t f, t;
        if (maps_range(buf + pos, nl, &f, &t)) {   /* glibc skips lines it cannot parse */
            from = f;
            to = t;
            if (from <= top && top < to)
                found = true;
            else
                last_to = to;
        }
        pos = (size_t)(nl + 1 - buf);
    }
    close(fd);
    if (!found || here < from || here >= to)
        return false;
    uintptr_t stack_end = (top & -page) + page;
    uintptr_t size = ((uintptr_t)rl.rlim_cur - (to - stack_end)) & -page;
    if (size > stack_end - last_to)
        size = stack_end - last_to;
    *lo = stack_end - size;
    *hi = stack_end;
    return true;
}

void threads_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
    pthread_attr_t attr;
    void *addr;
    size_t size;
    *lo = *hi = 0;
    if (threads_gettid() == getpid() && initial_stack_bounds(lo, hi))
        return;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
        *lo = (uintptr_t)addr;
        *hi = (uintptr_t)addr + size;
    }
    pthread_attr_destroy(&attr);
}

struct tslot *threads_after_fork_child(struct tslot *self)
{
    unsigned high = atomic_load(&threads_high);
    for (unsigned i = 0; i < high; i++) {
        struct tslot *s = &threads_slots[i];
        if (s == self)
            continue;
        /* Inherited perf fds watch the parent's threads: not ours to keep. */
        if (s->perf_fd >= 0) {
            close(s->perf_fd);
            s->perf_fd = -1;
        }
        s->has_timer = false;   /* timers are not inherited by fork */
        atomic_store(&s->state, SLOT_FREE);
    }
    if (self) {
        if (self->perf_fd >= 0) {
            close(self->perf_fd);
            self->perf_fd = -1;
        }
        slot_reset(self, threads_gettid());
    }
    return self;
}

struct tslot *threads_own_slot(struct tslot *(*adopt)(void))
{
    struct tslot *s = tstate.slot;
    if (s)
        return s;
    if (tstate.exiting || tstate.no_slot)
        return NULL;
    s = threads_self();
    if (s)
        return s;
    if (tstate.in_loader || !adopt)
        return NULL;
    s = adopt();
    if (!s)
        tstate.no_slot = 1;
    return s;
}

uint64_t threads_seed(uint64_t salt)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t seed = (uint64_t)threads_gettid() * 0x9e3779b97f4a7c15ull ^
                    (uint64_t)ts.tv_nsec * 0xbf58476d1ce4e5b9ull ^ (uintptr_t)&tstate ^
                    salt * 0x94d049bb133111ebull;
    return seed ? seed : 1;
}
