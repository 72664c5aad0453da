/*
 * The record codec (preload/record.h): every kind the ring carries written
 * by record_put_* and read back by record_decode, in place and across the
 * ring's wrap; the words it writes (the shared-memory layout, pinned); a
 * full ring or a field too wide writes nothing; and the decoder refuses
 * truncated, oversized and garbage records. Rings and pcs buffers are
 * allocated at their exact size, so under ASan (make unit-asan) any read
 * or write outside them fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "preload/record.h"
#include "preload/unwind.h"
#include "preload/wait.h"

/* A ring of `words` (a power of two) words, empty, counters at `start`. */
static void ring_make(struct ring *r, uint64_t words, uint64_t start)
{
    memset(r, 0, sizeof *r);
    r->words = malloc(words * sizeof *r->words);
    assert_non_null(r->words);
    memset(r->words, 0xa5, words * sizeof *r->words);
    r->mask = words - 1;
    atomic_store(&r->head, start);
    atomic_store(&r->tail, start);
    r->tail_seen = start;
}

static uint64_t ring_head(struct ring *r)
{
    return atomic_load(&r->head);
}

static uint64_t ring_tail(struct ring *r)
{
    return atomic_load(&r->tail);
}

/* Decode the record at the ring's tail, all published words available. */
static uint64_t decode_at_tail(struct ring *r, uint64_t *pcs, unsigned max, struct record *rec)
{
    return record_decode(r->words, r->mask, ring_tail(r), ring_head(r) - ring_tail(r), pcs, max,
                         rec);
}

static void test_words(void **st)
{
    (void)st;
    assert_int_equal(record_words(REC_CPU, 0, false), 1);
    assert_int_equal(record_words(REC_CPU, 5, false), 6);
    assert_int_equal(record_words(REC_WAIT, 0, false), 4);
    assert_int_equal(record_words(REC_WAIT, 5, false), 9);
    /* allocations do not use the ring */
    assert_int_equal(record_words(REC_ALLOC, 5, false), 0);
    assert_int_equal(record_words(3, 5, false), 0);
    assert_int_equal(record_words(0, 0, false), 0);
}

/* The layout is the shared mapping's (LAYOUT_VERSION): these are the exact
 * words a CPU record has always been. */
static void test_cpu_round_trip(void **st)
{
    (void)st;
    struct ring r;
    ring_make(&r, 16, 0);
    const uintptr_t pcs[3] = {0x401000, 0x402000, 0x7fff0000};
    assert_true(record_put_cpu(&r, pcs, 3, UNW_F_TRUNCATED | UNW_F_FAILED, 7, 0));
    assert_int_equal(ring_head(&r), 4);
    assert_int_equal(r.words[0], 3ull | 3ull << 16 | 1ull << 24 | 7ull << 32);
    assert_int_equal(r.words[1], 0x401000);
    assert_int_equal(r.words[3], 0x7fff0000);
    assert_int_equal(r.words[4], 0xa5a5a5a5a5a5a5a5ull); /* untouched */

    uint64_t *out = malloc(3 * sizeof *out);
    struct record rec;
    assert_int_equal(decode_at_tail(&r, out, 3, &rec), 4);
    assert_int_equal(rec.kind, REC_CPU);
    assert_int_equal(rec.flags, UNW_F_TRUNCATED | UNW_F_FAILED);
    assert_int_equal(rec.npcs, 3);
    assert_int_equal(rec.words, 4);
    assert_int_equal(rec.samples, 7);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(out[i], pcs[i]);

    /* no pcs at all (the unwinder gave up at once) and the widest weight */
    atomic_store(&r.tail, 4);
    assert_true(record_put_cpu(&r, pcs, 0, UNW_F_SHALLOW, UINT32_MAX, 0));
    assert_int_equal(decode_at_tail(&r, out, 3, &rec), 1);
    assert_int_equal(rec.npcs, 0);
    assert_int_equal(rec.samples, UINT32_MAX);
    assert_int_equal(rec.flags, UNW_F_SHALLOW);
    free(out);
    free(r.words);
}

