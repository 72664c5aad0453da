/* Folded parser: format edge cases, errors with line numbers, transforms,
 * streaming across read-buffer boundaries and lines of any length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "format/frames.h"
#include "render/parse.h"
#include "render/profile.h"

/* Node reached by a ';'-separated path from the root, or PNODE_NONE. */
static uint32_t node_at(struct profile *p, const char *path)
{
    uint32_t node = 0;
    const char *s = path;
    while (*s) {
        const char *e = strchr(s, ';');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        uint32_t id = profile_intern(p, s, len);
        node = profile_child(p, node, id);
        if (node == PNODE_NONE)
            return PNODE_NONE;
        s += len + (e ? 1 : 0);
    }
    return node;
}

static double total_at(struct profile *p, const char *path)
{
    uint32_t n = node_at(p, path);
    return n == PNODE_NONE ? -1 : profile_node(p, n)->total;
}

static double self_at(struct profile *p, const char *path)
{
    uint32_t n = node_at(p, path);
    return n == PNODE_NONE ? -1 : profile_node(p, n)->self;
}

/* stderr captured into buf while running a parse */
static char errbuf[4096];
static int parse_errno; /* errno right after the parse */
static int parse_capture(struct profile *p, const char *text, const struct parse_opts *o,
                         struct parse_stats *st)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    dup2(fileno(tmp), 2);
    int rc = parse_folded_mem(p, text, strlen(text), "in.folded", o, st);
    parse_errno = errno;
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(errbuf, 1, sizeof(errbuf) - 1, tmp);
    errbuf[n] = '\0';
    fclose(tmp);
    return rc;
}

static void test_good_lines(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    const char *in = "main;foo;bar 10\nmain;foo;baz 5\nmain 2\nother;x 1\n";
    assert_int_equal(parse_folded_mem(p, in, strlen(in), "t", NULL, NULL), 0);
    assert_true(profile_total(p) == 18);
    assert_true(total_at(p, "main") == 17);
    assert_true(self_at(p, "main") == 2);
    assert_true(total_at(p, "main;foo") == 15);
    assert_true(self_at(p, "main;foo;bar") == 10);
    assert_true(self_at(p, "other;x") == 1);
    assert_int_equal(profile_max_depth(p), 3);
    profile_free(p);
}

static void test_decimals_crlf_blank_eof(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    struct parse_stats st = {0};
    const char *in = "\r\n  \na;b 1.5\r\n\n\na;b .5\r\na;c 3.\t\na;c 2";
    assert_int_equal(parse_folded_mem(p, in, strlen(in), "t", NULL, &st), 0);
    assert_true(total_at(p, "a;b") == 2.0);
    assert_true(total_at(p, "a;c") == 5.0);
    assert_int_equal(st.stacks, 4);
    assert_int_equal(st.lines, 8);
    profile_free(p);
}

static void test_names_with_spaces(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    const char *in = "std::map<int, int>::find(int const&) const;operator new(unsigned long) 7\n"
                     "a  b;c d   3\n";
    assert_int_equal(parse_folded_mem(p, in, strlen(in), "t", NULL, NULL), 0);
    assert_true(
        self_at(p, "std::map<int, int>::find(int const&) const;operator new(unsigned long)") == 7);
    assert_true(self_at(p, "a  b;c d") == 3);
    profile_free(p);
}

static void test_malformed_line_numbers(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    assert_int_equal(parse_capture(p, "a;b 1\n\nnocount\n", NULL, NULL), -1);
    assert_non_null(strstr(errbuf, "in.folded:3: missing count"));
    assert_int_equal(parse_errno, EINVAL); /* malformed input: exit 2, not 1 */
    profile_free(p);

    p = profile_new();
    assert_int_equal(parse_capture(p, "a;b 1\na;b 12x\n", NULL, NULL), -1);
    assert_non_null(strstr(errbuf, "in.folded:2: invalid count \"12x\""));
    profile_free(p);

    p = profile_new();
    assert_int_equal(parse_capture(p, "a 1\nb -3\n", NULL, NULL), -1);
    assert_non_null(strstr(errbuf, "in.folded:2: invalid count"));
    profile_free(p);

    p = profile_new();
    assert_int_equal(parse_capture(p, "a 1\nb 1.2.3\n", NULL, NULL), -1);
    assert_non_null(strstr(errbuf, ":2: invalid count"));
    profile_free(p);

    p = profile_new();
    assert_int_equal(parse_capture(p, "a 1\nb 1e5\n", NULL, NULL), -1);
    profile_free(p);

    /* the message must not carry control characters from the input */
    p = profile_new();
    assert_int_equal(parse_capture(p, "a \x1b[31m\n", NULL, NULL), -1);
    assert_null(strchr(errbuf, '\x1b'));
    profile_free(p);
}

