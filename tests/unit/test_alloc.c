/* Allocation profiling core: sampler math (exponential countdown mean,
 * unbiased weights), the lock-free live table (insert/remove/realloc-style
 * move, 8 threads freeing each other's blocks, exact mode's saturated
 * filter), allocation sites (identity, index growth, reuse of a slot,
 * reset, enumeration while other threads add sites), and the bootstrap
 * arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "preload/alloc.h"
#include "preload/config.h"
#include "preload/allocsite.h"
#include "preload/livetab.h"

static void test_draw_mean(void **st)
{
    (void)st;
    uint64_t rng = 12345;
    const uint64_t T = 512 * 1024;
    const int N = 200000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < N; i++) {
        int64_t v = alloc_draw(&rng, T);
        assert_true(v >= 0);
        sum += (double)v;
        sum2 += (double)v * (double)v;
    }
    double mean = sum / N, sd = sqrt(sum2 / N - mean * mean);
    /* Exponential: mean T, standard deviation T; the mean of N draws is
     * within 4 standard errors (T/sqrt(N) = 0.22%) of T. */
    assert_true(fabs(mean - T) < 4.0 * T / sqrt(N));
    assert_true(fabs(sd - T) < 0.02 * T);
    assert_int_equal(alloc_draw(&rng, 0), -1);
}

static void test_weights(void **st)
{
    (void)st;
    uint64_t b, c;
    alloc_weight(100, 0, &b, &c); /* exact mode */
    assert_int_equal(b, 100);
    assert_int_equal(c, ALLOC_COUNT_ONE);
    alloc_weight(0, 0, &b, &c);
    assert_int_equal(b, 0);
    assert_int_equal(c, ALLOC_COUNT_ONE);
    /* s = T: p = 1 - 1/e; bytes = T/p, count = 1/p. */
    const uint64_t T = 1 << 19;
    alloc_weight(T, T, &b, &c);
    double p = 1 - exp(-1.0);
    assert_true(llabs((long long)b - (long long)llround(T / p)) <= 1);
    assert_true(llabs((long long)c - (long long)llround(ALLOC_COUNT_ONE / p)) <= 1);
    /* s << T: bytes about T + s/2. */
    alloc_weight(16, T, &b, &c);
    assert_true(llabs((long long)b - (long long)(T + 8)) <= 1);
    /* s >> T: every block sampled, weight s. */
    alloc_weight(1000ull * T, T, &b, &c);
    assert_int_equal(b, 1000ull * T);
    assert_int_equal(c, ALLOC_COUNT_ONE);
}

/* Simulate the countdown over a stream of sizes: the weighted estimate of
 * bytes and count is unbiased. With T = 4 KiB even the smallest class gets
 * thousands of samples (standard error under 1.5%); tolerance 4%. A fixed
 * seed keeps the test deterministic. */
static void test_unbiased_simulation(void **st)
{
    (void)st;
    const uint64_t T = 4096;
    uint64_t rng = 777;
    int64_t left = alloc_draw(&rng, T);
    static const uint64_t sizes[] = {16, 64, 200, 3000, 70000, 1 << 20};
    double true_bytes[6] = {0}, est_bytes[6] = {0}, true_n[6] = {0}, est_n[6] = {0};
    uint64_t x = 1;
    for (int i = 0; i < 4000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int k = (int)((x >> 8) % 6);
        if (k == 5 && (x & 63))
            k = 0; /* big blocks rarer */
        uint64_t s = sizes[k];
        true_bytes[k] += (double)s;
        true_n[k] += 1;
        left -= (int64_t)s;
        if (left < 0) {
            uint64_t b, c;
            alloc_weight(s, T, &b, &c);
            est_bytes[k] += (double)b;
            est_n[k] += (double)c / ALLOC_COUNT_ONE;
            left = alloc_draw(&rng, T);
        }
    }
    for (int k = 0; k < 6; k++) {
        print_message("size %llu: bytes %.4f count %.4f\n", (unsigned long long)sizes[k],
                      est_bytes[k] / true_bytes[k], est_n[k] / true_n[k]);
        assert_true(true_n[k] > 1000);
        assert_true(fabs(est_bytes[k] / true_bytes[k] - 1) < 0.04);
        assert_true(fabs(est_n[k] / true_n[k] - 1) < 0.04);
    }
}

