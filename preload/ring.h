#ifndef FLAMEPRE_RING_H
#define FLAMEPRE_RING_H
/*
 * Single-producer single-consumer ring of 64-bit words, one per thread.
 *
 * The producer is the thread's own signal handler or its own lock/I/O
 * interposers; the consumer is the collector thread. Neither blocks: a
 * producer that finds too little room drops the record and counts it.
 * `head` and `tail` are free-running word counters; the index is
 * counter & mask. What a record holds, and how long it is, is the record
 * codec's (record.h): this file knows words only.
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
    _Atomic uint64_t head; /* written by the producer */
    uint64_t tail_seen;    /* producer's last read of tail: room is checked
                              * against it first, so the producer reads the
                              * consumer's cache line only when the ring
                              * looks full (once per drain, not per record) */
    char pad1[48];
    _Atomic uint64_t tail; /* written by the consumer */
    char pad2[56];
    uint64_t *words;
    uint64_t mask; /* capacity - 1, capacity a power of two */
};

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
