/*
 * Folded-stack table tests: merging, counts, sanitizing, sorted output,
 * atomic writing and its failure paths, and speed at profile scale.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collector/folded.h"
#include "format/frames.h"

static void add(struct folded *f, const char *s, uint64_t n)
{
    assert_int_equal(folded_add(f, s, strlen(s), n), 0);
}

struct collect {
    char text[4096];
    size_t len;
    size_t calls;
};

static void collect_cb(const char *stack, uint64_t count, void *arg)
{
    struct collect *c = arg;
    int n = snprintf(c->text + c->len, sizeof(c->text) - c->len, "%s %llu\n", stack,
                     (unsigned long long)count);
    assert_true(n > 0 && (size_t)n < sizeof(c->text) - c->len);
    c->len += (size_t)n;
    c->calls++;
}

static const char *dump(struct folded *f, struct collect *c)
{
    memset(c, 0, sizeof(*c));
    folded_foreach(f, collect_cb, c);
    return c->text;
}

static void test_merge_and_sort(void **state)
{
    (void)state;
    struct folded *f = folded_new();
    struct collect c;

    assert_non_null(f);
    add(f, "main;b;c", 1);
    add(f, "main;a", 3);
    add(f, "main;b;c", 4);
    add(f, "Main;z", 2);   /* byte order: 'M' < 'm' */
    add(f, "main;a;x", 1); /* a prefix sorts first */
    add(f, "main", 5);
    add(f, "main;a", 0); /* zero adds nothing */
    add(f, "never", 0);
    assert_int_equal(folded_distinct(f), 5);
    assert_int_equal(folded_total(f), 16);
    assert_string_equal(dump(f, &c), "Main;z 2\n"
                                     "main 5\n"
                                     "main;a 3\n"
                                     "main;a;x 1\n"
                                     "main;b;c 5\n");
    /* The sorted view is rebuilt after a new distinct stack. */
    add(f, "main;aa", 1);
    add(f, "main;a", 1);
    assert_string_equal(dump(f, &c), "Main;z 2\n"
                                     "main 5\n"
                                     "main;a 4\n"
                                     "main;a;x 1\n"
                                     "main;aa 1\n"
                                     "main;b;c 5\n");
    folded_free(f);
}

static void test_length_and_sanitize(void **state)
{
    (void)state;
    struct folded *f = folded_new();
    struct collect c;

    /* Only len bytes count; the buffer need not be NUL-terminated there. */
    assert_int_equal(folded_add(f, "a;bXYZ", 3, 2), 0);
    /* Control bytes, DEL and NUL become '_'; ';' stays a separator;
     * spaces and UTF-8 stay. */
    assert_int_equal(folded_add(f, "x\ny;z\x01\x7f", 7, 1), 0);
    assert_int_equal(folded_add(f, "n\0ul", 4, 1), 0);
    add(f, "x_y;z__", 10); /* the same stack once sanitized: merged */
    add(f, "op(int, char);caf\xc3\xa9", 1);
    /* Long stacks are scanned eight bytes at a time: every position of a
     * word, among UTF-8 characters that must stay (the one the bad byte
     * breaks goes, both its bytes). */
    for (size_t pos = 0; pos < 24; pos++) {
        char buf[32], want[32];
        for (size_t i = 0; i < 24; i += 2)
            memcpy(buf + i, "\xc3\xa9", 2);
        buf[pos] = pos & 1 ? '\x7f' : '\x1f';
        memcpy(want, buf, 24);
        want[pos & ~(size_t)1] = want[pos | 1] = '_';
        want[24] = '\0';
        struct folded *g = folded_new();
        assert_int_equal(folded_add(g, buf, 24, 1), 0);
        assert_int_equal(folded_add(g, want, 24, 1), 0);
        assert_int_equal(folded_distinct(g), 1);
        assert_int_equal(folded_total(g), 2);
        folded_free(g);
    }
    assert_int_equal(folded_distinct(f), 4);
    assert_string_equal(dump(f, &c), "a;b 2\n"
                                     "n_ul 1\n"
                                     "op(int, char);caf\xc3\xa9 1\n"
                                     "x_y;z__ 11\n");

    char frame[] = "a;b\nc\td\x1f"
                   "e\x7f"
                   "f::g<h> (i)";
    frame_sanitize_str(frame);
    assert_string_equal(frame, "a_b_c_d_e_f::g<h> (i)");
    /* invalid UTF-8 and C1 controls too (the CLI's rule, now the one) */
    struct folded *g = folded_new();
    assert_int_equal(folded_add(g,
                                "a\xff;b\xc2\x9b"
                                "c;d\xe2\x82",
                                11, 1),
                     0);
    assert_string_equal(dump(g, &c), "a_;b__c;d__ 1\n");
    folded_free(g);
    folded_free(f);
}

static void test_saturating_counts(void **state)
{
    (void)state;
    struct folded *f = folded_new();
    struct collect c;

    add(f, "a", UINT64_MAX - 1);
    add(f, "a", 5);
    add(f, "b", 1);
    assert_true(folded_total(f) == UINT64_MAX);
    assert_string_equal(dump(f, &c), "a 18446744073709551615\nb 1\n");
    folded_free(f);
}