static void test_livetab_basic(void **st)
{
    (void)st;
    struct livetab t;
    assert_int_equal(livetab_init(&t, 10, NULL), 0);
    uintptr_t a = 0x10000, b = 0x20010;
    assert_false(livetab_maybe(&t, a));
    assert_true(livetab_insert(&t, a, 7));
    assert_true(livetab_insert(&t, b, 8));
    assert_true(livetab_maybe(&t, a));
    assert_int_equal(livetab_remove(&t, 0x30000), 0);
    assert_int_equal(livetab_remove(&t, a), 7);
    assert_int_equal(livetab_remove(&t, a), 0); /* not twice */
    assert_false(livetab_maybe(&t, a) && livetab_filter_index(a) != livetab_filter_index(b));
    /* realloc-style move: the record leaves b and goes to a new address. */
    uint64_t id = livetab_remove(&t, b);
    assert_int_equal(id, 8);
    assert_true(livetab_insert(&t, 0x40000, id));
    assert_int_equal(livetab_remove(&t, 0x40000), 8);
    assert_int_equal(livetab_count(&t), 0);
    /* Churn far beyond capacity: tombstones are reused, nothing is lost. */
    for (uintptr_t i = 1; i <= 100000; i++) {
        assert_true(livetab_insert(&t, i * 16 + 0x100000, i));
        if (i > 300)
            assert_int_equal(livetab_remove(&t, (i - 300) * 16 + 0x100000), i - 300);
    }
    assert_int_equal(livetab_count(&t), 300);
    livetab_release(&t);
}

#define NT 8
#define PER 200000
static struct livetab shared;
static uintptr_t handoff[NT][PER];
static _Atomic int ready[NT];
static _Atomic uint64_t removed_sum;

static void *lt_worker(void *arg)
{
    int me = (int)(intptr_t)arg;
    /* Insert my blocks, then remove the blocks of the next thread. */
    for (int i = 0; i < PER; i++) {
        uintptr_t p = ((uintptr_t)me << 40) + (uintptr_t)i * 32 + 0x1000;
        handoff[me][i] = p;
        if (!livetab_insert(&shared, p, (uint64_t)me << 32 | (uint64_t)(i + 1)))
            abort();
    }
    atomic_store(&ready[me], 1);
    int other = (me + 1) % NT;
    while (!atomic_load(&ready[other]))
        ;
    uint64_t sum = 0;
    for (int i = 0; i < PER; i++) {
        uint64_t id = livetab_remove(&shared, handoff[other][i]);
        if (id != ((uint64_t)other << 32 | (uint64_t)(i + 1)))
            abort();
        sum += id;
    }
    atomic_fetch_add(&removed_sum, sum);
    return NULL;
}

static void test_livetab_concurrent(void **st)
{
    (void)st;
    assert_int_equal(livetab_init(&shared, 22, NULL), 0);
    pthread_t t[NT];
    for (int i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, lt_worker, (void *)(intptr_t)i);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    uint64_t want = 0;
    for (int m = 0; m < NT; m++)
        for (int i = 0; i < PER; i++)
            want += (uint64_t)m << 32 | (uint64_t)(i + 1);
    assert_int_equal(atomic_load(&removed_sum), want);
    assert_int_equal(livetab_count(&shared), 0);
    for (int i = 0; i < NT; i++)
        for (int k = 0; k < PER; k += 997)
            assert_false(livetab_maybe(&shared, handoff[i][k]));
    livetab_release(&shared);
}

/* A stack of n frames whose pcs encode (k, i): distinct per k. */
static unsigned fake_stack(uintptr_t *pcs, unsigned k)
{
    unsigned n = 1 + k % 40;
    for (unsigned i = 0; i < n; i++)
        pcs[i] = 0x400000u + (uintptr_t)k * 4096u + i;
    return n;
}

static struct tslot site_slot[5];

