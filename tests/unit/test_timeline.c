/*
 * The .timeline codec (format/timeline.h): a round trip keeps every field;
 * the size target (one thread at 99 Hz for an hour under 6 MB, at most 16
 * bytes a sample) on synthetic data with jittered periods; the encoder
 * refuses what it cannot write truthfully; the decoder refuses every
 * prefix of a valid file and forged counts and indices, without reading
 * outside its buffer (ASan: make unit-asan); a time range of a timeline as
 * folded text (render/tlrange.h); the collector's log (collector/tlog.h)
 * writes each event in each of its views (own metric, wall), scaled, and a
 * spread view's wait in pieces over its duration, in time order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "collector/tlog.h"
#include "format/timeline.h"
#include "render/tlrange.h"

static char *metric_names[] = {(char *)"cpu", (char *)"io_ns"};
static struct tl_thread threads[] = {{101, (char *)"main"}, {102, (char *)"worker-1"}};
static struct tl_stack stacks[] = {
    {0, 0, (char *)"[main tid=101];main;burst", 25},
    {0, 1, (char *)"[worker-1 tid=102];start_thread;steady", 38},
    {1, 1, (char *)"[worker-1 tid=102];start_thread;read [pipe]", 43},
};

static void sample_timeline(struct timeline *tl, struct tl_event *ev, size_t n)
{
    memset(tl, 0, sizeof *tl);
    tl->start_ns = 123456789012345ull;
    tl->period_ns = 10101010;
    tl->pid = 4242;
    tl->comm = (char *)"burst";
    tl->threads = threads;
    tl->nthreads = 2;
    tl->metrics = metric_names;
    tl->nmetrics = 2;
    tl->stacks = stacks;
    tl->nstacks = 3;
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(stacks[i].len, strlen(stacks[i].frames));
    tl->events = ev;
    tl->nevents = n;
}

static void test_round_trip(void **st)
{
    (void)st;
    struct tl_event ev[] = {
        {0, 0, 1}, {10101010, 1, 1}, {10101010, 2, 123456789}, {UINT64_MAX / 2, 0, UINT64_MAX}};
    struct timeline in, out;
    sample_timeline(&in, ev, 4);
    unsigned char *buf;
    size_t len;
    assert_int_equal(timeline_encode(&in, &buf, &len), 0);
    assert_true(timeline_is(buf, len));
    const char *why = NULL;
    assert_int_equal(timeline_decode(buf, len, &out, &why), 0);
    assert_int_equal(out.start_ns, in.start_ns);
    assert_int_equal(out.period_ns, in.period_ns);
    assert_int_equal(out.pid, 4242);
    assert_string_equal(out.comm, "burst");
    assert_int_equal(out.nthreads, 2);
    assert_int_equal(out.threads[1].tid, 102);
    assert_string_equal(out.threads[1].name, "worker-1");
    assert_int_equal(out.nmetrics, 2);
    assert_string_equal(out.metrics[1], "io_ns");
    assert_int_equal(out.nstacks, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(out.stacks[i].metric, stacks[i].metric);
        assert_int_equal(out.stacks[i].thread, stacks[i].thread);
        assert_int_equal(out.stacks[i].len, strlen(stacks[i].frames));
        assert_string_equal(out.stacks[i].frames, stacks[i].frames);
    }
    assert_int_equal(out.nevents, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(out.events[i].t_ns, ev[i].t_ns);
        assert_int_equal(out.events[i].stack, ev[i].stack);
        assert_int_equal(out.events[i].weight, ev[i].weight);
    }
    timeline_free(&out);
    assert_null(out.events);

    /* every prefix is refused, and so is a byte more */
    for (size_t n = 0; n < len; n++) {
        assert_int_equal(timeline_decode(buf, n, &out, &why), -1);
        assert_non_null(why);
    }
    unsigned char *more = malloc(len + 1);
    memcpy(more, buf, len);
    more[len] = 0;
    assert_int_equal(timeline_decode(more, len + 1, &out, &why), -1);
    assert_string_equal(why, "bytes after the events");
    /* another version */
    memcpy(more, buf, len);
    more[8] = 2;
    assert_int_equal(timeline_decode(more, len, &out, &why), -1);
    free(more);
    free(buf);
}