static void test_wait_round_trip(void **st)
{
    (void)st;
    struct ring r;
    ring_make(&r, 16, 0);
    const uintptr_t pcs[2] = {0xdeadbee0, 0x401234}; /* the lock, then the call site */
    struct record_wait w = {
        .label = WAIT_LABEL(WC_read, FDK_PIPE), .ns = UINT64_MAX, .count_fx = 65536, .bytes = 4096};
    assert_true(record_put_wait(&r, pcs, 2, WAIT_F_OBJ | UNW_F_LOW_STACK, &w, 0));
    assert_int_equal(ring_head(&r), 6);
    assert_int_equal(r.words[0], 2ull | (uint64_t)(WAIT_F_OBJ | UNW_F_LOW_STACK) << 16 |
                                     4ull << 24 | (uint64_t)w.label << 32);
    assert_int_equal(r.words[1], UINT64_MAX);
    assert_int_equal(r.words[2], 65536);
    assert_int_equal(r.words[3], 4096);
    assert_int_equal(r.words[4], 0xdeadbee0);
    assert_int_equal(r.words[5], 0x401234);

    uint64_t *out = malloc(2 * sizeof *out);
    struct record rec;
    assert_int_equal(decode_at_tail(&r, out, 2, &rec), 6);
    assert_int_equal(rec.kind, REC_WAIT);
    assert_int_equal(rec.flags, WAIT_F_OBJ | UNW_F_LOW_STACK);
    assert_int_equal(rec.npcs, 2);
    assert_int_equal(rec.words, 6);
    assert_int_equal(rec.wait.label, w.label);
    assert_int_equal(WAIT_LABEL_CALL(rec.wait.label), WC_read);
    assert_int_equal(WAIT_LABEL_FDK(rec.wait.label), FDK_PIPE);
    assert_int_equal(rec.wait.ns, UINT64_MAX);
    assert_int_equal(rec.wait.count_fx, 65536);
    assert_int_equal(rec.wait.bytes, 4096);
    assert_int_equal(out[0], 0xdeadbee0);
    assert_int_equal(out[1], 0x401234);

    /* a wait without an object or pcs is fine */
    atomic_store(&r.tail, 6);
    w.bytes = 0;
    assert_true(record_put_wait(&r, pcs, 0, 0, &w, 0));
    assert_int_equal(decode_at_tail(&r, out, 2, &rec), 4);
    assert_int_equal(rec.npcs, 0);
    assert_int_equal(rec.wait.bytes, 0);
    free(out);
    free(r.words);
}

/* Deterministic xorshift. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Many records of both kinds and random sizes through a small ring whose
 * counters start near 2^64 (they wrap too), drained as the collector does:
 * each decodes to what was written, wherever it falls. */
/* FLAMEPRE_TIMELINE: REC_F_TIME and one time word after the header, both
 * kinds, across the wrap; a time word of 0, or REC_F_TIME passed in by a
 * caller, is refused. */
