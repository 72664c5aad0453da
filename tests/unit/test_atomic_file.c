/*
 * Atomic file writer tests (format/atomic_file.h): content through every
 * write path (buffered, bypass, printf on the stack and on the heap),
 * replacement, abort, random temp names, two writers of one path, writing
 * in place, and that a failure keeps the first error, reports it at
 * commit and leaves neither a temp file nor a partial target.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/atomic_file.h"

static int make_tmpdir(void **state)
{
    char *dir = strdup("/tmp/flamepre-af-XXXXXX");
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

static char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    if (len)
        *len = (size_t)n;
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

static void test_content_paths(void **state)
{
    const char *dir = *state;
    char path[PATH_MAX], tmp[PATH_MAX + 32];
    struct atomic_file af;
    struct stat st;

    snprintf(path, sizeof(path), "%s/out.txt", dir);
    assert_int_equal(atomic_file_openat(&af, AT_FDCWD, path, 0644), 0);
    /* "<path>.tmp.XXXXXX", random */
    snprintf(tmp, sizeof(tmp), "%s", af.tmp);
    assert_int_equal(strlen(tmp), strlen(path) + 11);
    assert_memory_equal(tmp, path, strlen(path));
    assert_memory_equal(tmp + strlen(path), ".tmp.", 5);
    assert_int_equal(stat(tmp, &st), 0);
    assert_int_equal(stat(path, &st), -1); /* nothing visible before commit */

    /* A 20000-byte block bypasses the buffer; a 3000-byte printf line is
     * formatted on the heap; the rest is buffered. Order must hold. */
    char *big = malloc(20000);
    assert_non_null(big);
    for (size_t i = 0; i < 20000; i++)
        big[i] = (char)('a' + i % 26);
    char *line = malloc(3001);
    assert_non_null(line);
    memset(line, 'L', 3000);
    line[3000] = '\0';

    atomic_file_puts(&af, "head\n");
    atomic_file_printf(&af, "%d-%s-%llu\n", 42, "x", 18446744073709551615ULL);
    atomic_file_write(&af, big, 20000);
    atomic_file_printf(&af, "<%s>\n", line);
    for (int i = 0; i < 2000; i++)
        atomic_file_printf(&af, "%04d\n", i);
    assert_int_equal(af.err, 0);
    assert_int_equal(atomic_file_commit(&af), 0);
    assert_int_equal(stat(tmp, &st), -1);
    assert_int_equal(stat(path, &st), 0);
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(st.st_mode & 0777, 0644 & ~mask);

    size_t len;
    char *got = read_all(path, &len);
    assert_non_null(got);
    const char *head = "head\n42-x-18446744073709551615\n";
    size_t h = strlen(head);
    assert_int_equal(len, h + 20000 + 3003 + 2000 * 5);
    assert_memory_equal(got, head, h);
    assert_memory_equal(got + h, big, 20000);
    assert_int_equal(got[h + 20000], '<');
    assert_memory_equal(got + h + 20001, line, 3000);
    assert_memory_equal(got + h + 20000 + 3003, "0000\n0001\n", 10);
    assert_memory_equal(got + len - 5, "1999\n", 5);
    free(got);
    free(big);
    free(line);
    assert_int_equal(count_entries(dir), 1);
}

static void test_replace_and_abort(void **state)
{
    const char *dir = *state;
    char path[PATH_MAX];
    struct atomic_file af;

    snprintf(path, sizeof(path), "%s/f", dir);
    assert_int_equal(atomic_file_openat(&af, AT_FDCWD, path, 0644), 0);
    atomic_file_puts(&af, "old\n");
    assert_int_equal(atomic_file_commit(&af), 0);

    assert_int_equal(atomic_file_openat(&af, AT_FDCWD, path, 0644), 0);
    atomic_file_puts(&af, "new content\n");
    assert_int_equal(atomic_file_commit(&af), 0);
    char *got = read_all(path, NULL);
    assert_string_equal(got, "new content\n");
    free(got);

    /* Abort leaves the old file as it was and no temp file. */
    assert_int_equal(atomic_file_openat(&af, AT_FDCWD, path, 0644), 0);
    atomic_file_puts(&af, "discarded\n");
    errno = 1234;
    atomic_file_abort(&af);
    assert_int_equal(errno, 1234);
    got = read_all(path, NULL);
    assert_string_equal(got, "new content\n");
    free(got);
    assert_int_equal(count_entries(dir), 1);
}

