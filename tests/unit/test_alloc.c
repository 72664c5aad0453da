/* Allocation profiling core: sampler math (exponential countdown mean,
 * unbiased weights), the lock-free live table (insert/remove/realloc-style
 * move, 8 threads freeing each other's blocks), the collector's id pairing
 * in both orders, and the bootstrap arena. */
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

#include "collector/idmap.h"
#include "preload/alloc.h"
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
    alloc_weight(100, 0, &b, &c);   /* exact mode */
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
            k = 0;   /* big blocks rarer */
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
    assert_int_equal(livetab_remove(&t, a), 0);   /* not twice */
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

static void test_idmap_orders(void **st)
{
    (void)st;
    struct idmap *m = idmap_new();
    uint32_t e;
    uint64_t b;
    bool oom;
    /* alloc then free */
    assert_int_equal(idmap_alloc(m, 5, 1, 100), 1);
    assert_true(idmap_free_id(m, 5, &e, &b, &oom));
    assert_int_equal(e, 1);
    assert_int_equal(b, 100);
    /* free first (other thread's ring drained earlier), then alloc */
    assert_false(idmap_free_id(m, 6, &e, &b, &oom));
    assert_false(oom);
    assert_int_equal(idmap_pending(m), 1);
    assert_int_equal(idmap_alloc(m, 6, 2, 50), 0);
    assert_int_equal(idmap_pending(m), 0);
    assert_int_equal(idmap_live(m), 0);
    /* many, with deletions in the middle of probe runs */
    for (uint64_t i = 1; i <= 100000; i++)
        assert_int_equal(idmap_alloc(m, i << 8, (uint32_t)i, i), 1);
    for (uint64_t i = 1; i <= 100000; i += 2)
        assert_true(idmap_free_id(m, i << 8, &e, &b, &oom) && b == i);
    assert_int_equal(idmap_live(m), 50000);
    for (uint64_t i = 2; i <= 100000; i += 2)
        assert_true(idmap_free_id(m, i << 8, &e, &b, &oom) && e == i);
    assert_int_equal(idmap_live(m), 0);
    idmap_free(m);
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
    assert_true(b >= a + 10);
    for (int i = 0; i < 100; i++)
        assert_int_equal(b[i], 0);   /* calloc semantics */
    int x;
    char *heap = malloc(8);
    assert_false(alloc_arena_owns(&x));
    assert_false(alloc_arena_owns(heap));
    assert_false(alloc_arena_owns(NULL));
    free(heap);
    assert_null(alloc_arena_get(ALLOC_ARENA_BYTES + 1, 16));
    assert_null(alloc_arena_get(8, 24));   /* not a power of two */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draw_mean),          cmocka_unit_test(test_weights),
        cmocka_unit_test(test_unbiased_simulation), cmocka_unit_test(test_livetab_basic),
        cmocka_unit_test(test_livetab_concurrent), cmocka_unit_test(test_idmap_orders),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
