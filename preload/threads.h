#ifndef FLAMEPRE_THREADS_H
#define FLAMEPRE_THREADS_H
/*
 * Thread registry: one slot per profiled thread, preallocated.
 *
 * Model: a static array of slots. A slot is FREE, ACTIVE (its thread is
 * alive and is the only producer into its ring), or EXITED (its thread is
 * gone or the profiler stopped watching it; the collector drains the ring,
 * records the final name and counters, then sets it FREE for reuse). Each
 * slot owns a ring and a scratch area allocated with mmap when the slot is
 * first claimed and kept for reuse, so nothing is allocated in the handler.
 *
 * Each slot gets a serial number when claimed; the collector keys its data by
 * serial, so a reused slot or a reused tid never mixes two threads.
 *
 * Handler-safe: threads_self(), the counters. Everything else runs in normal
 * context (constructor, pthread_create wrapper, thread-exit hook, collector).
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <time.h>

#include "preload/ring.h"
#include "preload/shm.h"
#include "preload/unwind.h"

#define THREADS_MAX 4096
#define THREAD_NAME_LEN 16
/* Ring words per thread: 16384 words = 128 KiB, drained every 50 ms. At
 * 999 Hz and 128 frames that is 6.5k words per period: room to spare.
 * Exact lock/I/O recording writes far more (a record per wait), so it
 * asks for RING_WORDS_EXACT (1 MiB) before the first slot is claimed;
 * so does a timeline with allocations (FLAMEPRE_TIMELINE, alloc), whose
 * sampled allocations also send a timed record each (alloc.c; otherwise
 * allocations never go through the ring: allocsite.h). */
#define RING_WORDS (1u << 14)
#define RING_WORDS_EXACT (1u << 17)

enum slot_state { SLOT_FREE = 0, SLOT_CLAIMED, SLOT_ACTIVE, SLOT_EXITED };

struct stackcache;

struct tslot {
    _Atomic int state;
    pid_t tid;
    uint64_t serial;
    struct ring ring;
    uintptr_t *scratch;       /* CONFIG_MAX_DEPTH words for the handler */
    uintptr_t *alloc_scratch; /* CONFIG_MAX_DEPTH words for the allocation
                                  * interposers: a sample that interrupts
                                  * them must not overwrite their stack */
    void *unw_cursor;         /* UNWIND_CURSOR_BYTES for the handler's
                                  * libunwind walk (unwind.h), off the
                                  * program's stack */
    /* allocation sites of this thread (allocsite.c, owner thread only);
     * kept across reuse of the slot, re-adopted when serial or the site
     * generation changes */
    struct alloc_index_entry *site_idx; /* hash index, site_mask + 1 entries */
    uint32_t site_mask, site_count;
    uint32_t site_last; /* reference of the last site used, 0 none */
    uint32_t site_gen;
    uint64_t site_serial;         /* the serial the index belongs to */
    size_t site_chunk;            /* offset of the chunk sites are cut from */
    uint32_t site_chunk_used;     /* its bytes in use, 0 = no chunk */
    struct stackcache *scache;    /* verified stack cache (stackcache.h),
                                  * mapped on first use, kept across reuse
                                  * like the ring */
    bool scache_failed;           /* it could not be mapped: do not retry */
    uintptr_t stack_lo, stack_hi; /* the usable stack (guard excluded), 0 when
                                   * unknown; the walks' room check and
                                   * frame bounds (unwind.h) */
    bool foreign;                 /* existed before the constructor */
    /* sampler state */
    _Atomic int perf_fd; /* -1 if none; exchanged, so exactly one closer */
    uint64_t perf_id;    /* its event's id (PERF_EVENT_IOC_ID), 0 unknown */
    timer_t timer;
    _Atomic bool has_timer; /* exchanged, so exactly one deleter */
    bool phase_pending;     /* perf: first (random) period not over yet */
    /* final or last known thread name, written outside the handler */
    char name[THREAD_NAME_LEN];
    /* counters, written by the owner thread only (relaxed), read by the collector */
    _Atomic uint64_t samples;       /* signals handled, weighted (timer overruns count) */
    _Atomic uint64_t dropped;       /* weight lost to a full ring */
    _Atomic uint64_t unwind_fail;   /* records whose unwind stopped on an error */
    _Atomic uint64_t truncated;     /* records cut at FLAMEPRE_DEPTH */
    _Atomic uint64_t shallow;       /* records not unwound (loader, unwinder busy) */
    _Atomic uint64_t low_stack;     /* records not unwound: stack short or unknown */
    _Atomic uint64_t alloc_sampled; /* allocation records taken */
    _Atomic uint64_t alloc_dropped; /* allocation records lost (no room for a site) */
    _Atomic uint64_t wait_sampled;  /* lock/I/O wait records taken (wait.h) */
    _Atomic uint64_t wait_dropped;  /* wait records lost (ring full) */
    _Atomic uint64_t tl_dropped;    /* timeline-only records lost (REC_ALLOC_TIME:
                                     * ring full or busy): missing from the
                                     * .timeline only */
    /* lifetime, for the wall event (wall.h): CLOCK_MONOTONIC ns of the
     * slot's claim and of the thread's end (0 while it runs), and the
     * time it spent runnable but not running in between (schedstat
     * run_delay at the end minus at the start; run_delay0 is the start's) */
    uint64_t start_ns;
    _Atomic uint64_t end_ns;
    uint64_t run_delay0;
    _Atomic uint64_t run_delay_ns;
};