static void test_timed_round_trip(void **st)
{
    (void)st;
    assert_int_equal(record_words(REC_CPU, 5, true), 7);
    assert_int_equal(record_words(REC_WAIT, 5, true), 10);
    assert_false(REC_F_TIME &
                 (UNW_F_TRUNCATED | UNW_F_FAILED | UNW_F_SHALLOW | UNW_F_LOW_STACK | WAIT_F_OBJ));
    struct ring r;
    ring_make(&r, 16, 13); /* the second record wraps */
    const uintptr_t pcs[2] = {0x401000, 0x402000};
    assert_true(record_put_cpu(&r, pcs, 2, UNW_F_FAILED, 3, 123456789012ull));
    assert_int_equal(r.words[13 & 15],
                     2ull | (uint64_t)(UNW_F_FAILED | REC_F_TIME) << 16 | 1ull << 24 | 3ull << 32);
    assert_int_equal(r.words[14 & 15], 123456789012ull);
    assert_int_equal(r.words[15 & 15], 0x401000);
    uint64_t *out = malloc(2 * sizeof *out);
    struct record rec;
    assert_int_equal(decode_at_tail(&r, out, 2, &rec), 4);
    assert_int_equal(rec.kind, REC_CPU);
    assert_int_equal(rec.flags, UNW_F_FAILED | REC_F_TIME);
    assert_int_equal(rec.time_ns, 123456789012ull);
    assert_int_equal(rec.samples, 3);
    assert_int_equal(out[0], 0x401000);
    assert_int_equal(out[1], 0x402000);
    atomic_store(&r.tail, ring_head(&r));

    struct record_wait w = {
        .label = WAIT_LABEL(WC_read, FDK_PIPE), .ns = 5000, .count_fx = 65536, .bytes = 7};
    assert_true(record_put_wait(&r, pcs, 2, WAIT_F_OBJ, &w, 99));
    assert_int_equal(decode_at_tail(&r, out, 2, &rec), 7);
    assert_int_equal(rec.kind, REC_WAIT);
    assert_int_equal(rec.time_ns, 99);
    assert_int_equal(rec.wait.ns, 5000);
    assert_int_equal(rec.wait.count_fx, 65536);
    assert_int_equal(rec.wait.bytes, 7);
    assert_int_equal(out[0], 0x401000);
    atomic_store(&r.tail, ring_head(&r));

    /* untimed records carry no time */
    assert_true(record_put_cpu(&r, pcs, 1, 0, 1, 0));
    assert_int_equal(decode_at_tail(&r, out, 2, &rec), 2);
    assert_int_equal(rec.time_ns, 0);
    assert_int_equal(rec.flags, 0);
    atomic_store(&r.tail, ring_head(&r));

    /* the caller never passes the flag itself; a zero time word is garbage */
    assert_false(record_put_cpu(&r, pcs, 1, REC_F_TIME, 1, 5));
    uint64_t h = ring_head(&r);
    r.words[h & 15] = record_header(REC_CPU, REC_F_TIME, 0, 1);
    r.words[(h + 1) & 15] = 0;
    atomic_store(&r.head, h + 2);
    assert_int_equal(decode_at_tail(&r, out, 2, &rec), 0);
    /* a time word not yet published: not whole */
    atomic_store(&r.head, h + 1);
    assert_int_equal(decode_at_tail(&r, out, 2, &rec), 0);
    free(out);
    free(r.words);
}

/* A timed allocation (FLAMEPRE_TIMELINE with alloc): header, time, bytes,
 * pcs; always timed, never zero bytes; the decoder refuses an untimed one,
 * a zero weight and a tag no writer sets. */
static void test_alloc_time_round_trip(void **st)
{
    (void)st;
    assert_int_equal(record_words(REC_ALLOC_TIME, 3, true), 6);
    struct ring r;
    ring_make(&r, 16, 11); /* wraps inside the pcs */
    const uintptr_t pcs[3] = {0x401000, 0x402000, 0x403000};
    assert_true(record_put_alloc(&r, pcs, 3, UNW_F_TRUNCATED, 524288, 777));
    assert_int_equal(r.words[11],
                     3ull | (uint64_t)(UNW_F_TRUNCATED | REC_F_TIME) << 16 | 5ull << 24);
    assert_int_equal(r.words[12], 777);
    assert_int_equal(r.words[13], 524288);
    assert_int_equal(r.words[14], 0x401000);
    assert_int_equal(r.words[0], 0x403000);
    uint64_t *out = malloc(3 * sizeof *out);
    struct record rec;
    assert_int_equal(decode_at_tail(&r, out, 3, &rec), 6);
    assert_int_equal(rec.kind, REC_ALLOC_TIME);
    assert_int_equal(rec.flags, UNW_F_TRUNCATED | REC_F_TIME);
    assert_int_equal(rec.time_ns, 777);
    assert_int_equal(rec.alloc_bytes, 524288);
    assert_int_equal(rec.npcs, 3);
    assert_int_equal(out[0], 0x401000);
    assert_int_equal(out[2], 0x403000);
    atomic_store(&r.tail, ring_head(&r));

    /* the writer refuses what the decoder would */
    assert_false(record_put_alloc(&r, pcs, 1, 0, 0, 5)); /* no bytes */
    assert_false(record_put_alloc(&r, pcs, 1, 0, 8, 0)); /* no time */
    assert_int_equal(ring_head(&r), ring_tail(&r));
    uint64_t h = ring_head(&r);
    /* untimed */
    r.words[h & 15] = record_header(REC_ALLOC_TIME, 0, 0, 0);
    r.words[(h + 1) & 15] = 8;
    atomic_store(&r.head, h + 2);
    assert_int_equal(decode_at_tail(&r, out, 3, &rec), 0);
    /* zero bytes */
    r.words[h & 15] = record_header(REC_ALLOC_TIME, REC_F_TIME, 0, 0);
    r.words[(h + 1) & 15] = 5;
    r.words[(h + 2) & 15] = 0;
    atomic_store(&r.head, h + 3);
    assert_int_equal(decode_at_tail(&r, out, 3, &rec), 0);
    /* a tag */
    r.words[h & 15] = record_header(REC_ALLOC_TIME, REC_F_TIME, 0, 1);
    r.words[(h + 2) & 15] = 8;
    assert_int_equal(decode_at_tail(&r, out, 3, &rec), 0);
    /* the same, tag 0: whole */
    r.words[h & 15] = record_header(REC_ALLOC_TIME, REC_F_TIME, 0, 0);
    assert_int_equal(decode_at_tail(&r, out, 3, &rec), 3);
    assert_int_equal(rec.alloc_bytes, 8);
    free(out);
    free(r.words);
}