static void test_lenient_counts_skips(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    struct parse_opts o = {.lenient = true};
    struct parse_stats st = {0};
    assert_int_equal(parse_capture(p, "a;b 1\nbad\na;b x\nc 2\n", &o, &st), 0);
    assert_int_equal(st.skipped, 2);
    assert_int_equal(st.stacks, 2);
    assert_true(profile_total(p) == 3);
    assert_string_equal(errbuf, "");
    profile_free(p);
}

static void test_prefix_sharing_is_exact(void **state)
{
    (void)state;
    /* consecutive lines whose bytes share a prefix but not a frame boundary */
    struct profile *p = profile_new();
    const char *in = "a;bc 1\na;b 2\na;b;c 4\na;bc;d 8\nab 16\na 32\n";
    assert_int_equal(parse_folded_mem(p, in, strlen(in), "t", NULL, NULL), 0);
    assert_true(self_at(p, "a;bc") == 1);
    assert_true(self_at(p, "a;b") == 2);
    assert_true(self_at(p, "a;b;c") == 4);
    assert_true(self_at(p, "a;bc;d") == 8);
    assert_true(self_at(p, "ab") == 16);
    assert_true(self_at(p, "a") == 32);
    assert_true(total_at(p, "a") == 47);
    profile_free(p);
}

static void test_unsorted_equals_sorted(void **state)
{
    (void)state;
    struct profile *a = profile_new(), *b = profile_new();
    const char *s1 = "x;y 1\nx;y;z 2\nx;w 3\nx;y 4\n";
    const char *s2 = "x;y 4\nx;w 3\nx;y;z 2\nx;y 1\n";
    parse_folded_mem(a, s1, strlen(s1), "a", NULL, NULL);
    parse_folded_mem(b, s2, strlen(s2), "b", NULL, NULL);
    assert_true(self_at(a, "x;y") == 5 && self_at(b, "x;y") == 5);
    assert_true(total_at(a, "x") == total_at(b, "x"));
    assert_int_equal(profile_node_count(a), profile_node_count(b));
    profile_free(a);
    profile_free(b);
}

static void test_merge_inputs(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    parse_folded_mem(p, "a;b 1\n", 6, "1", NULL, NULL);
    parse_folded_mem(p, "a;b 2\na;c 1\n", 12, "2", NULL, NULL);
    assert_true(self_at(p, "a;b") == 3);
    assert_true(profile_total(p) == 4);
    profile_free(p);
}

static void test_thread_transforms(void **state)
{
    (void)state;
    const char *in = "[main tid=1];main;work 5\n[worker-1 tid=2];start;work 3\n"
                     "[worker-2 tid=3];start;idle 2\n";
    struct profile *p = profile_new();
    struct parse_opts o = {.merge_threads = true};
    assert_int_equal(parse_folded_mem(p, in, strlen(in), "t", &o, NULL), 0);
    assert_true(total_at(p, "start") == 5);
    assert_true(total_at(p, "main;work") == 5);
    profile_free(p);

    regex_t re;
    assert_int_equal(regcomp(&re, "worker", REG_EXTENDED | REG_NOSUB), 0);
    struct parse_opts o2 = {.thread_re = &re};
    struct parse_stats st = {0};
    p = profile_new();
    assert_int_equal(parse_folded_mem(p, in, strlen(in), "t", &o2, &st), 0);
    assert_true(profile_total(p) == 5);
    assert_int_equal(st.filtered, 1);
    assert_true(total_at(p, "[worker-1 tid=2];start") == 3);
    profile_free(p);
    regfree(&re);

    assert_true(frame_is_thread_root("[x tid=12]", 10));
    assert_false(frame_is_thread_root("[x tid=]", 8));
    assert_false(frame_is_thread_root("[unknown]", 9));
    assert_false(frame_is_thread_root("main", 4));
}

/* Source lines (FLAMEPRE_LINES): dropped unless asked for, so the lines
 * of one function merge into it. */
