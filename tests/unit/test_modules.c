/* Self weight per module: the collector's table (collector/modsum.h) and the
 * CLI's reading of leaves (render/modules.h): which frame belongs to which
 * module, unresolved parts, order, and the meta.json reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/modsum.h"
#include "render/modules.h"
#include "render/parse.h"
#include "render/profile.h"

static void test_modsum(void **state)
{
    (void)state;
    struct modsum s = {0};
    modsum_add(&s, "libc.so.6", 3, false);
    modsum_add(&s, "app", 5, true);
    modsum_add(&s, "libc.so.6", 4, true);
    modsum_add(&s, MODSUM_UNKNOWN, 5, true);
    modsum_sort(&s);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.v[0].name, "libc.so.6");
    assert_int_equal(s.v[0].self, 7);
    assert_int_equal(s.v[0].unresolved, 4);
    /* a tie goes by name: "[unknown]" before "app" */
    assert_string_equal(s.v[1].name, MODSUM_UNKNOWN);
    assert_string_equal(s.v[2].name, "app");
    assert_int_equal(s.v[2].unresolved, 5);
    assert_false(s.oom);
    modsum_free(&s);
    assert_int_equal(s.n, 0);
}

static void test_module_of_unresolved(void **state)
{
    (void)state;
    const char *ok = "[libfoo.so.1+0x1a2b]";
    assert_int_equal(module_of_unresolved(ok, strlen(ok)), strlen("libfoo.so.1"));
    const char *plus = "[g++-12+0xff]"; /* a '+' in the name: the last one splits */
    assert_int_equal(module_of_unresolved(plus, strlen(plus)), strlen("g++-12"));
    const char *bad[] = {"[unknown]",     "[libfoo.so+0x]", "[+0x12]",    "libfoo+0x12",
                         "[libfoo+0xZZ]", "[libfoo+12]",    "[flamepre]", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(module_of_unresolved(bad[i], strlen(bad[i])), 0);
}

static const struct module_share *find(const struct module_shares *ms, const char *name)
{
    for (size_t i = 0; i < ms->n; i++)
        if (!strcmp(ms->v[i].name, name))
            return &ms->v[i];
    fail_msg("%s not in table", name);
    return NULL;
}

static void test_from_profile(void **state)
{
    (void)state;
    const char *text = "main;[app+0x10] 5\nmain;[app+0x20] 2\nmain;f 4\nmain;g;[flamepre] 1\n"
                       "main;JS:*loop x.js:1_[j] 3\nmain;[unknown] 6\n";
    struct profile *p = profile_new();
    assert_int_equal(parse_folded_mem(p, text, strlen(text), "t", NULL, NULL), 0);
    struct module_shares ms = {0};
    assert_int_equal(module_shares_from_profile(&ms, p), 0);
    module_shares_sort(&ms);
    assert_string_equal(ms.v[0].name, "app");
    assert_true(ms.v[0].self == 7 && ms.v[0].unresolved == 7);
    assert_true(find(&ms, "[unknown]")->unresolved == 6);
    assert_true(find(&ms, MODULES_NAMED)->self == 4);
    assert_true(find(&ms, MODULES_NAMED)->unresolved == 0);
    assert_true(find(&ms, "[jit]")->self == 3);
    assert_true(find(&ms, "libflamepre.so")->self == 1);
    assert_int_equal(ms.n, 5);
    module_shares_free(&ms);
    profile_free(p);
}

/* Two inputs' summaries add up; an input without one refuses the lot. */
static void test_from_meta(void **state)
{
    (void)state;
    char dir[] = "/tmp/flamepre-modules.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[128], b[128], c[128], path[160];
    snprintf(a, sizeof a, "%s/x.1.cpu.folded", dir);
    snprintf(b, sizeof b, "%s/x.2.cpu.folded", dir);
    snprintf(c, sizeof c, "%s/x.3.cpu.folded", dir);
    const char *meta[] = {
        "{\"metrics\": {\"cpu\": {\"total\": 9, \"modules\": [{\"name\": \"app\", \"self\": 6, "
        "\"unresolved\": 6}, {\"name\": \"libc.so.6\", \"self\": 3, \"unresolved\": 0}]}}}",
        "{\"metrics\": {\"cpu\": {\"total\": 2, \"modules\": [{\"name\": \"libc.so.6\", "
        "\"self\": 2, \"unresolved\": 1}]}}}",
        "{\"metrics\": {\"cpu\": {\"total\": 2}}}"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/x.%d.meta.json", dir, i + 1);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(meta[i], f);
        fclose(f);
    }
    char *two[] = {a, b};
    struct module_shares ms = {0};
    assert_int_equal(module_shares_from_meta(&ms, two, 2, "cpu"), 0);
    module_shares_sort(&ms);
    assert_int_equal(ms.n, 2);
    assert_string_equal(ms.v[0].name, "app");
    assert_true(find(&ms, "libc.so.6")->self == 5 && find(&ms, "libc.so.6")->unresolved == 1);
    module_shares_free(&ms);
    char *three[] = {a, b, c};
    assert_int_equal(module_shares_from_meta(&ms, three, 3, "cpu"), -1);
    assert_int_equal(ms.n, 0);
    assert_int_equal(module_shares_from_meta(&ms, two, 2, "alloc_bytes"), -1);
    for (int i = 1; i <= 3; i++) {
        snprintf(path, sizeof path, "%s/x.%d.meta.json", dir, i);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modsum),
        cmocka_unit_test(test_module_of_unresolved),
        cmocka_unit_test(test_from_profile),
        cmocka_unit_test(test_from_meta),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
