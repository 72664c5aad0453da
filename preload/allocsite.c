/*
 * Allocation sites (see allocsite.h for the model).
 *
 * Why a reserved range and 32-bit references: a live-table entry has 64
 * bits for its value, and a free must find the site from that value alone,
 * in any thread, after the allocating thread is gone. Offsets in 16-byte
 * units into one range never dangle and leave 32 bits for the block's size.
 *
 * Why per-thread chunks: a new site then costs no shared write except, once
 * per 64 KiB of sites, the claim of a chunk.
 */
#include "preload/allocsite.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define UNIT ALLOC_SITE_UNIT
#define CHUNK_BYTES ALLOC_CHUNK_BYTES
#define CHUNK_HDR ALLOC_CHUNK_HDR
/* Largest index a thread may grow to: 4 Mi sites (64 MiB of index). */
#define INDEX_MAX (1u << 22)
#define INDEX_MIN 1024u

struct alloc_index_entry {
    uint64_t hash;
    uint32_t ref; /* 0 = empty */
    uint32_t pad;
};

/* The range is the shared mapping's site region (layout.h); its fill
 * level, site count and generation live in the header. */
static char *base;
static size_t range_bytes;
#define range_used (shm_hdr->sites_used)
#define nsites (shm_hdr->nsites)
#define generation (shm_hdr->sites_gen)

int alloc_sites_init(void)
{
    if (!shm_hdr->sites_bytes) {
        errno = ENOMEM;
        return -1;
    }
    base = shm_base() + shm_hdr->sites_off;
    range_bytes = shm_hdr->sites_bytes;
    return 0;
}

struct alloc_site *alloc_site_at(uint32_t ref)
{
    return (struct alloc_site *)(base + (size_t)ref * UNIT);
}

static size_t site_bytes(unsigned n)
{
    size_t b = sizeof(struct alloc_site) + (size_t)n * sizeof(uint64_t);
    return (b + UNIT - 1) & ~(size_t)(UNIT - 1);
}

static uint64_t stack_hash(const uintptr_t *pcs, unsigned n, unsigned flags)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)flags << 32 | n);
    for (unsigned i = 0; i < n; i++) {
        h = (h ^ pcs[i]) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

/* (An inline loop: stacks are short, and a call to memcmp for a few
 * words cost more than the compare on every recorded allocation.) */
static bool site_is(const struct alloc_site *site, const uintptr_t *pcs, unsigned n, unsigned flags)
{
    if (site->n != n || site->flags != flags)
        return false;
    for (unsigned i = 0; i < n; i++)
        if (site->pcs[i] != pcs[i])
            return false;
    return true;
}

static void index_drop(struct tslot *s)
{
    if (s->site_idx)
        munmap(s->site_idx, ((size_t)s->site_mask + 1) * sizeof(struct alloc_index_entry));
    s->site_idx = NULL;
    s->site_mask = 0;
    s->site_count = 0;
    s->site_last = 0;
}

/* The slot's index and chunk belong to this thread and this generation. */
static void slot_adopt(struct tslot *s)
{
    uint32_t gen = atomic_load_explicit(&generation, memory_order_relaxed);
    if (s->site_gen != gen) {
        /* After a reset the slot's chunk is no longer ours (the range
         * was zeroed and is handed out again from the start). */
        s->site_chunk = 0;
        s->site_chunk_used = 0;
        s->site_gen = gen;
    }
    index_drop(s);
    s->site_serial = s->serial;
}

static bool index_grow(struct tslot *s)
{
    size_t cap = s->site_idx ? ((size_t)s->site_mask + 1) * 2 : INDEX_MIN;
    if (cap > INDEX_MAX)
        return false;
    struct alloc_index_entry *e =
        mmap(NULL, cap * sizeof *e, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (e == MAP_FAILED)
        return false;
    struct alloc_index_entry *old = s->site_idx;
    size_t oldcap = old ? (size_t)s->site_mask + 1 : 0;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].ref)
            continue;
        size_t j = old[i].hash & (cap - 1);
        while (e[j].ref)
            j = (j + 1) & (cap - 1);
        e[j] = old[i];
    }
    if (old)
        munmap(old, oldcap * sizeof *old);
    s->site_idx = e;
    s->site_mask = (uint32_t)(cap - 1);
    return true;
}

/* Room for `bytes` in the slot's chunk, claiming a new chunk if needed.
 * Returns the offset in the range, or 0. */
