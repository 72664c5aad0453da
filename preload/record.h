#ifndef FLAMEPRE_RECORD_H
#define FLAMEPRE_RECORD_H
/*
 * The record codec: the one definition of what the host writes into a
 * thread's ring (ring.h) and the collector reads back. The sampler's
 * signal handler and the wait recorder write through record_put_*; the
 * collector reads through record_decode. No other code knows a word offset.
 *
 * A record is a header word followed by payload words:
 *
 *   header = npcs | flags << 16 | kind << 24 | tag << 32
 *            (bits 0-15: pcs, 16-23: flags, 24-31: kind, 32-63: tag)
 *
 *   REC_CPU    header(tag = samples) | [time] | pcs[npcs]
 *              a CPU sample; samples >= 1 (a timer's overruns add to it)
 *   REC_WAIT   header(tag = label) | [time] | ns | count | bytes | pcs[npcs]
 *              a sampled lock or I/O wait (wait.h): label = call | fd kind
 *              << 8; ns, bytes: estimates; count in 1/65536 units; with
 *              flag WAIT_F_OBJ, pcs[0] is the lock's address
 *   REC_ALLOC_TIME  header(tag = 0) | time | bytes | pcs[npcs]
 *              a sampled allocation, written only with FLAMEPRE_TIMELINE
 *              (so always timed): bytes = what the sample stands for
 *              (>= 1), pcs and flags = its site's (allocsite.h)
 *
 * flags are the unwinder's UNW_F_* bits (unwind.h), REC_F_TIME and, for
 * waits, WAIT_F_OBJ. pcs are innermost first. With REC_F_TIME (set only
 * when FLAMEPRE_TIMELINE is on) the word after the header is the event's
 * CLOCK_MONOTONIC time in ns (nonzero); without it there is no such word,
 * so a profile without a timeline pays nothing.
 *
 * Allocations are counted in the allocating thread's own sites
 * (allocsite.h), not through the ring. REC_ALLOC names their stack-table
 * entries only, and the decoder refuses it, like any kind not listed
 * above. With FLAMEPRE_TIMELINE each sampled allocation also sends a
 * REC_ALLOC_TIME record, for its time only: the folded files still come
 * from the sites.
 *
 * Producer side: record_put_* write a whole record and publish it, or
 * write nothing. They are async-signal-safe (no allocation, no lock, no
 * library call) and must be called by the ring's single producer
 * (tstate.ring_busy held).
 *
 * Consumer side: record_decode treats the ring as untrusted (the profiled
 * process owns the mapping): it reads every word once, through the mask,
 * and refuses a record that is not whole within what was published, an
 * unknown kind, more pcs than the caller has room for, or fields no
 * writer produces. Changing any layout here changes the shared mapping:
 * bump LAYOUT_VERSION (layout.h).
 */
#include <stdbool.h>
#include <stdint.h>

#include "preload/ring.h"

/* Record kinds in headers. 3 was REC_FREE. */
enum record_kind { REC_CPU = 1, REC_ALLOC = 2, REC_WAIT = 4, REC_ALLOC_TIME = 5 };

/* Record flag (REC_WAIT): pcs[0] is the lock's address, not a frame. Clear
 * of the UNW_F_* bits (wait.c checks). */
#define WAIT_F_OBJ 0x80u

/* Record flag (any kind): a time word follows the header. Clear of the
 * UNW_F_* bits and of WAIT_F_OBJ (wait.c and sampler.c check). */
#define REC_F_TIME 0x40u

/* Field limits of the header. */
#define RECORD_MAX_PCS 0xffffu
#define RECORD_MAX_FLAGS 0xffu

/* Payload words of a REC_WAIT record before its pcs: ns, count, bytes. */
#define RECORD_WAIT_FIXED 3u

/* Payload words of a REC_ALLOC_TIME record before its pcs: bytes. */
#define RECORD_ALLOC_FIXED 1u

/* A wait's tag and payload. */
struct record_wait {
    uint32_t label;    /* WAIT_LABEL(call, fd kind), wait.h */
    uint64_t ns;       /* estimated waiting time */
    uint64_t count_fx; /* estimated calls, in 1/65536 units */
    uint64_t bytes;    /* estimated bytes (I/O calls) */
};

