/*
 * Readers of the layout (layout.h) shared by the collector and the tests.
 */
#include "preload/layout.h"

#include "preload/allocsite.h"

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
