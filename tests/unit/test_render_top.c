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

/* names cannot reach the terminal raw: controls, ESC, DEL, C1 and invalid
 * UTF-8 become '_', byte for byte, in every format (the frame rule,
 * format/frames.h); valid UTF-8 is kept */
static void test_terminal_injection(void **state)
{
    (void)state;
    static const char in[] = "main;\x1b[2Jesc\x07;del\x7f\xc2\x9b"
                             "1m;bad\xff\xc3(;\xe2\x82\xac"
                             " ok 1\n";
    struct profile *p = profile_new();
    assert_int_equal(parse_folded_mem(p, in, sizeof(in) - 1, "t", NULL, NULL), 0);
    for (int fmt = TOP_TEXT; fmt <= TOP_CSV; fmt++) {
        char *out = report(p, (enum top_format)fmt, 10);
        for (const unsigned char *c = (const unsigned char *)out; *c; c++)
            assert_true(*c == '\n' || (*c >= 0x20 && *c != 0x7f));
        assert_null(strstr(out, "\xc2\x9b"));
        assert_non_null(strstr(out, "_[2Jesc_"));
        assert_non_null(strstr(out, "del___1m"));
        assert_non_null(strstr(out, "bad__("));
        assert_non_null(strstr(out, "\xe2\x82\xac ok"));
        free(out);
    }
    profile_free(p);
}

/* markdown code spans: a fence longer than any backtick run, padding when
 * the name starts or ends with a backtick, pipes as \| */
static void test_markdown_backticks(void **state)
{
    (void)state;
    struct profile *p = load("m;`x``y`|z 2\nm;a`b 1\n");
    char *md = report(p, TOP_MARKDOWN, 5);
    assert_non_null(strstr(md, "| ``` `x``y`\\|z ``` |"));
    assert_non_null(strstr(md, "| ``a`b`` |"));
    assert_non_null(strstr(md, "| 1 sample | 33.33% | 1 sample |"));
    assert_non_null(strstr(md, "Total: 3 samples"));
    free(md);
    profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recursion_counted_once),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_terminal_injection),
        cmocka_unit_test(test_markdown_backticks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