static void test_line_suffixes(void **state)
{
    (void)state;
    const char *in = "main (m.c:3);work (w.c:10);mix (inlined) (w.h:2) 5\n"
                     "main (m.c:3);work (w.c:11) 3\n"
                     "main (m.c:4);f(int) 1\n";
    struct profile *p = profile_new();
    assert_int_equal(parse_folded_mem(p, in, strlen(in), "t", NULL, NULL), 0);
    assert_true(total_at(p, "main") == 9);
    assert_true(total_at(p, "main;work") == 8);
    assert_true(self_at(p, "main;work") == 3);
    assert_true(total_at(p, "main;work;mix (inlined)") == 5);
    assert_true(total_at(p, "main;f(int)") == 1);
    profile_free(p);

    struct parse_opts o = {.lines = true};
    p = profile_new();
    assert_int_equal(parse_folded_mem(p, in, strlen(in), "t", &o, NULL), 0);
    assert_true(total_at(p, "main (m.c:3)") == 8);
    assert_true(total_at(p, "main (m.c:3);work (w.c:10);mix (inlined) (w.h:2)") == 5);
    assert_true(self_at(p, "main (m.c:3);work (w.c:11)") == 3);
    assert_true(node_at(p, "main") == PNODE_NONE);
    profile_free(p);
}

static void test_reverse_and_collapse(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    struct parse_opts o = {.reverse = true};
    const char *in = "main;a;leaf 2\nmain;b;leaf 3\n";
    assert_int_equal(parse_folded_mem(p, in, strlen(in), "t", &o, NULL), 0);
    assert_true(total_at(p, "leaf") == 5);
    assert_true(self_at(p, "leaf;b;main") == 3);
    profile_free(p);

    p = profile_new();
    struct parse_opts c = {.collapse_recursion = true};
    in = "m;A;A;A 2\nm;A;B;A;B;C 3\nm;A;B;C;A 1\n";
    assert_int_equal(parse_folded_mem(p, in, strlen(in), "t", &c, NULL), 0);
    assert_true(self_at(p, "m;A") == 3);
    assert_true(self_at(p, "m;A;B;C") == 3);
    assert_int_equal(node_at(p, "m;A;A"), PNODE_NONE);
    profile_free(p);
}

static char *tmp_path(void)
{
    static char path[64];
    strcpy(path, "/tmp/test_parse.XXXXXX");
    int fd = mkstemp(path);
    close(fd);
    return path;
}

static void test_very_long_line(void **state)
{
    (void)state;
    /* one line longer than the 4 MiB read buffer, then a normal one */
    char *path = tmp_path();
    FILE *f = fopen(path, "w");
    size_t frames = 300000;
    for (size_t i = 0; i < frames; i++)
        fprintf(f, "%sframe_%06zu", i ? ";" : "", i % 1000);
    fprintf(f, " 7\nshort 1\n");
    fclose(f);
    struct profile *p = profile_new();
    assert_int_equal(parse_folded_file(p, path, NULL, NULL), 0);
    assert_true(profile_total(p) == 8);
    assert_int_equal(profile_max_depth(p), frames);
    assert_true(self_at(p, "short") == 1);
    /* interning: 1000 distinct frame names (+ "short" + "all") */
    assert_int_equal(profile_name_count(p), 1002);
    profile_free(p);
    unlink(path);
}

static void test_many_lines_across_buffers(void **state)
{
    (void)state;
    char *path = tmp_path();
    FILE *f = fopen(path, "w");
    size_t n = 250000; /* ~9 MB: several refills of the read buffer */
    for (size_t i = 0; i < n; i++)
        fprintf(f, "root;mid_%zu;some::long::namespace::function_name<int> %zu\r\n", i % 97,
                i % 5 + 1);
    fclose(f);
    struct profile *p = profile_new();
    struct parse_stats st = {0};
    assert_int_equal(parse_folded_file(p, path, NULL, &st), 0);
    assert_int_equal(st.stacks, n);
    double expect = 0;
    for (size_t i = 0; i < n; i++)
        expect += (double)(i % 5 + 1);
    assert_true(profile_total(p) == expect);
    assert_true(total_at(p, "root") == expect);
    profile_free(p);
    unlink(path);
}

/* fuzz finding-empty-frame-roundtrip: empty and blank-only frames are no
 * frames, so every stack can be written back as a folded line */
static void test_blank_frames_dropped(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    assert_int_equal(parse_capture(p, "a;;b 1\na; \t;b; 2\n;c 4\n", NULL, NULL), 0);
    assert_true(self_at(p, "a;b") == 3);
    assert_true(self_at(p, "c") == 4);
    assert_true(profile_total(p) == 7);
    for (size_t i = 0; i < profile_name_count(p); i++) {
        size_t len;
        profile_name(p, (uint32_t)i, &len);
        assert_true(len > 0);
    }
    profile_free(p);

    p = profile_new();
    assert_int_equal(parse_capture(p, "a 1\n; 1\n", NULL, NULL), -1);
    assert_non_null(strstr(errbuf, "in.folded:2: empty stack"));
    profile_free(p);

    /* collapse/merge-threads cannot leave an empty frame either */
    struct parse_opts o = {.collapse_recursion = true, .merge_threads = true, .lenient = true};
    struct parse_stats st = {0};
    p = profile_new();
    assert_int_equal(parse_capture(p, ";;; 1\n[a tid=1]; 2\n[a tid=1];x;;x 3\n", &o, &st), 0);
    assert_int_equal(st.skipped, 1);
    assert_true(self_at(p, "x") == 3);
    assert_true(profile_node(p, 0)->self == 2); /* only the thread frame: root */
    profile_free(p);
}