/* One decoded record. Its pcs are in the caller's buffer. */
struct record {
    unsigned kind;           /* REC_CPU, REC_WAIT or REC_ALLOC_TIME */
    unsigned flags;          /* UNW_F_*, WAIT_F_OBJ, REC_F_TIME */
    unsigned npcs;           /* pcs copied out */
    uint64_t time_ns;        /* REC_F_TIME: CLOCK_MONOTONIC ns; else 0 */
    uint64_t words;          /* ring words taken, header included */
    uint32_t samples;        /* REC_CPU: the weight */
    struct record_wait wait; /* REC_WAIT */
    uint64_t alloc_bytes;    /* REC_ALLOC_TIME: the weight */
};

_Static_assert(sizeof(uintptr_t) <= sizeof(uint64_t), "a pc fits a ring word");

static inline uint64_t record_header(unsigned kind, unsigned flags, unsigned npcs, uint32_t tag)
{
    return (uint64_t)npcs | (uint64_t)flags << 16 | (uint64_t)kind << 24 | (uint64_t)tag << 32;
}

static inline unsigned record_header_npcs(uint64_t h)
{
    return (unsigned)(h & 0xffff);
}
static inline unsigned record_header_flags(uint64_t h)
{
    return (unsigned)((h >> 16) & 0xff);
}
static inline unsigned record_header_kind(uint64_t h)
{
    return (unsigned)((h >> 24) & 0xff);
}
static inline uint32_t record_header_tag(uint64_t h)
{
    return (uint32_t)(h >> 32);
}

/* Payload words before the pcs of a `kind` record; -1 for a kind the ring
 * does not carry. */
static inline int record_fixed_words(unsigned kind)
{
    switch (kind) {
    case REC_CPU: return 0;
    case REC_WAIT: return (int)RECORD_WAIT_FIXED;
    case REC_ALLOC_TIME: return (int)RECORD_ALLOC_FIXED;
    default: return -1;
    }
}

/* Ring words of a `kind` record with npcs pcs, header included (and its
 * time word with `timed`); 0 for a kind the ring does not carry. Any
 * context. */
static inline uint64_t record_words(unsigned kind, unsigned npcs, bool timed)
{
    int fixed = record_fixed_words(kind);
    return fixed < 0 ? 0 : 1 + (uint64_t)timed + (uint64_t)fixed + npcs;
}

/* Write and publish one record, or nothing (false: no room, or a field
 * too wide for the header). time_ns nonzero: with REC_F_TIME and its time
 * word. Producer side, async-signal-safe. */
static inline bool record_put(struct ring *r, unsigned kind, unsigned flags, uint32_t tag,
                              uint64_t time_ns, const uint64_t *fixed, unsigned nfixed,
                              const uintptr_t *pcs, unsigned npcs)
{
    if (npcs > RECORD_MAX_PCS || flags > RECORD_MAX_FLAGS || (flags & REC_F_TIME))
        return false;
    unsigned t = time_ns ? 1 : 0;
    uint64_t words = 1 + (uint64_t)t + nfixed + npcs;
    if (!ring_has_room(r, words))
        return false;
    ring_put(r, 0, record_header(kind, flags | (t ? REC_F_TIME : 0), npcs, tag));
    if (t)
        ring_put(r, 1, time_ns);
    for (unsigned i = 0; i < nfixed; i++)
        ring_put(r, 1 + t + i, fixed[i]);
    for (unsigned i = 0; i < npcs; i++)
        ring_put(r, 1 + t + nfixed + i, (uint64_t)pcs[i]);
    ring_commit(r, words);
    return true;
}

/* A CPU sample worth `samples` (>= 1) with stack pcs[npcs], taken at
 * time_ns (0: untimed). */
static inline bool record_put_cpu(struct ring *r, const uintptr_t *pcs, unsigned npcs,
                                  unsigned flags, uint32_t samples, uint64_t time_ns)
{
    if (samples == 0)
        return false;
    return record_put(r, REC_CPU, flags, samples, time_ns, NULL, 0, pcs, npcs);
}

