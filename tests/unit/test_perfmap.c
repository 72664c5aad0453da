/*
 * Perf map files (collector/perfmap.h): parsing, the later line winning
 * for code replaced at an address, malformed lines skipped, and the
 * symbolizer naming an address no module maps from pid's file as a JIT
 * frame.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collector/perfmap.h"
#include "collector/symbolize.h"

static void test_parse_and_lookup(void **state)
{
    (void)state;
    struct perfmap pm;
    perfmap_init(&pm, 999999999);
    const char text[] = "1000 100 first\n"
                        "0x2000 0x10 LazyCompile:*foo /app.js:3\r\n"
                        "bogus line\n"
                        "3000 0 zero-size\n"
                        "1080 10 replaced\n"
                        "4000 10\n"
                        "ffffffffffffffff0 10 too-long\n";
    perfmap_parse(&pm, text, sizeof text - 1);
    assert_int_equal(pm.n, 3);
    assert_string_equal(perfmap_lookup(&pm, 0x1000), "first");
    assert_string_equal(perfmap_lookup(&pm, 0x10ff), "first");
    assert_string_equal(perfmap_lookup(&pm, 0x1085), "replaced"); /* the later line */
    assert_string_equal(perfmap_lookup(&pm, 0x2008), "LazyCompile:*foo /app.js:3");
    assert_null(perfmap_lookup(&pm, 0x1100));
    assert_null(perfmap_lookup(&pm, 0x3000));
    assert_null(perfmap_lookup(&pm, 0x10));
    perfmap_free(&pm);
}

static void test_symbolizer_jit_frames(void **state)
{
    (void)state;
    /* this process's own map file, as a runtime would write it */
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("7f0000001000 40 JS:*hot /x.js:1\n7f0000002000 40 Builtin:Foo;Bar\n", f);
    fclose(f);
    struct symbolizer *sym = symbolizer_new();
    assert_non_null(sym);
    assert_string_equal(symbolizer_name(sym, 0x7f0000001010), "[unknown]");
    symbolizer_set_jit_pid(sym, getpid());
    assert_string_equal(symbolizer_name(sym, 0x7f0000001010), "JS:*hot /x.js:1_[j]");
    /* a ';' would split the frame */
    assert_string_equal(symbolizer_name(sym, 0x7f0000002000), "Builtin:Foo_Bar_[j]");
    assert_string_equal(symbolizer_name(sym, 0x7f0000003000), "[unknown]");
    symbolizer_reset_modules(sym);
    assert_string_equal(symbolizer_name(sym, 0x7f0000001010), "[unknown]");
    symbolizer_free(sym);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_lookup),
        cmocka_unit_test(test_symbolizer_jit_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
