/*
 * Readers of the layout (layout.h) shared by the collector and the tests.
 */
#include "preload/layout.h"

#include <string.h>

#include "preload/allocsite.h"

static uint64_t align_page(uint64_t v)
{
    return (v + 4095) & ~(uint64_t)4095;
}

/* Regions in order, each page-aligned: header, slots, rings, sites. */
static void offsets(unsigned slots, uint64_t ring_words, uint64_t *slots_off, uint64_t *rings_off,
                    uint64_t *sites_off)
{
    *slots_off = align_page(sizeof(struct layout_header));
    *rings_off = align_page(*slots_off + (uint64_t)slots * sizeof(struct tslot));
    *sites_off = align_page(*rings_off + (uint64_t)slots * ring_words * 8);
}

uint64_t layout_size(unsigned slots, uint64_t ring_words, uint64_t sites_bytes)
{
    uint64_t a, b, c;
    offsets(slots, ring_words, &a, &b, &c);
    return c + sites_bytes;
}

void layout_init(struct layout_header *h, unsigned slots, uint64_t ring_words, uint64_t sites_bytes)
{
    h->magic = LAYOUT_MAGIC;
    h->version = LAYOUT_VERSION;
    h->header_bytes = sizeof *h;
    h->slot_bytes = sizeof(struct tslot);
    h->slots_max = slots;
    h->ring_words = ring_words;
    offsets(slots, ring_words, &h->slots_off, &h->rings_off, &h->sites_off);
    h->sites_bytes = sites_bytes;
    h->total_bytes = h->sites_off + sites_bytes;
    atomic_store(&h->sites_gen, 1);
}

bool layout_has_data(const struct layout_header *h)
{
    if (atomic_load_explicit(&h->nsites, memory_order_relaxed))
        return true;
    uint32_t high = atomic_load_explicit(&h->threads_high, memory_order_acquire);
    if (high > h->slots_max)
        high = h->slots_max;
    const struct tslot *s = (const struct tslot *)((const char *)h + h->slots_off);
    for (uint32_t i = 0; i < high; i++) {
        if (atomic_load_explicit(&s[i].ring.head, memory_order_relaxed) ||
            atomic_load_explicit(&s[i].samples, memory_order_relaxed) ||
            atomic_load_explicit(&s[i].dropped, memory_order_relaxed) ||
            atomic_load_explicit(&s[i].alloc_sampled, memory_order_relaxed) ||
            atomic_load_explicit(&s[i].alloc_dropped, memory_order_relaxed) ||
            atomic_load_explicit(&s[i].wait_sampled, memory_order_relaxed) ||
            atomic_load_explicit(&s[i].wait_dropped, memory_order_relaxed))
            return true;
    }
    return false;
}

bool layout_leaves_no_files(const struct layout_header *h, const char *how)
{
    return (h->forked || strcmp(how, "exec") == 0) && !layout_has_data(h);
}

void layout_foreach_site(const struct layout_header *h,
                         void (*fn)(const struct alloc_site *site, void *arg), void *arg)
{
    if (!h->sites_bytes)
        return;
    const char *base = (const char *)h + h->sites_off;
    uint64_t used = atomic_load_explicit(&h->sites_used, memory_order_acquire);
    if (used > h->sites_bytes)
        used = h->sites_bytes;
    for (uint64_t c = 0; c + ALLOC_CHUNK_BYTES <= used; c += ALLOC_CHUNK_BYTES) {
        const struct alloc_chunk_hdr *ch = (const struct alloc_chunk_hdr *)(base + c);
        uint32_t end = atomic_load_explicit(&ch->used, memory_order_acquire);
        if (end > ALLOC_CHUNK_BYTES)
            end = ALLOC_CHUNK_BYTES;
        for (uint64_t off = ALLOC_CHUNK_HDR; off + sizeof(struct alloc_site) <= end;) {
            const struct alloc_site *site = (const struct alloc_site *)(base + c + off);
            uint32_t n = site->n;
            uint64_t bytes = (sizeof *site + (uint64_t)n * 8 + ALLOC_SITE_UNIT - 1) &
                             ~(uint64_t)(ALLOC_SITE_UNIT - 1);
            /* A site that does not fit its chunk ends the chunk: never
             * read past what the host published. */
            if (n > CONFIG_MAX_DEPTH || off + bytes > end)
                break;
            fn(site, arg);
            off += bytes;
        }
    }
}