struct visit {
    uint64_t serial;
    unsigned sites, bad;
    uint64_t bytes;
};

static void visit_site(const struct alloc_site *site, void *arg)
{
    struct visit *v = arg;
    if (site->serial != v->serial)
        return;
    uintptr_t pcs[64];
    unsigned k = (unsigned)((site->pcs[0] - 0x400000u) / 4096u);
    if (fake_stack(pcs, k) != site->n || memcmp(pcs, site->pcs, site->n * sizeof pcs[0]) != 0 ||
        site->flags != k % 3)
        v->bad++;
    v->sites++;
    v->bytes += atomic_load(&site->bytes);
}

static void test_sites(void **st)
{
    (void)st;
    assert_int_equal(shm_create(RING_WORDS, true), 0);
    assert_int_equal(alloc_sites_init(), 0);
    struct tslot *s = &site_slot[0];
    s->serial = 100;
    uintptr_t pcs[64];
    uint32_t ref, ref2;
    /* the same stack twice, in a row and after others: one site */
    unsigned n = fake_stack(pcs, 1);
    struct alloc_site *a = alloc_site_get(s, pcs, n, 1, &ref);
    assert_non_null(a);
    assert_true(ref != 0);
    assert_ptr_equal(alloc_site_at(ref), a);
    assert_ptr_equal(alloc_site_get(s, pcs, n, 1, &ref2), a);
    assert_int_equal(ref2, ref);
    /* flags are part of the identity */
    assert_ptr_not_equal(alloc_site_get(s, pcs, n, 2, &ref2), a);
    /* 5000 distinct stacks: the index grows past its first size */
    for (unsigned k = 3; k < 5003; k++) {
        n = fake_stack(pcs, k);
        struct alloc_site *x = alloc_site_get(s, pcs, n, k % 3, &ref2);
        assert_non_null(x);
        alloc_site_add(&x->bytes, k);
    }
    for (unsigned k = 3; k < 5003; k += 7) {
        n = fake_stack(pcs, k);
        struct alloc_site *x = alloc_site_get(s, pcs, n, k % 3, &ref2);
        assert_int_equal(atomic_load(&x->bytes), k);
    }
    n = fake_stack(pcs, 1);
    assert_ptr_equal(alloc_site_get(s, pcs, n, 1, &ref2), a);
    struct visit v = {.serial = 100};
    layout_foreach_site(shm_hdr, visit_site, &v);
    assert_int_equal(v.sites, 5002); /* k = 1 twice (flags 1 and 2), 3..5002 */
    assert_int_equal(v.bad, 1);      /* k = 1 with flags 2 is not fake_stack's */
    /* another thread (serial) with the same stack: its own site */
    struct tslot *o = &site_slot[1];
    o->serial = 101;
    assert_ptr_not_equal(alloc_site_get(o, pcs, n, 1, &ref2), a);
    /* the slot reused by a new thread: a fresh index */
    s->serial = 102;
    assert_ptr_not_equal(alloc_site_get(s, pcs, n, 1, &ref2), a);
    uint64_t sites, bytes;
    alloc_sites_usage(&sites, &bytes);
    assert_int_equal(sites, 5004);
    assert_true(bytes >= 5004 * sizeof(struct alloc_site));
    /* a fork child starts over */
    alloc_sites_reset();
    alloc_sites_usage(&sites, &bytes);
    assert_int_equal(sites, 0);
    v = (struct visit){.serial = 100};
    layout_foreach_site(shm_hdr, visit_site, &v);
    assert_int_equal(v.sites, 0);
    struct alloc_site *b = alloc_site_get(s, pcs, n, 1, &ref2);
    assert_non_null(b);
    assert_int_equal(atomic_load(&b->bytes), 0);
}

/* Three threads create sites while the main thread enumerates them: every
 * site visited is complete. */
static void *site_worker(void *arg)
{
    struct tslot *s = arg;
    uintptr_t pcs[64];
    uint32_t ref;
    for (unsigned k = 0; k < 20000; k++) {
        unsigned n = fake_stack(pcs, k);
        struct alloc_site *x = alloc_site_get(s, pcs, n, k % 3, &ref);
        if (!x)
            abort();
        alloc_site_add(&x->bytes, 1);
    }
    return NULL;
}

