/* The wall profile in the CLI: state colors and shares (render/wallview.h)
 * and `top --by-state` (render/topstate.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/parse.h"
#include "render/profile.h"
#include "render/top.h"
#include "render/wallview.h"

static const char wall[] = "[a tid=1];main;work;[cpu] 600\n"
                           "[a tid=1];main;wait;pthread_mutex_lock;[lock] 300\n"
                           "[a tid=1];main;work;[other] 100\n"
                           "[b tid=2];main;wait;read [pipe];[io] 500\n"
                           "[b tid=2];main;work;[cpu] 100\n"
                           "[b tid=2];main;[runnable] 400\n";

static struct profile *load(const char *text)
{
    struct profile *p = profile_new();
    assert_int_equal(parse_folded_mem(p, text, strlen(text), "t", NULL, NULL), 0);
    profile_finish(p);
    return p;
}

static uint32_t id_of(struct profile *p, const char *name)
{
    for (uint32_t i = 0; i < profile_name_count(p); i++)
        if (!strcmp(profile_name(p, i, NULL), name))
            return i;
    fail_msg("%s not interned", name);
    return 0;
}

static void test_view(void **st)
{
    (void)st;
    struct profile *p = load(wall);
    struct wallview v;
    assert_int_equal(wallview_build(&v, p), 0);
    assert_true(v.any);
    assert_true(v.total == 2000);
    assert_true(wallview_share(&v, WALL_CPU) == 35);
    assert_true(wallview_share(&v, WALL_IO) == 25);
    assert_true(wallview_share(&v, WALL_COND) == 0);
    /* a name is colored by the state it spends most under */
    assert_int_equal(v.name_state[id_of(p, "work")], WALL_CPU);
    assert_int_equal(v.name_state[id_of(p, "wait")], WALL_IO); /* 500 io > 300 lock */
    assert_int_equal(v.name_state[id_of(p, "pthread_mutex_lock")], WALL_LOCK);
    assert_int_equal(v.name_state[id_of(p, "[runnable]")], WALL_RUNNABLE);
    /* CPU warm (red above blue), waits cool (blue above red) */
    uint32_t w = id_of(p, "work"), r = id_of(p, "read [pipe]");
    struct rgb cw = wallview_color(&v, w, "work", 4), cr = wallview_color(&v, r, "read [pipe]", 11);
    assert_true(cw.r > cw.b);
    assert_true(cr.b > cr.r);
    /* thread root frames keep their neutral shade */
    struct rgb root = wallview_color(&v, id_of(p, "[a tid=1]"), "[a tid=1]", 9);
    struct rgb plain = color_for("wall", "[a tid=1]", 9);
    assert_true(root.r == plain.r && root.g == plain.g && root.b == plain.b);
    wallview_free(&v);
    profile_free(p);

    /* not a wall profile: no states, the plain palette */
    p = load("main;f 3\n");
    assert_int_equal(wallview_build(&v, p), 0);
    assert_false(v.any);
    struct rgb c = wallview_color(&v, id_of(p, "f"), "f", 1), d = color_for("wall", "f", 1);
    assert_true(c.r == d.r && c.g == d.g && c.b == d.b);
    wallview_free(&v);
    profile_free(p);
}

static char *by_state(struct profile *p, enum top_format fmt, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct metric_info mi;
    metric_from_path("x.1.wall.folded", &mi);
    *rc = top_states_write(f, p, fmt, &mi, "x.1.wall.folded");
    fclose(f);
    return buf;
}

static void test_by_state(void **st)
{
    (void)st;
    struct profile *p = load(wall);
    int rc;
    char *csv = by_state(p, TOP_CSV, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(csv, "thread,total,cpu,lock,cond,io,sleep,wait-child,runnable,other\n"
                             "\"[a tid=1]\",1000,600,300,0,0,0,0,0,100\n"
                             "\"[b tid=2]\",1000,100,0,0,500,0,0,400,0\n"
                             "\"all threads\",2000,700,300,0,500,0,0,400,100\n");
    free(csv);
    char *md = by_state(p, TOP_MARKDOWN, &rc);
    assert_non_null(strstr(md, "| `[a tid=1]` | 1.00 µs | 60.0% | 30.0% | 0.0% | 0.0% |"));
    free(md);
    char *txt = by_state(p, TOP_TEXT, &rc);
    assert_non_null(strstr(txt, "50.0%"));
    assert_non_null(strstr(txt, "all threads"));
    free(txt);
    profile_free(p);
    /* a profile without state frames is refused */
    p = load("main;f 3\n");
    free(by_state(p, TOP_TEXT, &rc));
    assert_int_equal(rc, -1);
    profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view),
        cmocka_unit_test(test_by_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
