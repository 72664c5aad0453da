/* The CLI's output writer (render/outfile.h): which kind of node is written
 * how, and replace-on-success / keep-on-failure. The FIFO,
 * device and /dev/stdout cases run in tests/hazards/t_cli_output.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render/outfile.h"

static void test_how(void **state)
{
    (void)state;
    assert_int_equal(out_how(0, 0), OUT_REPLACE);
    assert_int_equal(out_how(S_IFREG | 0644, S_IFREG | 0644), OUT_REPLACE);
    assert_int_equal(out_how(S_IFLNK | 0777, S_IFREG | 0644), OUT_REPLACE_LINK);
    assert_int_equal(out_how(S_IFLNK | 0777, 0), OUT_DANGLING);
    assert_int_equal(out_how(S_IFLNK | 0777, S_IFIFO | 0600), OUT_IN_PLACE);
    assert_int_equal(out_how(S_IFLNK | 0777, S_IFDIR | 0755), OUT_IS_DIR);
    assert_int_equal(out_how(S_IFIFO | 0600, S_IFIFO | 0600), OUT_IN_PLACE);
    assert_int_equal(out_how(S_IFCHR | 0666, S_IFCHR | 0666), OUT_IN_PLACE);
    assert_int_equal(out_how(S_IFBLK | 0660, S_IFBLK | 0660), OUT_IN_PLACE);
    assert_int_equal(out_how(S_IFDIR | 0755, S_IFDIR | 0755), OUT_IS_DIR);
}

static char *slurp(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_replace_keep_link(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_outfile.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], real[128];
    snprintf(path, sizeof(path), "%s/out", dir);
    snprintf(real, sizeof(real), "%s/real", dir);
    struct out_file o;

    /* new file, then a failed run leaves it as it was and no temp file */
    assert_int_equal(out_open(&o, path), 0);
    fputs("one\n", o.f);
    assert_int_equal(out_close(&o, 1), 0);
    assert_string_equal(slurp(path), "one\n");
    assert_int_equal(out_open(&o, path), 0);
    fputs("half", o.f);
    assert_int_equal(out_close(&o, 0), -1);
    assert_string_equal(slurp(path), "one\n");
    assert_int_equal(entries(dir), 1);

    /* a link to a regular file: the target is replaced, the link stays */
    assert_int_equal(rename(path, real), 0);
    assert_int_equal(symlink("real", path), 0);
    assert_int_equal(out_open(&o, path), 0);
    fputs("two\n", o.f);
    assert_int_equal(out_close(&o, 1), 0);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(slurp(real), "two\n");
    assert_int_equal(entries(dir), 2);

    /* a directory is refused */
    assert_int_equal(out_open(&o, dir), -1);

    unlink(path);
    unlink(real);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_how),
        cmocka_unit_test(test_replace_keep_link),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