static void test_sites_concurrent(void **st)
{
    (void)st;
    alloc_sites_reset();
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        site_slot[2 + i].serial = 200 + (uint64_t)i;
        pthread_create(&t[i], NULL, site_worker, &site_slot[2 + i]);
    }
    unsigned rounds = 0;
    do {
        struct visit v = {.serial = 201};
        layout_foreach_site(shm_hdr, visit_site, &v);
        assert_int_equal(v.bad, 0);
        rounds++;
    } while (rounds < 50);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 3; i++) {
        struct visit v = {.serial = 200 + (uint64_t)i};
        layout_foreach_site(shm_hdr, visit_site, &v);
        assert_int_equal(v.sites, 20000);
        assert_int_equal(v.bytes, 20000);
        assert_int_equal(v.bad, 0);
    }
}

static void test_livetab_saturated(void **st)
{
    (void)st;
    struct livetab t;
    assert_int_equal(livetab_init(&t, 16, NULL), 0);
    livetab_saturate(&t);
    assert_true(livetab_maybe(&t, 0x1230));
    for (uintptr_t i = 1; i <= 3000; i++)
        assert_true(livetab_insert(&t, i * 16 + 0x200000, i));
    for (uintptr_t i = 1; i <= 3000; i += 2)
        assert_int_equal(livetab_remove(&t, i * 16 + 0x200000), i);
    assert_int_equal(livetab_count(&t), 1500);
    livetab_clear(&t);
    assert_int_equal(livetab_count(&t), 0);
    assert_false(livetab_maybe(&t, 0x1230));
    assert_int_equal(livetab_remove(&t, 2 * 16 + 0x200000), 0);
    livetab_release(&t);
}

static void test_arena(void **st)
{
    (void)st;
    char *a = alloc_arena_get(10, 16);
    char *b = alloc_arena_get(100, 64);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(alloc_arena_owns(a) && alloc_arena_owns(b));
    assert_int_equal((uintptr_t)a % 16, 0);
    assert_int_equal((uintptr_t)b % 64, 0);
    assert_int_equal(alloc_arena_size(a), 10);
    assert_int_equal(alloc_arena_size(b), 100);
    /* No allocation profiling yet: the filter is not read (free tests
     * the arena's range instead) and arena blocks leave it untouched. */
    assert_false(alloc_filter_used);
    assert_false(alloc_maybe_sampled(a) || alloc_maybe_sampled(b));
    assert_int_equal(alloc_filter[livetab_filter_index((uintptr_t)a)], 0);
    assert_true(b >= a + 10);
    for (int i = 0; i < 100; i++)
        assert_int_equal(b[i], 0); /* calloc semantics */
    int x;
    char *heap = malloc(8);
    assert_false(alloc_arena_owns(&x));
    assert_false(alloc_arena_owns(heap));
    assert_false(alloc_arena_owns(NULL));
    free(heap);
    assert_null(alloc_arena_get(ALLOC_ARENA_BYTES + 1, 16));
    assert_null(alloc_arena_get(8, 24)); /* not a power of two */

    /* Allocation profiling set up: the filter comes into use, and free()
     * sends every arena block to its slow path through it, those from
     * before (marked then) and those after (marked as they are made). */
    struct config cfg;
    config_defaults(&cfg);
    assert_int_equal(alloc_init(&cfg, NULL), 0);
    assert_true(alloc_filter_used);
    char *c = alloc_arena_get(24, 16);
    assert_non_null(c);
    assert_true(alloc_maybe_sampled(a) && alloc_maybe_sampled(b) && alloc_maybe_sampled(c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draw_mean),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_unbiased_simulation),
        cmocka_unit_test(test_livetab_basic),
        cmocka_unit_test(test_livetab_concurrent),
        cmocka_unit_test(test_sites),
        cmocka_unit_test(test_sites_concurrent),
        cmocka_unit_test(test_livetab_saturated),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
