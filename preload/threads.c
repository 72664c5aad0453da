/*
 * Slot table of profiled threads (see threads.h for the model).
 * Claiming is a CAS from FREE to CLAIMED on the first free slot, so two
 * threads starting at once never share one; buffers come from one mmap per
 * slot, kept across reuse.
 */
#include "preload/threads.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <stdbool.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "preload/config.h"
#include "preload/fds.h"

__thread struct tstate tstate __attribute__((tls_model("initial-exec")));

struct tslot *threads_slots;
static _Atomic uint64_t next_serial = 1;
/* The slot's ring is its region of the shared mapping; its scratch
 * buffers are private to the host (mapped once, kept across reuse). */
static int slot_buffers(struct tslot *s)
{
    if (s->scratch)
        return 0;
    size_t scratch_bytes = 2 * (size_t)CONFIG_MAX_DEPTH * sizeof(uintptr_t) + UNWIND_CURSOR_BYTES;
    void *m = mmap(NULL, scratch_bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return -1;
    s->ring.words = shm_ring_words((unsigned)(s - threads_slots));
    s->ring.mask = shm_hdr->ring_words - 1;
    s->scratch = m;
    s->alloc_scratch = s->scratch + CONFIG_MAX_DEPTH;
    s->unw_cursor = s->alloc_scratch + CONFIG_MAX_DEPTH;
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
    atomic_store(&s->low_stack, 0);
    atomic_store(&s->alloc_sampled, 0);
    atomic_store(&s->alloc_dropped, 0);
    atomic_store(&s->wait_sampled, 0);
    atomic_store(&s->wait_dropped, 0);
    atomic_store(&s->tl_dropped, 0);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    s->start_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    atomic_store(&s->end_ns, 0);
    s->run_delay0 = 0;
    atomic_store(&s->run_delay_ns, 0);
}

struct tslot *threads_claim(pid_t tid, bool foreign)
{
    if (!threads_slots)
        return NULL;
    for (unsigned i = 0; i < shm_hdr->slots_max; i++) {
        struct tslot *s = &threads_slots[i];
        int expect = SLOT_FREE;
        if (atomic_load_explicit(&s->state, memory_order_relaxed) != SLOT_FREE ||
            !atomic_compare_exchange_strong(&s->state, &expect, SLOT_CLAIMED))
            continue;
        if (slot_buffers(s) < 0) {
            atomic_store(&s->state, SLOT_FREE);
            break;
        }
        slot_reset(s, tid);
        s->foreign = foreign;
        s->stack_lo = s->stack_hi = 0;
        unsigned high = atomic_load(&shm_hdr->threads_high);
        while (high < i + 1 && !atomic_compare_exchange_weak(&shm_hdr->threads_high, &high, i + 1))
            ;
        atomic_store_explicit(&s->state, SLOT_ACTIVE, memory_order_release);
        return s;
    }
    atomic_fetch_add(&shm_hdr->c.threads_unprofiled, 1);
    return NULL;
}

struct tslot *threads_self(void)
{
    struct tslot *s = tstate.slot;
    if (s || tstate.exiting)
        return s;
    pid_t tid = threads_gettid();
    unsigned high = atomic_load_explicit(&shm_hdr->threads_high, memory_order_acquire);
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

/* The main thread's stack without pthread_getattr_np, which reads all of
 * /proc/self/maps through stdio for it (a dozen system calls in every
 * process). The kernel puts the executable's name (AT_EXECFN) at the very
 * top of the initial stack, so the mapping ends at the page after it;
 * the stack may grow down to RLIMIT_STACK below that, where the kernel
 * keeps other mappings out. false (use pthread_getattr_np) when the limit
 * is infinite or the caller's frame is not inside the result (which also
 * catches a caller that is not the main thread after all). */
static bool main_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
    const char *fn = (const char *)getauxval(AT_EXECFN);
    struct rlimit rl;
    if (!fn || getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return false;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t top = ((uintptr_t)fn + strlen(fn) + 1 + page - 1) & ~(page - 1);
    uintptr_t size = (uintptr_t)rl.rlim_cur & ~(page - 1);
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    if (size == 0 || size > top || here >= top || here < top - size)
        return false;
    *lo = top - size;
    *hi = top;
    return true;
}

void threads_stack_bounds(bool main_thread, uintptr_t *lo, uintptr_t *hi)
{
    if (main_thread && main_stack_bounds(lo, hi))
        return;
    pthread_attr_t attr;
    void *addr;
    size_t size;
    *lo = *hi = 0;
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
    unsigned high = atomic_load(&shm_hdr->threads_high);
    for (unsigned i = 0; i < high; i++) {
        struct tslot *s = &threads_slots[i];
        if (s == self)
            continue;
        /* Inherited perf fds watch the parent's threads: not ours to keep. */
        if (s->perf_fd >= 0) {
            fds_close(s->perf_fd);
            s->perf_fd = -1;
        }
        s->has_timer = false; /* timers are not inherited by fork */
        atomic_store(&s->state, SLOT_FREE);
    }
    if (self) {
        if (self->perf_fd >= 0) {
            fds_close(self->perf_fd);
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

void threads_reap_gone(void (*retire)(struct tslot *s))
{
    if (!threads_slots)
        return;
    unsigned high = atomic_load(&shm_hdr->threads_high);
    pid_t self = threads_gettid(), pid = getpid();
    for (unsigned i = 0; i < high; i++) {
        struct tslot *s = &threads_slots[i];
        if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_ACTIVE || s->tid == self)
            continue;
        /* Asked of the kernel, never of /proc (a chroot may hide it). */
        if (syscall(SYS_tgkill, pid, s->tid, 0) != 0 && errno == ESRCH)
            retire(s);
    }
}
