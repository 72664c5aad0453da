/* `flamepre top` numbers: self vs inclusive totals, recursion counted once,
 * and the report formats. */
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

static struct profile *load(const char *text)
{
    struct profile *p = profile_new();
    assert_int_equal(parse_folded_mem(p, text, strlen(text), "t", NULL, NULL), 0);
    return p;
}

static const struct top_entry *find(struct profile *p, const struct top_entry *e, size_t n,
                                    const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(profile_name(p, e[i].name, NULL), name))
            return &e[i];
    fail_msg("%s not in table", name);
    return NULL;
}

static void test_recursion_counted_once(void **state)
{
    (void)state;
    struct profile *p = load("main;fib;fib;fib 5\nmain;fib;fib 3\nmain;other 2\n"
                             "main;A;B;A;B 4\n");
    struct top_entry *e;
    size_t n;
    assert_int_equal(top_compute(p, TOP_BY_TOTAL, &e, &n), 0);
    assert_true(find(p, e, n, "fib")->total == 8);
    assert_true(find(p, e, n, "fib")->self == 8);
    assert_true(find(p, e, n, "main")->total == 14);
    assert_true(find(p, e, n, "A")->total == 4);
    assert_true(find(p, e, n, "B")->total == 4);
    assert_true(find(p, e, n, "B")->self == 4);
    assert_true(find(p, e, n, "A")->self == 0);
    /* sorted by total, descending */
    for (size_t i = 1; i < n; i++)
        assert_true(e[i - 1].total >= e[i].total);
    assert_string_equal(profile_name(p, e[0].name, NULL), "main");
    free(e);
    assert_int_equal(top_compute(p, TOP_BY_SELF, &e, &n), 0);
    for (size_t i = 1; i < n; i++)
        assert_true(e[i - 1].self >= e[i].self);
    free(e);
    profile_free(p);
}

static char *report(struct profile *p, enum top_format fmt, size_t limit)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct metric_info mi;
    metric_from_path("x.1.cpu.folded", &mi);
    assert_int_equal(top_write(f, p, limit, fmt, &mi, "x.1.cpu.folded"), 0);
    fclose(f);
    return buf;
}

static void test_formats(void **state)
{
    (void)state;
    struct profile *p = load("main;a|b 3\nmain;c\"d 1\n");
    char *md = report(p, TOP_MARKDOWN, 5);
    assert_non_null(strstr(md, "| 1 | 3 samples | 75.00% | 3 samples | 75.00% | `a\\|b` |"));
    free(md);
    char *csv = report(p, TOP_CSV, 5);
    assert_non_null(strstr(csv, "function,self,self_pct,total,total_pct,unit\n"));
    assert_non_null(strstr(csv, "\"c\"\"d\",1,25.0000,1,25.0000,samples\n"));
    free(csv);
    char *txt = report(p, TOP_TEXT, 1);
    assert_non_null(strstr(txt, "Top 1 by self"));
    assert_null(strstr(txt, "c\"d"));
    free(txt);
    profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recursion_counted_once),
        cmocka_unit_test(test_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