static char *read_all(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static int make_tmpdir(void **state)
{
    char *dir = strdup("/tmp/flamepre-folded-XXXXXX");
    if (!dir || !mkdtemp(dir))
        return -1;
    *state = dir;
    return 0;
}

static int remove_tmpdir(void **state)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
    free(*state);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_write_file(void **state)
{
    const char *dir = *state;
    char path[PATH_MAX];
    struct folded *f = folded_new();

    snprintf(path, sizeof(path), "%s/app.1.cpu.folded", dir);
    add(f, "[main tid=1];main;work", 99);
    add(f, "[main tid=1];main", 1);
    add(f, "[main tid=1];main;work", 1);
    assert_int_equal(folded_write_file(f, AT_FDCWD, path), 0);
    char *got = read_all(path);
    assert_string_equal(got, "[main tid=1];main 1\n[main tid=1];main;work 100\n");
    free(got);
    assert_int_equal(count_entries(dir), 1); /* no temp file left */

    /* Rewriting replaces the content. */
    add(f, "z", 7);
    assert_int_equal(folded_write_file(f, AT_FDCWD, path), 0);
    got = read_all(path);
    assert_string_equal(got, "[main tid=1];main 1\n[main tid=1];main;work 100\nz 7\n");
    free(got);

    /* An empty table writes an empty file. */
    struct folded *empty = folded_new();
    snprintf(path, sizeof(path), "%s/empty.folded", dir);
    assert_int_equal(folded_write_file(empty, AT_FDCWD, path), 0);
    got = read_all(path);
    assert_string_equal(got, "");
    free(got);
    folded_free(empty);
    folded_free(f);
}

static void test_write_failures(void **state)
{
    const char *dir = *state;
    char path[PATH_MAX];
    struct folded *f = folded_new();

    add(f, "a;b", 1);
    /* Missing directory: open fails. (A read-only directory would not stop
     * root, so the test uses failures that hold for every user.) */
    snprintf(path, sizeof(path), "%s/missing/x.folded", dir);
    errno = 0;
    assert_int_equal(folded_write_file(f, AT_FDCWD, path), -1);
    assert_int_equal(errno, ENOENT);

    snprintf(path, sizeof(path), "%s/plainfile", dir);
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
    snprintf(path, sizeof(path), "%s/plainfile/x.folded", dir);
    assert_int_equal(folded_write_file(f, AT_FDCWD, path), -1);
    assert_int_equal(errno, ENOTDIR);

    /* The target is a non-empty directory: everything up to the rename
     * works, the rename fails, and the temp file must be gone. */
    snprintf(path, sizeof(path), "%s/isdir", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    char inner[PATH_MAX];
    snprintf(inner, sizeof(inner), "%s/isdir/keep", dir);
    fd = open(inner, O_WRONLY | O_CREAT, 0644);
    close(fd);
    assert_int_equal(folded_write_file(f, AT_FDCWD, path), -1);
    assert_true(errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST);
    assert_int_equal(count_entries(dir), 2); /* plainfile, isdir */
    folded_free(f);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A profile's shape: many adds, fewer distinct stacks, long lines. */
static void test_scale(void **state)
{
    const char *dir = *state;
    enum { DISTINCT = 50000, ADDS = 1000000 };
    struct folded *f = folded_new();
    char buf[512], path[PATH_MAX];
    const char *prefix = "[main tid=4242];_start;__libc_start_main;main;"
                         "std::vector<int, std::allocator<int> >::push_back(int const&);"
                         "run_workload(int);process_batch(batch const&);compute";

    double t0 = now_s();
    for (uint64_t i = 0; i < ADDS; i++) {
        uint64_t k = (i * 2654435761u) % DISTINCT;
        int n = snprintf(buf, sizeof(buf), "%s;leaf_%llu", prefix, (unsigned long long)k);
        assert_int_equal(folded_add(f, buf, (size_t)n, 1 + (k & 3)), 0);
    }
    double t1 = now_s();
    assert_int_equal(folded_distinct(f), DISTINCT);
    snprintf(path, sizeof(path), "%s/big.folded", dir);
    assert_int_equal(folded_write_file(f, AT_FDCWD, path), 0);
    double t2 = now_s();
    print_message("folded: %d adds (%d distinct) in %.0f ms, write in %.0f ms\n", ADDS, DISTINCT,
                  (t1 - t0) * 1e3, (t2 - t1) * 1e3);
    /* Loose bounds: sanitizer builds are several times slower. */
    assert_true(t1 - t0 < 3.0);
    assert_true(t2 - t1 < 3.0);

    /* Sorted and complete: spot-check the file. */
    char *got = read_all(path);
    size_t lines = 0;
    char *prev = NULL;
    for (char *line = strtok(got, "\n"); line; line = strtok(NULL, "\n")) {
        if (prev)
            assert_true(strcmp(prev, line) < 0);
        prev = line;
        lines++;
    }
    assert_int_equal(lines, DISTINCT);
    free(got);
    folded_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_and_sort),
        cmocka_unit_test(test_length_and_sanitize),
        cmocka_unit_test(test_saturating_counts),
        cmocka_unit_test_setup_teardown(test_write_file, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_write_failures, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_scale, make_tmpdir, remove_tmpdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