static size_t chunk_room(struct tslot *s, size_t bytes)
{
    if (!s->site_chunk_used || s->site_chunk_used + bytes > CHUNK_BYTES) {
        size_t off = atomic_fetch_add_explicit(&range_used, CHUNK_BYTES, memory_order_relaxed);
        if (off + CHUNK_BYTES > range_bytes)
            return 0;
        s->site_chunk = off;
        s->site_chunk_used = CHUNK_HDR;
        struct alloc_chunk_hdr *h = (struct alloc_chunk_hdr *)(base + off);
        atomic_store_explicit(&h->used, CHUNK_HDR, memory_order_release);
    }
    return s->site_chunk + s->site_chunk_used;
}

static struct alloc_site *site_new(struct tslot *s, const uintptr_t *pcs, unsigned n,
                                   unsigned flags, uint64_t hash, uint32_t *ref)
{
    size_t bytes = site_bytes(n);
    size_t off = chunk_room(s, bytes);
    if (!off)
        return NULL;
    struct alloc_site *site = (struct alloc_site *)(base + off);
    site->serial = s->serial;
    site->hash = hash;
    site->n = n;
    site->flags = flags;
    atomic_store_explicit(&site->bytes, 0, memory_order_relaxed);
    atomic_store_explicit(&site->count_fx, 0, memory_order_relaxed);
    atomic_store_explicit(&site->live_in, 0, memory_order_relaxed);
    atomic_store_explicit(&site->live_out, 0, memory_order_relaxed);
    atomic_store_explicit(&site->live_out_own, 0, memory_order_relaxed);
    memcpy(site->pcs, pcs, n * sizeof(uint64_t));
    s->site_chunk_used += (uint32_t)bytes;
    /* Publish: the collector reads sites below `used` only. */
    struct alloc_chunk_hdr *h = (struct alloc_chunk_hdr *)(base + s->site_chunk);
    atomic_store_explicit(&h->used, s->site_chunk_used, memory_order_release);
    atomic_fetch_add_explicit(&nsites, 1, memory_order_relaxed);
    *ref = (uint32_t)(off / UNIT);
    return site;
}

struct alloc_site *alloc_site_get(struct tslot *s, const uintptr_t *pcs, unsigned n, unsigned flags,
                                  uint32_t *ref)
{
    if (__builtin_expect(s->site_serial != s->serial ||
                             s->site_gen != atomic_load_explicit(&generation, memory_order_relaxed),
                         0))
        slot_adopt(s);
    /* Most allocations repeat the previous one's stack (loops). */
    if (s->site_last) {
        struct alloc_site *last = alloc_site_at(s->site_last);
        if (site_is(last, pcs, n, flags)) {
            *ref = s->site_last;
            return last;
        }
    }
    uint64_t hash = stack_hash(pcs, n, flags);
    if ((!s->site_idx || (s->site_count + 1) * 2 > s->site_mask + 1) && !index_grow(s) &&
        !s->site_idx)
        return NULL;
    size_t mask = s->site_mask, i = hash & mask;
    for (; s->site_idx[i].ref; i = (i + 1) & mask) {
        if (s->site_idx[i].hash != hash)
            continue;
        struct alloc_site *site = alloc_site_at(s->site_idx[i].ref);
        if (site_is(site, pcs, n, flags)) {
            *ref = s->site_last = s->site_idx[i].ref;
            return site;
        }
    }
    if ((s->site_count + 1) * 2 > mask + 1)
        return NULL; /* the index could not grow: full */
    struct alloc_site *site = site_new(s, pcs, n, flags, hash, ref);
    if (!site)
        return NULL;
    s->site_idx[i].hash = hash;
    s->site_idx[i].ref = *ref;
    s->site_count++;
    s->site_last = *ref;
    return site;
}

void alloc_sites_usage(uint64_t *sites, uint64_t *bytes)
{
    size_t used = atomic_load_explicit(&range_used, memory_order_relaxed);
    *sites = atomic_load_explicit(&nsites, memory_order_relaxed);
    *bytes = used < range_bytes ? used : range_bytes;
}

void alloc_sites_reset(void)
{
    if (!base)
        return;
    /* The fork child's mapping is new (shm_fork_child): its range reads
     * zero; only the bookkeeping starts over. */
    atomic_store_explicit(&range_used, 0, memory_order_relaxed);
    atomic_store_explicit(&nsites, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&generation, 1, memory_order_relaxed);
}