/* The size target of issue 13: one thread at 99 Hz for an hour. */
static void test_size_hour_at_99hz(void **st)
{
    (void)st;
    size_t n = 99 * 3600;
    struct tl_event *ev = malloc(n * sizeof *ev);
    uint64_t t = 0, x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* a period of 10.1 ms give or take 1 ms, 3 stacks, 1 sample each */
        t += 10101010 - 1000000 + x % 2000000;
        ev[i] = (struct tl_event){t, (uint32_t)(x >> 40) % 2, 1};
    }
    struct timeline in;
    sample_timeline(&in, ev, n);
    unsigned char *buf;
    size_t len;
    assert_int_equal(timeline_encode(&in, &buf, &len), 0);
    print_message("1 h at 99 Hz: %zu bytes, %.2f bytes a sample\n", len, (double)len / (double)n);
    assert_true(len < 6u * 1000 * 1000);
    assert_true(len <= 16 * n);
    struct timeline out;
    const char *why;
    assert_int_equal(timeline_decode(buf, len, &out, &why), 0);
    assert_int_equal(out.nevents, n);
    assert_int_equal(out.events[n - 1].t_ns, t);
    timeline_free(&out);
    free(buf);
    free(ev);
}

static void test_encode_refuses(void **st)
{
    (void)st;
    struct tl_event ev[] = {{5, 0, 1}, {4, 0, 1}};
    struct timeline in;
    unsigned char *buf;
    size_t len;
    sample_timeline(&in, ev, 2); /* out of order */
    assert_int_equal(timeline_encode(&in, &buf, &len), -1);
    ev[1] = (struct tl_event){6, 3, 1}; /* no stack 3 */
    assert_int_equal(timeline_encode(&in, &buf, &len), -1);
    ev[1].stack = 0;
    assert_int_equal(timeline_encode(&in, &buf, &len), 0);
    free(buf);
}

/* Hand-made files: forged counts and indices. */
static size_t header(unsigned char *b)
{
    memcpy(b, TIMELINE_MAGIC, 8);
    memset(b + 8, 0, 8);
    b[8] = 1;
    size_t n = 16;
    b[n++] = 0; /* start */
    b[n++] = 0; /* period */
    b[n++] = 1; /* pid */
    b[n++] = 0; /* comm "" */
    b[n++] = 1; /* 1 thread */
    b[n++] = 7; /* tid */
    b[n++] = 0; /* name "" */
    b[n++] = 1; /* 1 metric */
    b[n++] = 3; /* "cpu" */
    b[n++] = 'c';
    b[n++] = 'p';
    b[n++] = 'u';
    return n;
}

static void test_decode_forged(void **st)
{
    (void)st;
    unsigned char b[64];
    struct timeline tl;
    const char *why;
    size_t n = header(b);
    b[n++] = 1; /* 1 stack */
    b[n++] = 0; /* metric 0 */
    b[n++] = 0; /* thread 0 */
    b[n++] = 1; /* "a" */
    b[n++] = 'a';
    b[n++] = 1; /* 1 event */
    b[n++] = 5; /* dt */
    b[n++] = 0; /* stack 0 */
    b[n++] = 1; /* weight */
    assert_int_equal(timeline_decode(b, n, &tl, &why), 0);
    assert_int_equal(tl.events[0].t_ns, 5);
    timeline_free(&tl);

    b[n - 2] = 1; /* stack 1 of 1 */
    assert_int_equal(timeline_decode(b, n, &tl, &why), -1);
    assert_string_equal(why, "stack index out of range");
    b[n - 2] = 0;
    b[n - 4] = 0xff; /* a billion events in 3 bytes */
    b[n - 3] |= 0x80;
    assert_int_equal(timeline_decode(b, n, &tl, &why), -1);
    b[n - 4] = 1;
    b[n - 3] = 5;
    size_t stack_at = header(b);
    b[stack_at + 1] = 1; /* metric 1 of 1 */
    assert_int_equal(timeline_decode(b, n, &tl, &why), -1);
    assert_string_equal(why, "metric index out of range");
    b[stack_at + 1] = 0;
    b[stack_at + 3] = 9; /* a string longer than the file */
    assert_int_equal(timeline_decode(b, n, &tl, &why), -1);
    b[stack_at + 3] = 1;
    b[stack_at + 4] = 0; /* NUL in a frame */
    assert_int_equal(timeline_decode(b, n, &tl, &why), -1);
    /* an 11-byte varint */
    memset(b + 16, 0xff, 10);
    b[26] = 1;
    assert_int_equal(timeline_decode(b, 27, &tl, &why), -1);
    assert_false(timeline_is((const unsigned char *)"a;b 1\n", 6));
}

