#ifndef FLAMEPRE_SHM_H
#define FLAMEPRE_SHM_H
/*
 * The host's side of the shared-memory layout (layout.h): creates the
 * image's mapping and keeps it across fork.
 *
 * shm_hdr is never NULL: until shm_create succeeds it points at a static
 * stand-in header with no slots, so counters may be bumped and
 * threads_high read from any context at any time.
 */
#include <stdbool.h>
#include <stdint.h>

#include "preload/config.h"
#include "preload/layout.h"

extern struct layout_header *shm_hdr;

/* Map a new image: a memfd (or, where memfd_create is refused, a shared
 * anonymous mapping, usable only by an in-process collector) with room
 * for THREADS_MAX slots with `ring_words`-word rings and, with sites,
 * the allocation site range. Fills the header's geometry; the caller
 * fills the session. 0 or -1 (errno). Normal context, once. */
int shm_create(unsigned ring_words, bool sites);

/* The profiler's share of an address-space limit (ulimit -v), 1/div of
 * it; UINT64_MAX without one. Reserved but untouched memory counts against
 * that limit, so a full-size reserve took the program's own budget. */
uint64_t shm_address_share(unsigned div);

/* The memfd behind the mapping (close-on-exec), or -1 when there is none
 * or it was already handed over and closed. */
int shm_fd(void);
void shm_close_fd(void);

/* In a fork child, first thing: the parent's mapping is shared with the
 * parent, so the child moves to a fresh one at the same address, keeping
 * a copy of the header and of the slot table (host-private pointers in the
 * slots stay valid: the child has its own copies of what they point at).
 * The site range starts empty. 0, or -1 when no new mapping could be made:
 * the caller must then stop recording. */
int shm_fork_child(void);

/* Take the image's life mutex (layout.h) on the calling thread: the
 * constructor's, or a fork child's. Normal context. */
void shm_hold_life(void);

/* Regions. */
static inline char *shm_base(void)
{
    return (char *)shm_hdr;
}

static inline uint64_t *shm_ring_words(unsigned slot)
{
    return (uint64_t *)(shm_base() + shm_hdr->rings_off) + (uint64_t)slot * shm_hdr->ring_words;
}

#endif
