#ifndef FLAMEPRE_ALLOCSITE_H
#define FLAMEPRE_ALLOCSITE_H
/*
 * Allocation sites: where recorded allocations are counted, by the
 * allocating thread itself, with no message to the collector.
 *
 * Model: a site is one (thread serial, unwind flags, stack) with four
 * counters: bytes and count (weighted estimates, written by the owning
 * thread only), live_in (the live weight its recorded blocks brought) and
 * live_out (the live weight of those blocks freed since, by other threads
 * with an atomic add, by the owner into live_out_own without one: most
 * blocks die in the thread that made them). A recorded block's entry in the live table
 * (livetab.h) holds its site's reference and its size code, so a free
 * needs no lookup beyond the live table and no pairing later: live bytes of
 * a site = live_in - live_out - live_out_own, exact at any moment.
 *
 * Storage: sites live in one reserved address range (MAP_NORESERVE; only
 * touched pages cost memory), handed out in chunks to threads that bump-
 * allocate their sites inside; a site is never moved or freed until the
 * process (or a fork child) starts over, so its 32-bit reference (offset /
 * 16) stays valid for frees from any thread at any time. Each chunk
 * publishes how much of it holds complete sites (release), which is how
 * the collector enumerates them while threads still allocate.
 *
 * Lookup: each thread keeps a private hash index (stack hash -> site) in
 * its slot, mapped with mmap, grown by doubling; no locks, no atomics on
 * the recording path except the live-table insert. Sites of one stack in
 * two threads are two sites (per-thread output; no shared counter lines).
 *
 * This is the layout of async-profiler's call-trace storage and of
 * jemalloc's per-thread prof tdata (bt2cnt), with the ring-and-pairing of
 * an earlier design gone: that design cost a third of exact mode's CPU in
 * the collector.
 *
 * Contexts: alloc_site_get runs in normal context with the guard raised;
 * alloc_site_at and the counter updates of a free are async-signal-safe.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "preload/threads.h"

/* Storage (part of the layout contract, layout.h): the range is cut into
 * chunks of ALLOC_CHUNK_BYTES; each starts with a header whose `used` is
 * the bytes holding complete sites (header included; 0 = not handed out),
 * followed by sites, each padded to ALLOC_SITE_UNIT. A site's reference is
 * its offset in the range / ALLOC_SITE_UNIT. */
#define ALLOC_SITE_UNIT 16u
#define ALLOC_CHUNK_BYTES (64u * 1024u)
#define ALLOC_CHUNK_HDR 64u

struct alloc_chunk_hdr {
    _Atomic uint32_t used;
};

struct alloc_site {
    uint64_t serial;               /* allocating thread */
    uint64_t hash;                 /* of (flags, pcs) */
    uint32_t n, flags;             /* frames, UNW_F_* */
    _Atomic uint64_t bytes;        /* owner: estimated bytes allocated */
    _Atomic uint64_t count_fx;     /* owner: estimated allocations, 1/65536 */
    _Atomic uint64_t live_in;      /* owner: live weight of recorded blocks */
    _Atomic uint64_t live_out;     /* other threads: live weight freed (atomic add) */
    _Atomic uint64_t live_out_own; /* owner: live weight it freed itself */
    uint64_t pcs[];                /* n pcs, leaf first */
};

/* Use the shared mapping's site range (shm_create with sites). 0 or -1.
 * Normal context. */
int alloc_sites_init(void);

/* The calling thread's site for (flags, pcs[0..n)), created if new; NULL
 * when out of room (the caller counts a dropped record). *ref receives the
 * site's reference (never 0). Owner thread, normal context, guard raised. */
struct alloc_site *alloc_site_get(struct tslot *s, const uintptr_t *pcs, unsigned n, unsigned flags,
                                  uint32_t *ref);

/* The site of reference `ref`. Async-signal-safe. */
struct alloc_site *alloc_site_at(uint32_t ref);

/* Owner-only counter add (no read-modify-write instruction needed). */
static inline void alloc_site_add(_Atomic uint64_t *c, uint64_t v)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                          memory_order_relaxed);
}

/* Sites and the bytes of the range in use (meta.json). */
void alloc_sites_usage(uint64_t *sites, uint64_t *bytes);

/* A fork child starts over (its mapping is new, shm_fork_child): every
 * site and every thread's index are forgotten. Only the forking thread
 * exists. */
void alloc_sites_reset(void);

#endif
