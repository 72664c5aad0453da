#ifndef FLAMEPRE_RING_H
#define FLAMEPRE_RING_H
/*
 * Single-producer single-consumer ring of 64-bit words, one per thread.
 *
 * The producer is the thread's own signal handler or its own lock/I/O
 * interposers; the consumer is the collector thread. Neither blocks: a
 * producer that finds too little room drops the record and counts it.
 * `head` and `tail` are free-running word counters; the index is
 * counter & mask. A record is a header word followed by its payload words:
 *
 *   header = nframes | flags << 16 | kind << 24 | weight << 32
 *
 * Layouts by kind (ring_record_words gives the length):
 *
 *   REC_CPU    header(weight = samples) | pcs[nframes]
 *   REC_WAIT   header(weight = label) | ns | count | bytes | pcs[nframes]
 *              a sampled lock or I/O wait (wait.h): label = call | fd kind
 *              << 8; ns, bytes: estimates; count in 1/65536 units; with
 *              flag WAIT_F_OBJ, pcs[0] is the lock's address
 *
 * (Allocations do not use the ring: each thread counts them in its own
 * sites, allocsite.h. REC_ALLOC names their stack-table entries only.)
 *
 * The thread's own sampling handler and its lock/I/O interposers both
 * produce into the ring; tstate.ring_busy makes the one that arrives second
 * (always the handler) drop its record, so there is still a single
 * producer at any moment.
 *
 * The producer reserves room for its largest possible record, writes the
 * payload in place, then publishes head with a release store, so a consumer
 * that loads head with acquire sees complete records only.
 *
 * Every function here is async-signal-safe.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ring {
    _Atomic uint64_t head;   /* written by the producer */
    uint64_t tail_seen;      /* producer's last read of tail: room is checked
                              * against it first, so the producer reads the
                              * consumer's cache line only when the ring
                              * looks full (once per drain, not per record) */
    char pad1[48];
    _Atomic uint64_t tail;   /* written by the consumer */
    char pad2[56];
    uint64_t *words;
    uint64_t mask;           /* capacity - 1, capacity a power of two */
};

#define RING_HDR(n, flags, kind, weight) \
    ((uint64_t)(n) | (uint64_t)(flags) << 16 | (uint64_t)(kind) << 24 | (uint64_t)(weight) << 32)
#define RING_HDR_N(h) ((unsigned)((h) & 0xffff))
#define RING_HDR_FLAGS(h) ((unsigned)(((h) >> 16) & 0xff))
#define RING_HDR_KIND(h) ((unsigned)(((h) >> 24) & 0xff))
#define RING_HDR_WEIGHT(h) ((uint32_t)((h) >> 32))

/* Words of the record that starts with header h (kinds as in sampler.h). */
static inline uint64_t ring_record_words(uint64_t h)
{
    switch (RING_HDR_KIND(h)) {
    case 4: return 4 + RING_HDR_N(h);   /* REC_WAIT */
    default: return 1 + RING_HDR_N(h);  /* REC_CPU */
    }
}

/* Room for `words` more words? Producer side. */
static inline bool ring_has_room(struct ring *r, uint64_t words)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    if ((r->mask + 1) - (head - r->tail_seen) >= words)
        return true;
    /* tail only grows: a stale tail_seen only underestimates the room. */
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    r->tail_seen = tail;
    return (r->mask + 1) - (head - tail) >= words;
}

/* Write word i (0 = header) of the record being built. Producer side. */
static inline void ring_put(struct ring *r, uint64_t i, uint64_t w)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    r->words[(head + i) & r->mask] = w;
}

/* Publish a record of `words` words (header included). Producer side. */
static inline void ring_commit(struct ring *r, uint64_t words)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    atomic_store_explicit(&r->head, head + words, memory_order_release);
}

#endif