/* A sampled wait with stack pcs[npcs] (pcs[0] the object with WAIT_F_OBJ),
 * ended at time_ns (0: untimed). */
static inline bool record_put_wait(struct ring *r, const uintptr_t *pcs, unsigned npcs,
                                   unsigned flags, const struct record_wait *w, uint64_t time_ns)
{
    if ((flags & WAIT_F_OBJ) && npcs == 0)
        return false;
    const uint64_t fixed[RECORD_WAIT_FIXED] = {w->ns, w->count_fx, w->bytes};
    return record_put(r, REC_WAIT, flags, w->label, time_ns, fixed, RECORD_WAIT_FIXED, pcs, npcs);
}

/* A sampled allocation standing for `bytes` (>= 1) with its site's stack
 * pcs[npcs] and flags, made at time_ns (nonzero: this record exists only
 * for the timeline). */
static inline bool record_put_alloc(struct ring *r, const uintptr_t *pcs, unsigned npcs,
                                    unsigned flags, uint64_t bytes, uint64_t time_ns)
{
    if (bytes == 0 || time_ns == 0)
        return false;
    return record_put(r, REC_ALLOC_TIME, flags, 0, time_ns, &bytes, RECORD_ALLOC_FIXED, pcs, npcs);
}

/* Word `pos` of a ring of mask + 1 words, read once (the host may be
 * rewriting it). */
static inline uint64_t record_word(const uint64_t *words, uint64_t mask, uint64_t pos)
{
    return __atomic_load_n(&words[pos & mask], __ATOMIC_RELAXED);
}

/*
 * Decode the record at counter `pos` of the ring words[mask + 1] (mask + 1
 * a power of two), whose next `avail` words are published (the consumer
 * loaded head with acquire). Copies its pcs into pcs[max_pcs] and fills
 * *rec. Returns the record's length in words (>= 1), or 0 if the words do
 * not hold a whole valid record: the caller then skips the rest of the
 * ring. Never reads outside words[0..mask] or writes past pcs[max_pcs - 1].
 * Consumer side.
 */
static inline uint64_t record_decode(const uint64_t *words, uint64_t mask, uint64_t pos,
                                     uint64_t avail, uint64_t *pcs, unsigned max_pcs,
                                     struct record *rec)
{
    if (avail == 0 || avail > mask + 1)
        return 0;
    uint64_t h = record_word(words, mask, pos);
    unsigned kind = record_header_kind(h);
    unsigned npcs = record_header_npcs(h);
    unsigned flags = record_header_flags(h);
    int fixed = record_fixed_words(kind);
    if (fixed < 0 || npcs > max_pcs)
        return 0;
    uint64_t t = flags & REC_F_TIME ? 1 : 0;
    uint64_t len = 1 + t + (uint64_t)fixed + npcs;
    if (len > avail)
        return 0;
    *rec = (struct record){.kind = kind, .flags = flags, .npcs = npcs, .words = len};
    if (t && (rec->time_ns = record_word(words, mask, pos + 1)) == 0)
        return 0;
    pos += t; /* the payload follows the time word */
    uint32_t tag = record_header_tag(h);
    switch (kind) {
    case REC_CPU:
        if (tag == 0)
            return 0;
        rec->samples = tag;
        break;
    case REC_WAIT:
        if ((rec->flags & WAIT_F_OBJ) && npcs == 0)
            return 0;
        rec->wait.label = tag;
        rec->wait.ns = record_word(words, mask, pos + 1);
        rec->wait.count_fx = record_word(words, mask, pos + 2);
        rec->wait.bytes = record_word(words, mask, pos + 3);
        break;
    case REC_ALLOC_TIME:
        if (!t || tag != 0 || (rec->alloc_bytes = record_word(words, mask, pos + 1)) == 0)
            return 0;
        break;
    default: return 0;
    }
    for (unsigned i = 0; i < npcs; i++)
        pcs[i] = record_word(words, mask, pos + 1 + (uint64_t)fixed + i);
    return len;
}

#endif
