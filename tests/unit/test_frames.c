/* format/frames.h: the one frame-sanitizing rule and the root frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "format/frames.h"

static void sanitized(const char *in, size_t len, enum frame_scope scope, const char *want,
                      size_t replaced)
{
    char buf[64];
    memcpy(buf, in, len);
    buf[len] = '\0';
    assert_int_equal(frame_is_clean(in, len, scope), replaced == 0);
    assert_int_equal(frame_sanitize(buf, len, scope), replaced);
    assert_memory_equal(buf, want, len); /* byte for byte: same length */
    assert_true(frame_is_clean(buf, len, scope));
}

static void test_rule(void **state)
{
    (void)state;
    sanitized("plain name(int, char) [x]", 25, FRAME_ONE, "plain name(int, char) [x]", 0);
    /* C0, DEL, NUL */
    sanitized("a\tb\nc\rd\x1b"
              "e\x7f"
              "f\0g",
              13, FRAME_ONE, "a_b_c_d_e_f_g", 6);
    /* ';': a separator in a stack, replaced in one frame */
    sanitized("a;b", 3, FRAME_STACK, "a;b", 0);
    sanitized("a;b", 3, FRAME_ONE, "a_b", 1);
    /* valid UTF-8 stays; C1 controls (U+0085, U+009B) go, both bytes */
    sanitized("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5", 14, FRAME_ONE,
              "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5", 0);
    sanitized("x\xc2\x85y\xc2\x9b"
              "z\xc2\xa0",
              9, FRAME_ONE, "x__y__z\xc2\xa0", 4);
    /* invalid UTF-8: stray, overlong, surrogate, cut short, > U+10FFFF */
    sanitized("\xff\x80", 2, FRAME_ONE, "__", 2);
    sanitized("\xc0\xaf", 2, FRAME_ONE, "__", 2);
    sanitized("\xed\xa0\x80", 3, FRAME_ONE, "___", 3);
    sanitized("ab\xe2\x82", 4, FRAME_ONE, "ab__", 2);
    sanitized("\xf4\x90\x80\x80", 4, FRAME_ONE, "____", 4);
    char s[] = "n;a\x01me";
    frame_sanitize_str(s);
    assert_string_equal(s, "n_a_me");
}

static void test_root_frames(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(frame_thread_root(buf, sizeof buf, "worker-1", 4242), 19);
    assert_string_equal(buf, "[worker-1 tid=4242]");
    assert_true(frame_is_thread_root(buf, strlen(buf)));
    frame_thread_root(buf, sizeof buf, "evil;name\n", 7);
    assert_string_equal(buf, "[evil_name_ tid=7]");
    assert_true(frame_is_thread_root(buf, strlen(buf)));
    frame_process_root(buf, sizeof buf, "make", 99);
    assert_string_equal(buf, "[make pid=99]");
    assert_false(frame_is_thread_root(buf, strlen(buf)));
    /* cut short: still one clean frame */
    frame_thread_root(buf, 8, "abcdefgh", 1);
    assert_string_equal(buf, "[abcdef");
    assert_false(frame_is_thread_root("[x tid=]", 8));
    assert_false(frame_is_thread_root(FRAME_UNKNOWN, strlen(FRAME_UNKNOWN)));
    assert_false(frame_is_thread_root("main", 4));
    /* where whole stacks end */
    assert_true(frame_is_entry("_start"));
    assert_true(frame_is_entry("clone3"));
    assert_true(frame_is_entry("start_thread"));
    assert_false(frame_is_entry("main"));
    assert_false(frame_is_entry(FRAME_UNKNOWN));
}

/* Marker frames are bracketed (drawn neutral) and clean. */
static void test_markers(void **state)
{
    (void)state;
    static const char *const m[] = {FRAME_UNKNOWN,
                                    FRAME_TRUNCATED,
                                    FRAME_UNWIND_FAILED,
                                    FRAME_NOT_UNWOUND_LOADER,
                                    FRAME_NOT_UNWOUND_LOW_STACK,
                                    FRAME_NO_FRAMES};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        size_t n = strlen(m[i]);
        assert_true(m[i][0] == '[' && m[i][n - 1] == ']');
        assert_true(frame_is_clean(m[i], n, FRAME_ONE));
        assert_false(frame_is_thread_root(m[i], n));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule),
        cmocka_unit_test(test_root_frames),
        cmocka_unit_test(test_markers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