/* Children lookup: sorted siblings are found without the edge table, and
 * the first out-of-order name switches the node to the table; both paths
 * must merge repeated stacks and find every child. */
static void test_unsorted_children(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    const char *text = "a;c 1\na;d 1\na;e 1\na;d;x 4\na;b 2\na;c 10\na;e 100\na;f 5\n"
                       "b;x 1\nb;y 1\nb;z 1\n";
    assert_int_equal(parse_folded_mem(p, text, strlen(text), "t", NULL, NULL), 0);
    assert_true(total_at(p, "a;b") == 2);
    assert_true(total_at(p, "a;c") == 11);
    assert_true(total_at(p, "a;d") == 5);
    assert_true(self_at(p, "a;d;x") == 4);
    assert_true(total_at(p, "a;e") == 101);
    assert_true(total_at(p, "a;f") == 5);
    assert_true(total_at(p, "a") == 124);
    /* node b: sorted children only, looked up by walking them */
    assert_true(total_at(p, "b;x") == 1);
    assert_true(total_at(p, "b;y") == 1);
    assert_true(total_at(p, "b;z") == 1);
    assert_true(node_at(p, "b;w") == PNODE_NONE);
    assert_true(node_at(p, "b;xx") == PNODE_NONE);
    assert_true(node_at(p, "a;g") == PNODE_NONE);
    size_t kids = 0;
    for (uint32_t c = profile_node(p, node_at(p, "a"))->first_child; c != PNODE_NONE;
         c = profile_node(p, c)->next_sibling)
        kids++;
    assert_int_equal(kids, 5);
    profile_free(p);
}

/* fuzz finding-huge-count: counts >= 2^63 and of any length are read, and
 * kept exactly (issue 10: 2^53 + 1 and 2^64 - 1 went through a double) */
static void test_huge_counts(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    char line[600];
    memset(line, '0', sizeof(line));
    memcpy(line, "b 1", 3);
    memcpy(line + sizeof(line) - 2, "\n", 2);
    line[sizeof(line) - 1] = '\0'; /* "b 1000...0" with 595 zeros: past 64 bits */
    assert_int_equal(parse_capture(p, "a 10000000000000000001\n", NULL, NULL), 0);
    assert_true(self_at(p, "a") == 1e19);
    assert_true(profile_count(p, node_at(p, "a"))->n == 10000000000000000001u);
    profile_free(p);
    p = profile_new();
    assert_int_equal(parse_capture(p,
                                   "a 9007199254740993\na 9007199254740993\n"
                                   "b 18446744073709551615.75\n",
                                   NULL, NULL),
                     -1);
    assert_non_null(strstr(errbuf, "in.folded:3: counts add up to more than"));
    assert_true(profile_count(p, node_at(p, "a"))->n == 18014398509481986u);
    assert_true(node_at(p, "b") == PNODE_NONE); /* rejected before any node was made */
    profile_free(p);
    p = profile_new();
    assert_int_equal(parse_capture(p, "a 18446744073709551615.75\n", NULL, NULL), 0);
    assert_true(profile_count(p, node_at(p, "a"))->n == UINT64_MAX);
    assert_true(profile_count(p, node_at(p, "a"))->frac == 0.75);
    profile_free(p);
    p = profile_new();
    assert_int_equal(parse_capture(p, "a 1\na 18446744073709551616\n", NULL, NULL), -1);
    assert_non_null(strstr(errbuf, "in.folded:2: count does not fit in 64 bits"));
    profile_free(p);
    p = profile_new();
    assert_int_equal(parse_capture(p,
                                   "a 00000000000000000000000000000000000000000000000000000000000"
                                   "000000000000000000000000000000000000000042\n",
                                   NULL, NULL),
                     0);
    assert_true(self_at(p, "a") == 42);
    profile_free(p);
    p = profile_new();
    assert_int_equal(parse_capture(p, line, NULL, NULL), -1);
    assert_non_null(strstr(errbuf, "count does not fit in 64 bits"));
    profile_free(p);
    struct parse_opts lenient = {.lenient = true};
    struct parse_stats st = {0};
    p = profile_new();
    assert_int_equal(parse_capture(p, "a 18446744073709551615\nb 1\nc 2.\n", &lenient, &st), 0);
    assert_int_equal(st.skipped, 2);
    assert_true(node_at(p, "b") == PNODE_NONE);
    profile_free(p);
}