/* A time range as folded text (render/tlrange.h): [from, to) of one
 * metric, summed per stack; a frame with a newline cannot add a line. */
static void test_range_folded(void **st)
{
    (void)st;
    struct tl_event ev[] = {{0, 0, 1},         {400000000, 0, 2},  {500000000, 1, 4},
                            {500000000, 2, 8}, {999999999, 1, 16}, {1000000000, 1, 32}};
    struct timeline tl;
    sample_timeline(&tl, ev, 6);
    struct tl_range r = {.metric = "cpu", .from_s = 0.4, .to_s = 1.0};
    char *text;
    size_t len;
    assert_int_equal(tl_range_folded(&tl, &r, &text, &len), 0);
    assert_string_equal(text, "[main tid=101];main;burst 2\n"
                              "[worker-1 tid=102];start_thread;steady 20\n");
    free(text);
    r = (struct tl_range){.metric = "io_ns", .from_s = 0, .to_s = -1};
    assert_int_equal(tl_range_folded(&tl, &r, &text, &len), 0);
    assert_string_equal(text, "[worker-1 tid=102];start_thread;read [pipe] 8\n");
    free(text);
    r.metric = "lock_ns"; /* not in the file: nothing */
    assert_int_equal(tl_range_folded(&tl, &r, &text, &len), 0);
    assert_int_equal(len, 0);
    free(text);
    char forged[] = "a\nb 99;c";
    struct tl_stack one = {0, 0, forged, sizeof forged - 1};
    tl.stacks = &one;
    tl.nstacks = 1;
    tl.nevents = 1;
    assert_int_equal(tl_range_folded(&tl, NULL, &text, &len), 0);
    assert_string_equal(text, "a_b 99;c 1\n");
    free(text);
}

/* Entry 0: a CPU sample (cpu; wall = x period under [cpu]); entry 1: a
 * sleep (no metric of its own; wall, spread); entry 2: an allocation
 * (alloc_bytes only). */
static bool names_of(void *arg, uint32_t entry, unsigned view, struct tlog_view *o)
{
    (void)arg;
    static const char *own[] = {"[t tid=7];main;spin", NULL, "[t tid=7];main;burst"};
    static const char *wall[] = {"[t tid=7];main;spin;[cpu]", "[t tid=7];main;nanosleep;[sleep]",
                                 NULL};
    static const char *metric[] = {"cpu", NULL, "alloc_bytes"};
    const char *text = view == 0 ? own[entry] : wall[entry];
    if (entry > 2 || !text)
        return false;
    o->text = text;
    o->len = strlen(text);
    o->metric = view == 0 ? metric[entry] : "wall";
    o->serial = 1;
    if (view == 1 && entry == 0)
        o->scale = 1000;
    o->spread = view == 1 && entry == 1;
    return true;
}

/* Write log l (entries named by names_of) of a session of 1 s from start
 * and read it back into *tl. */
