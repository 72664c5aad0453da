/* `flamepre convert`: folded normalization round trip and pprof framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "render/cmd.h"

/* argv for a subcommand: writable copies, as main() would pass them */
static int run_convert(const char *const *args)
{
    static char store[8][256];
    char *argv[9];
    int argc = 0;
    for (; args[argc]; argc++) {
        snprintf(store[argc], sizeof(store[argc]), "%s", args[argc]);
        argv[argc] = store[argc];
    }
    argv[argc] = NULL;
    return cmd_convert(argc, argv);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void test_folded_normalized(void **state)
{
    (void)state;
    const char *in = "/tmp/test_convert_in.folded", *out = "/tmp/test_convert_out.folded";
    FILE *f = fopen(in, "w");
    fputs("b;c 2\na;x 1.6\r\n\nb;c 3\na 4\n", f);
    fclose(f);
    const char *args[] = { "convert", in, "--to", "folded", "-o", out, NULL };
    assert_int_equal(run_convert(args), 0);
    size_t len;
    char *got = slurp(out, &len);
    assert_string_equal(got, "a 4\na;x 2\nb;c 5\n");
    free(got);
    unlink(in);
    unlink(out);
}

static void test_pprof_is_gzip_protobuf(void **state)
{
    (void)state;
    const char *in = "/tmp/test_convert_in2.folded", *out = "/tmp/test_convert_out.pb.gz";
    FILE *f = fopen(in, "w");
    fputs("main;work 3\n", f);
    fclose(f);
    const char *args[] = { "convert", in, "--to", "pprof", "-o", out, NULL };
    assert_int_equal(run_convert(args), 0);
    gzFile z = gzopen(out, "rb");
    assert_non_null(z);
    unsigned char buf[4096];
    int n = gzread(z, buf, sizeof(buf));
    gzclose(z);
    assert_true(n > 10);
    /* first field: sample_type (1, length-delimited) = {type: 1, unit: 2} */
    assert_int_equal(buf[0], (1 << 3) | 2);
    assert_int_equal(buf[1], 4);
    assert_memory_equal(buf + 2, "\x08\x01\x10\x02", 4);
    /* the function names are in the string table */
    assert_non_null(memmem(buf, (size_t)n, "work", 4));
    unlink(in);
    unlink(out);
}

static void test_bad_target(void **state)
{
    (void)state;
    const char *args[] = { "convert", "x.folded", "--to", "png", NULL };
    assert_int_equal(run_convert(args), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folded_normalized),
        cmocka_unit_test(test_pprof_is_gzip_protobuf),
        cmocka_unit_test(test_bad_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