static void test_stream_wraps(void **st)
{
    (void)st;
    enum { WORDS = 64, MAXP = 20, ROUNDS = 5000 };
    struct ring r;
    ring_make(&r, WORDS, UINT64_MAX - 100);
    uint64_t seed = 88172645463325252ull;
    uint64_t *out = malloc(MAXP * sizeof *out);
    uintptr_t pcs[MAXP];
    unsigned written = 0, read = 0, refused = 0;
    /* what is in flight, in order: kind, npcs, first pc */
    struct {
        unsigned kind, n;
        uint64_t first, extra;
    } q[WORDS];
    unsigned qh = 0, qt = 0;
    for (unsigned round = 0; round < ROUNDS; round++) {
        if (rnd(&seed) % 3) {
            unsigned n = (unsigned)(rnd(&seed) % (MAXP + 1));
            uint64_t first = rnd(&seed);
            for (unsigned i = 0; i < n; i++)
                pcs[i] = (uintptr_t)(first + i);
            bool cpu = rnd(&seed) & 1;
            uint64_t extra = rnd(&seed) | 1;
            bool ok = cpu ? record_put_cpu(&r, pcs, n, 0, (uint32_t)extra, 0)
                          : record_put_wait(&r, pcs, n, 0,
                                            &(struct record_wait){.label = (uint32_t)extra,
                                                                  .ns = extra,
                                                                  .count_fx = ~extra,
                                                                  .bytes = extra >> 1},
                                            0);
            if (!ok) {
                refused++;
                continue;
            }
            q[qh++ % WORDS] = (typeof(q[0])){cpu ? REC_CPU : REC_WAIT, n, first, extra};
            written++;
        } else {
            while (qt != qh) {
                struct record rec;
                uint64_t len = decode_at_tail(&r, out, MAXP, &rec);
                assert_int_equal(len, record_words(q[qt % WORDS].kind, q[qt % WORDS].n, false));
                assert_int_equal(rec.kind, q[qt % WORDS].kind);
                assert_int_equal(rec.npcs, q[qt % WORDS].n);
                for (unsigned i = 0; i < rec.npcs; i++)
                    assert_int_equal(out[i], q[qt % WORDS].first + i);
                uint64_t extra = q[qt % WORDS].extra;
                if (rec.kind == REC_CPU) {
                    assert_int_equal(rec.samples, (uint32_t)extra);
                } else {
                    assert_int_equal(rec.wait.label, (uint32_t)extra);
                    assert_int_equal(rec.wait.ns, extra);
                    assert_int_equal(rec.wait.count_fx, ~extra);
                    assert_int_equal(rec.wait.bytes, extra >> 1);
                }
                atomic_store(&r.tail, ring_tail(&r) + len);
                qt++;
                read++;
                if (rnd(&seed) & 1)
                    break; /* drain partly, sometimes */
            }
        }
    }
    assert_int_equal(read + (qh - qt), written);
    assert_true(refused > 0);                      /* the ring did fill */
    assert_true(ring_head(&r) < UINT64_MAX - 100); /* and the counters wrapped */
    free(out);
    free(r.words);
}