static void tlog_round_trip(struct tlog *l, uint64_t start, struct timeline *tl)
{
    struct thread_rec th = {.serial = 1, .tid = 7, .name = "t"};
    struct tlog_session s = {.start_mono_ns = start,
                             .end_mono_ns = start + 1000000000ull,
                             .period_ns = 1000,
                             .pid = 7,
                             .comm = "t",
                             .threads = &th,
                             .nthreads = 1};
    struct tlog_names nm = {names_of, NULL};
    char path[] = "/tmp/test_timeline.XXXXXX";
    assert_non_null(mkdtemp(path));
    int dfd = open(path, O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    assert_int_equal(tlog_write(l, &s, &nm, dfd, "t.timeline"), 0);
    char file[600];
    snprintf(file, sizeof file, "%s/t.timeline", path);
    assert_int_equal(tl_read_file(file, tl), 0);
    unlink(file);
    close(dfd);
    rmdir(path);
}

static void test_tlog_views(void **st)
{
    (void)st;
    struct tlog *l = tlog_new();
    assert_non_null(l);
    const uint64_t start = 1000000000ull;
    assert_int_equal(tlog_add(l, start + 30000000ull, 0, 2), 0); /* cpu at 30 ms */
    assert_int_equal(tlog_add(l, start + 10000000ull, 1, 45000000ull),
                     0);                                              /* 45 ms sleep at 10 ms */
    assert_int_equal(tlog_add(l, start + 20000000ull, 2, 524288), 0); /* alloc at 20 ms */
    struct timeline tl;
    tlog_round_trip(l, start, &tl);
    tlog_free(l);
    /* metrics in first use order: wall (the sleep at 10 ms comes first),
     * alloc_bytes, cpu */
    assert_int_equal(tl.nmetrics, 3);
    assert_string_equal(tl.metrics[0], "wall");
    assert_string_equal(tl.metrics[1], "alloc_bytes");
    assert_string_equal(tl.metrics[2], "cpu");
    assert_int_equal(tl.nstacks, 4);
    /* the sleep in pieces of 20 ms: 10, 30, 50 ms (20 + 20 + 5 ms); the
     * allocation at 20 ms; the sample at 30 ms as cpu (2) and wall (2000) */
    uint64_t t[] = {10, 20, 30, 30, 30, 50};
    assert_int_equal(tl.nevents, 6);
    uint64_t wall = 0, cpu = 0, alloc = 0;
    for (size_t i = 0; i < tl.nevents; i++) {
        const struct tl_event *e = &tl.events[i];
        assert_int_equal(e->t_ns, t[i] * 1000000ull);
        const char *m = tl.metrics[tl.stacks[e->stack].metric];
        if (strcmp(m, "wall") == 0) {
            wall += e->weight;
            assert_true(e->weight <= TLOG_SPREAD_NS);
        } else if (strcmp(m, "cpu") == 0) {
            cpu += e->weight;
        } else {
            alloc += e->weight;
            assert_string_equal(tl.stacks[e->stack].frames, "[t tid=7];main;burst");
        }
    }
    assert_int_equal(wall, 45000000ull + 2000);
    assert_int_equal(cpu, 2);
    assert_int_equal(alloc, 524288);
    timeline_free(&tl);
}

/* A host may claim any wait length: pieces stop at the session's end and
 * the rest of the wait is one event; the weight is whole. */
static void test_tlog_spread_bounded(void **st)
{
    (void)st;
    struct tlog *l = tlog_new();
    assert_non_null(l);
    const uint64_t start = 5000000000ull;
    assert_int_equal(tlog_add(l, start + 900000000ull, 1, 10000000000ull), 0); /* 10 s at 0.9 s */
    assert_int_equal(tlog_add(l, start + 100000000ull, 1, UINT64_MAX / 2), 0);
    struct timeline tl;
    tlog_round_trip(l, start, &tl);
    tlog_free(l);
    uint64_t sum = 0;
    assert_true(tl.nevents <= 2 + 2 * 50 + 2); /* one piece a 20 ms of 1 s per thread, + events */
    for (size_t i = 0; i < tl.nevents; i++) {
        assert_true(tl.events[i].t_ns < 1000000000ull);
        sum += tl.events[i].weight;
    }
    assert_int_equal(sum, 10000000000ull + UINT64_MAX / 2);
    timeline_free(&tl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),          cmocka_unit_test(test_size_hour_at_99hz),
        cmocka_unit_test(test_encode_refuses),      cmocka_unit_test(test_decode_forged),
        cmocka_unit_test(test_range_folded),        cmocka_unit_test(test_tlog_views),
        cmocka_unit_test(test_tlog_spread_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