/* Rounding an exact count: halves up, integers never through a double. */
static void test_pcount_round(void **state)
{
    (void)state;
    uint64_t v;
    struct pcount c = {9007199254740993u, 0};
    assert_int_equal(pcount_round(&c, &v), 0);
    assert_true(v == 9007199254740993u);
    c = (struct pcount){3, 0.5};
    assert_int_equal(pcount_round(&c, &v), 0);
    assert_true(v == 4);
    c = (struct pcount){3, 2.49}; /* merged fractions may pass 1 */
    assert_int_equal(pcount_round(&c, &v), 0);
    assert_true(v == 5);
    c = (struct pcount){UINT64_MAX, 0.49};
    assert_int_equal(pcount_round(&c, &v), 0);
    assert_true(v == UINT64_MAX);
    c = (struct pcount){UINT64_MAX, 0.5};
    assert_int_equal(pcount_round(&c, &v), -1);
    c = (struct pcount){0, 1e30};
    assert_int_equal(pcount_round(&c, &v), -1);
}

static void test_missing_file(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    fflush(stderr);
    assert_int_equal(parse_folded_file(p, "/nonexistent/x.folded", NULL, NULL), -1);
    assert_int_equal(errno, ENOENT); /* an I/O failure: exit 1, not 2 */
    profile_free(p);
}

static bool thread_match(const char *arg, const char *frame)
{
    regex_t re;
    assert_int_equal(parse_thread_regex(&re, arg), 0);
    bool m = regexec(&re, frame, 0, NULL, 0) == 0;
    regfree(&re);
    return m;
}

/* top --thread TID|NAME: digits are a tid, anything else a literal name */
static void test_thread_regex(void **state)
{
    (void)state;
    assert_true(thread_match("4243", "[worker-1 tid=4243]"));
    assert_false(thread_match("4243", "[worker-1 tid=42430]"));
    assert_false(thread_match("424", "[worker-1 tid=4243]"));
    assert_true(thread_match("worker-1", "[worker-1 tid=4243]"));
    assert_true(thread_match("worker-1", "[worker-1 tid=99]"));
    assert_false(thread_match("worker", "[worker-1 tid=4243]"));
    assert_false(thread_match("worker-1", "worker-1;[worker-1 tid=1]"));
    assert_true(thread_match("a.b(c)*[d]", "[a.b(c)*[d] tid=7]"));
    assert_false(thread_match("a.b", "[axb tid=7]"));
    assert_false(thread_match("main", "[main pid=7]"));
}

static void test_pseudo_frames(void **state)
{
    (void)state;
    static const char *const pseudo[] = {"[git tid=123]",   "[make pid=9]",
                                         "[unwind failed]", "[not unwound: low stack]",
                                         "[cpu]",           "[mutex 0x7f00]"};
    static const char *const code[] = {"[unknown]",  "[libc.so.6+0x9a2b1]",  "main",
                                       "operator[]", "std::vector<int>::at", "[x]y"};
    for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
        assert_true(frame_is_pseudo(pseudo[i], strlen(pseudo[i])));
    for (size_t i = 0; i < sizeof(code) / sizeof(code[0]); i++)
        assert_false(frame_is_pseudo(code[i], strlen(code[i])));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_lines),
        cmocka_unit_test(test_decimals_crlf_blank_eof),
        cmocka_unit_test(test_names_with_spaces),
        cmocka_unit_test(test_malformed_line_numbers),
        cmocka_unit_test(test_thread_regex),
        cmocka_unit_test(test_pseudo_frames),
        cmocka_unit_test(test_lenient_counts_skips),
        cmocka_unit_test(test_prefix_sharing_is_exact),
        cmocka_unit_test(test_unsorted_equals_sorted),
        cmocka_unit_test(test_merge_inputs),
        cmocka_unit_test(test_line_suffixes),
        cmocka_unit_test(test_thread_transforms),
        cmocka_unit_test(test_reverse_and_collapse),
        cmocka_unit_test(test_very_long_line),
        cmocka_unit_test(test_many_lines_across_buffers),
        cmocka_unit_test(test_blank_frames_dropped),
        cmocka_unit_test(test_huge_counts),
        cmocka_unit_test(test_pcount_round),
        cmocka_unit_test(test_unsorted_children),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