/* A full ring, or a field the header cannot hold: nothing written, head
 * unchanged. */
static void test_put_refuses(void **st)
{
    (void)st;
    struct ring r;
    ring_make(&r, 8, 0);
    uintptr_t pcs[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct record_wait w = {.label = 1, .ns = 2, .count_fx = 3, .bytes = 4};
    assert_false(record_put_cpu(&r, pcs, 8, 0, 1, 0));   /* 9 words > 8 */
    assert_false(record_put_wait(&r, pcs, 5, 0, &w, 0)); /* 9 words */
    assert_int_equal(ring_head(&r), 0);
    assert_int_equal(r.words[0], 0xa5a5a5a5a5a5a5a5ull);
    assert_true(record_put_cpu(&r, pcs, 7, 0, 1, 0)); /* exactly full */
    assert_false(record_put_cpu(&r, pcs, 0, 0, 1, 0));
    assert_int_equal(ring_head(&r), 8);
    atomic_store(&r.tail, 8); /* consumed */
    assert_true(record_put_wait(&r, pcs, 4, 0, &w, 0));
    assert_int_equal(ring_head(&r), 16);

    atomic_store(&r.tail, 16);
    assert_false(record_put_cpu(&r, pcs, 1, 0, 0, 0)); /* no samples */
    assert_false(record_put_cpu(&r, pcs, 1, RECORD_MAX_FLAGS + 1, 1, 0));
    assert_false(record_put_cpu(&r, pcs, RECORD_MAX_PCS + 1, 0, 1, 0)); /* pcs not read */
    assert_false(record_put_wait(&r, pcs, 0, WAIT_F_OBJ, &w, 0));       /* object, no pc */
    assert_int_equal(ring_head(&r), 16);
    free(r.words);
}

/* Every proper prefix of a valid record is refused. */
static void test_decode_truncated(void **st)
{
    (void)st;
    struct ring r;
    ring_make(&r, 16, 5);
    uintptr_t pcs[4] = {1, 2, 3, 4};
    struct record_wait w = {.label = 1, .ns = 2, .count_fx = 3, .bytes = 4};
    assert_true(record_put_wait(&r, pcs, 4, 0, &w, 0));
    uint64_t *out = malloc(4 * sizeof *out);
    struct record rec;
    for (uint64_t avail = 0; avail < 8; avail++)
        assert_int_equal(record_decode(r.words, r.mask, 5, avail, out, 4, &rec), 0);
    assert_int_equal(record_decode(r.words, r.mask, 5, 8, out, 4, &rec), 8);
    /* more published than the ring holds: incoherent counters */
    assert_int_equal(record_decode(r.words, r.mask, 5, 17, out, 4, &rec), 0);

    atomic_store(&r.tail, 13);
    assert_true(record_put_cpu(&r, pcs, 4, 0, 1, 0));
    for (uint64_t avail = 0; avail < 5; avail++)
        assert_int_equal(record_decode(r.words, r.mask, 13, avail, out, 4, &rec), 0);
    assert_int_equal(record_decode(r.words, r.mask, 13, 5, out, 4, &rec), 5);
    free(out);
    free(r.words);
}

/* More pcs than the reader has room for: refused, its buffer untouched
 * (ASan: the buffer is exactly max_pcs long). */
static void test_decode_oversized(void **st)
{
    (void)st;
    struct ring r;
    ring_make(&r, 16, 0);
    uintptr_t pcs[6] = {1, 2, 3, 4, 5, 6};
    assert_true(record_put_cpu(&r, pcs, 6, 0, 1, 0));
    uint64_t *out = malloc(5 * sizeof *out);
    out[0] = 42;
    struct record rec;
    assert_int_equal(decode_at_tail(&r, out, 5, &rec), 0);
    assert_int_equal(out[0], 42);
    assert_int_equal(decode_at_tail(&r, out, 0, &rec), 0);
    free(out);
    out = malloc(6 * sizeof *out);
    assert_int_equal(decode_at_tail(&r, out, 6, &rec), 7);
    free(out);

    /* a header claiming the widest count in a small ring */
    r.words[0] = record_header(REC_CPU, 0, RECORD_MAX_PCS, 1);
    out = malloc(RECORD_MAX_PCS * sizeof *out);
    assert_int_equal(record_decode(r.words, r.mask, 0, 16, out, RECORD_MAX_PCS, &rec), 0);
    free(out);
    free(r.words);
}

/* Headers no writer produces. */
static void test_decode_garbage(void **st)
{
    (void)st;
    struct ring r;
    ring_make(&r, 16, 0);
    uint64_t out[4];
    struct record rec;
    const uint64_t bad[] = {
        0,                                 /* a zeroed ring */
        record_header(0, 0, 1, 1),         /* no kind */
        record_header(REC_ALLOC, 0, 1, 1), /* not a ring kind */
        record_header(3, 0, 1, 1),         /* REC_FREE, gone */
        record_header(5, 0, 1, 1),
        record_header(0xff, 0, 1, 1),
        record_header(REC_CPU, 0, 1, 0),           /* no samples */
        record_header(REC_WAIT, WAIT_F_OBJ, 0, 1), /* object without a pc */
        0xa5a5a5a5a5a5a5a5ull,
        UINT64_MAX,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r.words[0] = bad[i];
        assert_int_equal(record_decode(r.words, r.mask, 0, 16, out, 4, &rec), 0);
    }
    free(r.words);
}

/* Random words at every position and every published length: a decode
 * either refuses or returns a length that fits and matches its header. */
static void test_decode_random(void **st)
{
    (void)st;
    enum { WORDS = 32, MAXP = 8 };
    struct ring r;
    ring_make(&r, WORDS, 0);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint64_t *out = malloc(MAXP * sizeof *out);
    unsigned accepted = 0;
    for (unsigned round = 0; round < 2000; round++) {
        for (unsigned i = 0; i < WORDS; i++) {
            uint64_t v = rnd(&seed);
            /* bias toward plausible headers so both paths are taken */
            if (i % 4 == 0 && (v & 3) == 0)
                v = record_header(v & 4 ? REC_CPU : REC_WAIT, (unsigned)(v >> 8) & 0xff,
                                  (unsigned)(v >> 16) % 12, (uint32_t)(v >> 32));
            r.words[i] = v;
        }
        uint64_t pos = rnd(&seed);
        for (uint64_t avail = 0; avail <= WORDS + 1; avail++) {
            struct record rec;
            uint64_t len = record_decode(r.words, r.mask, pos, avail, out, MAXP, &rec);
            if (!len)
                continue;
            accepted++;
            assert_true(len <= avail);
            assert_true(rec.npcs <= MAXP);
            assert_int_equal(len, record_words(rec.kind, rec.npcs, rec.flags & REC_F_TIME));
            assert_true(!(rec.flags & REC_F_TIME) == !rec.time_ns);
            assert_int_equal(len, rec.words);
        }
    }
    assert_true(accepted > 0);
    free(out);
    free(r.words);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_cpu_round_trip),
        cmocka_unit_test(test_wait_round_trip),
        cmocka_unit_test(test_timed_round_trip),
        cmocka_unit_test(test_alloc_time_round_trip),
        cmocka_unit_test(test_stream_wraps),
        cmocka_unit_test(test_put_refuses),
        cmocka_unit_test(test_decode_truncated),
        cmocka_unit_test(test_decode_oversized),
        cmocka_unit_test(test_decode_garbage),
        cmocka_unit_test(test_decode_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
