/* format/frames.h: the one frame-sanitizing rule and the root frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
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

static size_t sfx(const char *s)
{
    return frame_line_suffix_len(s, strlen(s));
}

/* The source-line suffix: what frame_line_suffix writes is found again by
 * frame_line_suffix_len, and names that merely end in ')' are left alone. */
static void test_line_suffix(void **state)
{
    (void)state;
    char buf[FRAME_LINE_SUFFIX_MAX], frame[256];
    int n = frame_line_suffix(buf, sizeof buf, "/src/lib/check.c", 123);
    assert_string_equal(buf, " (check.c:123)");
    assert_int_equal(n, (int)strlen(buf));
    snprintf(frame, sizeof frame, "validate" FRAME_INLINED_SUFFIX "%s", buf);
    assert_int_equal(sfx(frame), strlen(buf));
    assert_int_equal(sfx("validate (inlined)"), 0);

    /* '(' and ')' in a file name become '_', so the rule stays exact */
    frame_line_suffix(buf, sizeof buf, "dir/we(i)rd.c", 7);
    assert_string_equal(buf, " (we_i_rd.c:7)");
    snprintf(frame, sizeof frame, "ns::f(int)%s", buf);
    assert_int_equal(sfx(frame), strlen(buf));
    /* control bytes of the file name, as in every frame */
    frame_line_suffix(buf, sizeof buf, "a\nb.c", 1);
    assert_string_equal(buf, " (a_b.c:1)");
    /* a long name keeps its end */
    char longname[300];
    memset(longname, 'x', sizeof longname);
    strcpy(longname + 290, "tail.c");
    n = frame_line_suffix(buf, sizeof buf, longname, 4294967295u);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    assert_non_null(strstr(buf, "tail.c:4294967295)"));
    assert_int_equal(sfx(buf), 0); /* nothing before " (": not a frame */
    assert_int_equal(frame_line_suffix(buf, sizeof buf, "dir/", 3), -1);

    /* not suffixes */
    assert_int_equal(sfx("f(int)"), 0);
    assert_int_equal(sfx("f (int)"), 0);
    assert_int_equal(sfx("f (a.c:)"), 0);
    assert_int_equal(sfx("f (:12)"), 0);
    assert_int_equal(sfx("f(a.c:12)"), 0);
    assert_int_equal(sfx("f (x (a.c:12)"), 9); /* the last " (" starts it */
    assert_int_equal(sfx("f (a.c:12345678901)"), 0);
    assert_int_equal(sfx(" (a.c:12)"), 0);
    assert_int_equal(sfx("(anonymous namespace)::f(std::map<int, int>)"), 0);
    /* suffixes */
    assert_int_equal(sfx("f (a.c:12)"), 9);
    assert_int_equal(sfx("operator() (a b.cc:1)"), 11);
    assert_int_equal(sfx("f (C:x.c:12)"), 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule),
        cmocka_unit_test(test_root_frames),
        cmocka_unit_test(test_markers),
        cmocka_unit_test(test_line_suffix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
