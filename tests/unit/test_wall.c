/* The wall event's pure parts: the schedstat parser, one thread's split
 * of its lifetime into states (collector/wallsplit.h), the state frames
 * (format/wall_states.h), and the classes of the calls only wall records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "collector/wallsplit.h"
#include "format/wall_states.h"
#include "preload/wait.h"
#include "preload/wall.h"

static void test_schedstat(void **st)
{
    (void)st;
    const char *ok = "123456789 987654321 42\n";
    assert_int_equal(wall_parse_schedstat(ok, strlen(ok)), 987654321u);
    assert_int_equal(wall_parse_schedstat("0 0 0\n", 6), 0);
    assert_int_equal(wall_parse_schedstat("5 17", 4), 17); /* cut after the field */
    /* anything else is 0, never a wrong number */
    assert_int_equal(wall_parse_schedstat("", 0), 0);
    assert_int_equal(wall_parse_schedstat("12", 2), 0);
    assert_int_equal(wall_parse_schedstat("12 x 3", 6), 0);
    assert_int_equal(wall_parse_schedstat("12 34x 3", 8), 0);
    assert_int_equal(wall_parse_schedstat(" 12 34 3", 8), 0);
    /* a field longer than 19 digits is refused, not wrapped */
    const char *big = "1 123456789012345678901 3";
    assert_int_equal(wall_parse_schedstat(big, strlen(big)), 0);
    /* only len bytes are read */
    assert_int_equal(wall_parse_schedstat("1 2345", 4), 23);
}

static void test_split(void **st)
{
    (void)st;
    struct thread_rec t;
    memset(&t, 0, sizeof t);
    t.start_ns = 1000, t.end_ns = 11000, t.run_delay_ns = 1500;
    t.wall[WALL_CPU] = 4000, t.wall[WALL_SLEEP] = 3000;
    wallsplit_finish(&t, 99999);
    assert_true(t.has_wall);
    assert_int_equal(t.lifetime_ns, 10000);
    assert_int_equal(t.wall[WALL_RUNNABLE], 1500);
    assert_int_equal(t.wall[WALL_OTHER], 1500);
    uint64_t sum = 0;
    for (int s = 0; s < WALL_STATE_COUNT; s++)
        sum += t.wall[s];
    assert_int_equal(sum, t.lifetime_ns);

    /* run_delay beyond what is left (it overlaps the waits' wake-ups) */
    memset(&t, 0, sizeof t);
    t.start_ns = 0, t.end_ns = 1000, t.run_delay_ns = 800;
    t.wall[WALL_LOCK] = 600;
    wallsplit_finish(&t, 0);
    assert_int_equal(t.wall[WALL_RUNNABLE], 400);
    assert_int_equal(t.wall[WALL_OTHER], 0);

    /* estimates above the lifetime: no rest, the states' sum reported */
    memset(&t, 0, sizeof t);
    t.start_ns = 0, t.end_ns = 1000, t.run_delay_ns = 50;
    t.wall[WALL_IO] = 900, t.wall[WALL_CPU] = 200;
    wallsplit_finish(&t, 0);
    assert_int_equal(t.wall[WALL_RUNNABLE], 0);
    assert_int_equal(t.wall[WALL_OTHER], 0);
    assert_int_equal(t.lifetime_ns, 1100);

    /* a thread still running ends `now`; an end before the start is 0 */
    memset(&t, 0, sizeof t);
    t.start_ns = 500;
    wallsplit_finish(&t, 2500);
    assert_int_equal(t.lifetime_ns, 2000);
    assert_int_equal(t.wall[WALL_OTHER], 2000);
    memset(&t, 0, sizeof t);
    t.start_ns = 500, t.end_ns = 100;
    wallsplit_finish(&t, 0);
    assert_int_equal(t.lifetime_ns, 0);
}

static void test_states(void **st)
{
    (void)st;
    assert_string_equal(wall_state_name(WALL_CHILD), "wait-child");
    assert_string_equal(wall_state_name(WALL_OTHER), "other");
    assert_int_equal(wall_state_of_frame("[cpu]", 5), WALL_CPU);
    assert_int_equal(wall_state_of_frame("[wait-child]", 12), WALL_CHILD);
    assert_int_equal(wall_state_of_frame("[runnable]", 10), WALL_RUNNABLE);
    assert_int_equal(wall_state_of_frame("cpu", 3), -1);
    assert_int_equal(wall_state_of_frame("[cpu", 4), -1);
    assert_int_equal(wall_state_of_frame("[cpus]", 6), -1);
    assert_int_equal(wall_state_of_frame("[]", 2), -1);
    assert_int_equal(wall_state_of_frame("[cpu]x", 5), WALL_CPU); /* len bytes only */
}

static void test_classes(void **st)
{
    (void)st;
    assert_true(WC_COUNT <= 256); /* labels keep the call in 8 bits */
    assert_int_equal(wait_call_class(WC_nanosleep), WAIT_SLEEP);
    assert_int_equal(wait_call_class(WC_sched_yield), WAIT_SLEEP);
    assert_int_equal(wait_call_class(WC_sigwaitinfo), WAIT_SLEEP);
    assert_int_equal(wait_call_class(WC_waitpid), WAIT_CHILD);
    assert_int_equal(wait_call_class(WC_pthread_join), WAIT_CHILD);
    assert_int_equal(wait_call_class(WC_futex), WAIT_LOCK);
    assert_int_equal(wait_call_class(WC_mtx_lock), WAIT_LOCK);
    assert_int_equal(wait_call_class(WC_cnd_timedwait), WAIT_COND);
    /* the earlier labels keep their numbers */
    assert_int_equal(WC_pthread_mutex_lock, 0);
    assert_string_equal(wait_call_name(WC_puts), "puts");
    assert_string_equal(wait_call_name(WC_clock_nanosleep), "clock_nanosleep");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedstat),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_states),
        cmocka_unit_test(test_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