static void test_tmp_name(void **state)
{
    (void)state;
    char a[64], b[64];
    atomic_file_tmp_name(a, "dir/x.svg", 0);
    assert_string_equal(a, "dir/x.svg.tmp.000000");
    atomic_file_tmp_name(a, "x", 12345);
    atomic_file_tmp_name(b, "x", 12346);
    assert_int_equal(strlen(a), strlen("x") + 11);
    assert_string_not_equal(a, b);
    atomic_file_tmp_name(a, "x", UINT64_MAX);
    for (const char *s = a + 6; *s; s++)
        assert_non_null(
            strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", *s));
}

/* Two writers of one path at once (the old "<path>.tmp.<pid>" name made
 * the second one delete the first one's file): both commit, the last wins. */
static void test_two_writers(void **state)
{
    const char *dir = *state;
    char path[PATH_MAX];
    struct atomic_file a, b;

    snprintf(path, sizeof(path), "%s/g", dir);
    assert_int_equal(atomic_file_openat(&a, AT_FDCWD, path, 0644), 0);
    assert_int_equal(atomic_file_openat(&b, AT_FDCWD, path, 0644), 0);
    assert_string_not_equal(a.tmp, b.tmp);
    atomic_file_puts(&a, "first");
    atomic_file_puts(&b, "second");
    assert_int_equal(atomic_file_commit(&a), 0);
    assert_int_equal(atomic_file_commit(&b), 0);
    char *got = read_all(path, NULL);
    assert_string_equal(got, "second");
    free(got);
    assert_int_equal(count_entries(dir), 1);
}

/* Relative to a directory descriptor; a symlink at the target name is
 * replaced by the file, never written through (what the collector relies
 * on in an output directory someone else could write to). */
static void test_openat_no_symlink(void **state)
{
    const char *dir = *state;
    char victim[PATH_MAX];
    struct atomic_file af;

    snprintf(victim, sizeof(victim), "%s/victim", dir);
    int fd = open(victim, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "precious", 8), 8);
    close(fd);
    int dfd = open(dir, O_PATH | O_DIRECTORY);
    assert_true(dfd >= 0);
    assert_int_equal(symlinkat(victim, dfd, "h"), 0);
    assert_int_equal(atomic_file_openat(&af, dfd, "h", 0644), 0);
    atomic_file_puts(&af, "mine");
    assert_int_equal(atomic_file_commit(&af), 0);
    struct stat st;
    assert_int_equal(fstatat(dfd, "h", &st, AT_SYMLINK_NOFOLLOW), 0);
    assert_true(S_ISREG(st.st_mode));
    close(dfd);
    char *got = read_all(victim, NULL);
    assert_string_equal(got, "precious");
    free(got);
    snprintf(victim, sizeof(victim), "%s/h", dir);
    got = read_all(victim, NULL);
    assert_string_equal(got, "mine");
    free(got);
    assert_int_equal(count_entries(dir), 2);
}

/* In place: the bytes go to the descriptor (a pipe here), no temp file,
 * no rename; abort keeps what was written. */
static void test_in_place(void **state)
{
    const char *dir = *state;
    int p[2];
    struct atomic_file af;
    char buf[64];

    assert_int_equal(pipe(p), 0);
    atomic_file_fdopen(&af, p[1], true);
    atomic_file_printf(&af, "to the %s\n", "pipe");
    assert_int_equal(atomic_file_commit(&af), 0);
    assert_int_equal(read(p[0], buf, sizeof buf), 12); /* and EOF: p[1] was closed */
    assert_memory_equal(buf, "to the pipe\n", 12);
    assert_int_equal(read(p[0], buf, sizeof buf), 0);
    close(p[0]);
    /* not owned: left open; a closed reader is EPIPE at commit */
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    struct sigaction ign = {.sa_handler = SIG_IGN}, oldsa;
    sigemptyset(&ign.sa_mask);
    assert_int_equal(sigaction(SIGPIPE, &ign, &oldsa), 0);
    atomic_file_fdopen(&af, p[1], false);
    atomic_file_puts(&af, "lost");
    errno = 0;
    assert_int_equal(atomic_file_commit(&af), -1);
    assert_int_equal(errno, EPIPE);
    sigaction(SIGPIPE, &oldsa, NULL);
    assert_true(fcntl(p[1], F_GETFD) >= 0);
    close(p[1]);
    assert_int_equal(count_entries(dir), 0);
}

static void test_open_failure(void **state)
{
    const char *dir = *state;
    char path[PATH_MAX];
    struct atomic_file af;

    snprintf(path, sizeof(path), "%s/no/such/dir/f", dir);
    errno = 0;
    assert_int_equal(atomic_file_openat(&af, AT_FDCWD, path, 0644), -1);
    assert_int_equal(errno, ENOENT);
    /* Safe to use after a failed open: writes are ignored, commit reports
     * the error again, abort does nothing. */
    atomic_file_puts(&af, "x");
    atomic_file_printf(&af, "%d", 1);
    errno = 0;
    assert_int_equal(atomic_file_commit(&af), -1);
    assert_int_equal(errno, ENOENT);
    atomic_file_abort(&af);
    assert_int_equal(count_entries(dir), 0);
}

/* Write errors: RLIMIT_FSIZE makes write(2) fail with EFBIG part-way
 * (after a partial write), which exercises the keep-first-error path. */
static void test_write_error_kept(void **state)
{
    const char *dir = *state;
    char path[PATH_MAX];
    struct atomic_file af;
    struct rlimit old, lim;
    struct sigaction ign = {.sa_handler = SIG_IGN}, oldsa;

    snprintf(path, sizeof(path), "%s/big", dir);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    assert_int_equal(atomic_file_openat(&af, AT_FDCWD, path, 0644), 0);

    sigemptyset(&ign.sa_mask);
    assert_int_equal(sigaction(SIGXFSZ, &ign, &oldsa), 0);
    lim = old;
    lim.rlim_cur = 10000;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

    char block[4096];
    memset(block, 'z', sizeof(block));
    for (int i = 0; i < 10; i++)
        atomic_file_write(&af, block, sizeof(block));
    int seen = af.err;
    atomic_file_puts(&af, "ignored after the error");
    errno = 0;
    int r = atomic_file_commit(&af);
    int e = errno;

    setrlimit(RLIMIT_FSIZE, &old);
    sigaction(SIGXFSZ, &oldsa, NULL);
    assert_int_equal(seen, EFBIG);
    assert_int_equal(r, -1);
    assert_int_equal(e, EFBIG);
    assert_int_equal(count_entries(dir), 0); /* no temp, no target */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_content_paths, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_replace_and_abort, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_two_writers, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_in_place, make_tmpdir, remove_tmpdir),
        cmocka_unit_test(test_tmp_name),
        cmocka_unit_test_setup_teardown(test_openat_no_symlink, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_open_failure, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_write_error_kept, make_tmpdir, remove_tmpdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