/* Per-thread state of the profiler, initial-exec TLS: touching it never
 * enters the dynamic loader, so the handler may use it. */
struct tstate {
    struct tslot *slot;
    int in_loader;      /* > 0 while inside dlopen/dlclose/dl_iterate_phdr */
    int exiting;        /* the thread is tearing down its slot: handler must not record */
    int retiring;       /* inside alloc.c retire's owner-only add (a nested
                      * free from a signal handler must not use it) */
    int guard;          /* reentrancy guard for interposers: > 0 while the
                      * profiler itself runs on this thread (its
                      * allocations are never recorded); the collector
                      * thread keeps it set for good */
    int ring_busy;      /* an interposer is writing this thread's ring: the
                      * sampling handler must drop (and count) its sample */
    int no_slot;        /* lazy slot claim failed once: do not retry */
    int sig_blocked;    /* counted in threads_signal_blocked */
    int in_unwind;      /* > 0 while this thread runs our libgcc unwinder: a
                      * sample interrupting it is not walked again */
    void **gcc_escape;  /* while our libgcc unwinder runs: the
                         * __builtin_setjmp buffer interpose_fde.c returns to
                         * when a frame's pc is not readable memory */
    int alloc_ready;    /* alloc_left and rng initialised */
    int64_t alloc_left; /* bytes until the next allocation sample */
    uint64_t rng;       /* xorshift state of the allocation sampler */
    int wait_ready;     /* wait_left and wait_rng initialised (wait.h) */
    int io_nest;        /* > 0 inside a stdio interposer: its inner calls are
                      * part of the stdio call, not recorded again */
    int64_t wait_left;  /* ns of waiting until the next wait sample */
    uint64_t wait_rng;  /* xorshift state of the wait sampler */
};
extern __thread struct tstate tstate __attribute__((tls_model("initial-exec")));

/* The slot table, THREADS_MAX slots in the image's shared mapping
 * (shm.h); NULL before it exists. Slots [0, shm_hdr->threads_high) may be
 * in use; shm_hdr->c.threads_unprofiled counts threads that found none. */
extern struct tslot *threads_slots;

static inline void ctr_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static inline pid_t threads_gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* Count an unwind's UNW_F_* outcome bits against slot s. Handler-safe. */
static inline void slot_count_unwind(struct tslot *s, unsigned flags)
{
    if (flags & UNW_F_TRUNCATED)
        ctr_add(&s->truncated, 1);
    if (flags & UNW_F_FAILED)
        ctr_add(&s->unwind_fail, 1);
    if (flags & UNW_F_SHALLOW)
        ctr_add(&s->shallow, 1);
    if (flags & UNW_F_LOW_STACK)
        ctr_add(&s->low_stack, 1);
}

/* The calling thread's slot for a recorder running in normal context
 * (interposers): the TLS slot, else one registered from outside, else one
 * claimed now through `adopt` (lifecycle's registration of a thread that
 * started before profiling or outside pthread_create). A thread that could
 * not get one is not asked again. NULL if none. */
struct tslot *threads_own_slot(struct tslot *(*adopt)(void));

/* A per-thread random seed, never 0, distinct per thread and per `salt`. */
uint64_t threads_seed(uint64_t salt);

/* Claim a slot for thread `tid`, allocating its buffers if new. Sets the
 * slot ACTIVE. NULL when the table is full or memory is short (counted). */
struct tslot *threads_claim(pid_t tid, bool foreign);

/* The calling thread's slot, or NULL. Handler-safe: the TLS pointer, else a
 * scan by tid for threads that were registered from outside (foreign). */
struct tslot *threads_self(void);

/* Mark a slot EXITED (after its sampler is disarmed). */
void threads_retire(struct tslot *s);

/* Retire (through `retire`, which stops the clock first) every active
 * slot but the caller's whose thread is gone without its exit hook.
 * Normal context. */
void threads_reap_gone(void (*retire)(struct tslot *s));

/* Stack bounds of the calling thread (pthread_getattr_np); normal context.
 * main_thread: the caller is probably the process's first thread (tid ==
 * pid), whose bounds come from the auxiliary vector and the stack limit
 * instead, when they check out. */
void threads_stack_bounds(bool main_thread, uintptr_t *lo, uintptr_t *hi);

/* After fork, in the child, once every slot's clock has been forgotten
 * (sampler_forget): every slot but the caller's is dropped (its thread does
 * not exist here); the caller's gets a fresh identity. Returns self. */
struct tslot *threads_after_fork_child(struct tslot *self);

#endif
