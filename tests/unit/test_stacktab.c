/* Stack table: merging of identical keys, separation by thread/kind/flags,
 * growth through many distinct stacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "collector/stacktab.h"

static void test_merge_and_separate(void **st)
{
    (void)st;
    struct stacktab *t = stacktab_new();
    uint64_t a[] = {1, 2, 3}, b[] = {1, 2, 4};
    assert_int_equal(stacktab_add(t, 1, 1, 0, a, 3, 5), 0);
    assert_int_equal(stacktab_add(t, 1, 1, 0, a, 3, 2), 0);
    assert_int_equal(stacktab_add(t, 1, 1, 0, b, 3, 1), 0);
    assert_int_equal(stacktab_add(t, 2, 1, 0, a, 3, 1), 0); /* other thread */
    assert_int_equal(stacktab_add(t, 1, 1, 1, a, 3, 1), 0); /* other flags */
    assert_int_equal(stacktab_add(t, 1, 1, 0, a, 2, 1), 0); /* prefix only */
    assert_int_equal(stacktab_size(t), 5);
    struct stack_entry e;
    stacktab_get(t, 0, &e);
    assert_int_equal(e.weight, 7);
    assert_int_equal(e.n, 3);
    assert_memory_equal(e.pcs, a, sizeof a);
    stacktab_clear(t);
    assert_int_equal(stacktab_size(t), 0);
    assert_int_equal(stacktab_add(t, 1, 1, 0, a, 3, 1), 0);
    assert_int_equal(stacktab_size(t), 1);
    stacktab_free(t);
}

static void test_many(void **st)
{
    (void)st;
    struct stacktab *t = stacktab_new();
    uint64_t pcs[40];
    for (int round = 0; round < 2; round++)
        for (uint64_t i = 0; i < 100000; i++) {
            for (int k = 0; k < 40; k++)
                pcs[k] = i * 31 + (uint64_t)k;
            assert_int_equal(stacktab_add(t, i % 7, 1, 0, pcs, 1 + (unsigned)(i % 40), 1), 0);
        }
    assert_int_equal(stacktab_size(t), 100000);
    uint64_t total = 0;
    for (size_t i = 0; i < stacktab_size(t); i++) {
        struct stack_entry e;
        stacktab_get(t, i, &e);
        assert_int_equal(e.weight, 2);
        total += e.weight;
    }
    assert_int_equal(total, 200000);
    stacktab_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_and_separate),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
