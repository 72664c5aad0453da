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
#include "tests/unit/cli_test.h"

static int run_convert(const char *const *args)
{
    return cli_run(cmd_convert, args);
}

#define slurp cli_slurp

static void test_folded_normalized(void **state)
{
    (void)state;
    const char *in = "/tmp/test_convert_in.folded", *out = "/tmp/test_convert_out.folded";
    FILE *f = fopen(in, "w");
    fputs("b;c 2\na;x 1.6\r\n\nb;c 3\na 4\n", f);
    fclose(f);
    const char *args[] = {"convert", in, "--to", "folded", "-o", out, NULL};
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
    const char *args[] = {"convert", in, "--to", "pprof", "-o", out, NULL};
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

static char *convert_text(const char *text, size_t tlen, const char *to, int *rc)
{
    const char *in = "/tmp/test_convert_in3.folded", *out = "/tmp/test_convert_out3";
    FILE *f = fopen(in, "wb");
    fwrite(text, 1, tlen, f);
    fclose(f);
    const char *args[] = {"convert", in, "--to", to, "-o", out, NULL};
    *rc = run_convert(args);
    size_t len;
    char *got = slurp(out, &len);
    unlink(in);
    unlink(out);
    return got;
}

/* fuzz finding-huge-count: no llround overflow dropping the stack; and
 * (issue 10) the count exact, not the nearest double */
static void test_folded_huge_count(void **state)
{
    (void)state;
    static const char in[] = "a 10000000000000000001\na;b 3\n";
    int rc;
    char *got = convert_text(in, sizeof(in) - 1, "folded", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "a 10000000000000000001\na;b 3\n");
    free(got);
}

/* fuzz finding-nul-in-name: NUL and other control bytes become '_' (the
 * frame rule, format/frames.h), so every written line parses back; names
 * made equal are merged again */
static void test_folded_control_bytes(void **state)
{
    (void)state;
    static const char in[] = "root;nul\0byte;y 1\nroot;x 2\nroot;nul\x01"
                             "byte;y 4\n"
                             "\x1b[31mred;tab\there;\xff 1\n";
    int rc;
    char *got = convert_text(in, sizeof(in) - 1, "folded", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "_[31mred;tab_here;_ 1\nroot;nul_byte;y 5\nroot;x 2\n");
    free(got);
}

/* fuzz finding-empty-frame-roundtrip: what convert writes, the parser reads */
static void test_folded_round_trip_blank_frames(void **state)
{
    (void)state;
    static const char in[] = "a;;b 1\na; ;b; 2\n;c 4\n";
    int rc;
    char *got = convert_text(in, sizeof(in) - 1, "folded", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "a;b 3\nc 4\n");
    char *again = convert_text(got, strlen(got), "folded", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(again, got);
    free(again);
    free(got);
}

/* pprof values are int64: a count >= 2^63 is clamped, not dropped */
static void test_pprof_huge_count(void **state)
{
    (void)state;
    const char *in = "/tmp/test_convert_in4.folded", *out = "/tmp/test_convert_out4.pb.gz";
    FILE *f = fopen(in, "w");
    fputs("a 10000000000000000001\n", f);
    fclose(f);
    const char *args[] = {"convert", in, "--to", "pprof", "-o", out, NULL};
    assert_int_equal(run_convert(args), 0);
    gzFile z = gzopen(out, "rb");
    unsigned char buf[4096];
    int n = gzread(z, buf, sizeof(buf));
    gzclose(z);
    /* sample { location_id [1], value [INT64_MAX] } */
    static const unsigned char want[] = {0x12, 0x0e, 0x0a, 0x01, 0x01, 0x12, 0x09, 0xff,
                                         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    assert_non_null(memmem(buf, (size_t)n, want, sizeof(want)));
    unlink(in);
    unlink(out);
}

/* cpu with a known period: samples/count and cpu/nanoseconds values,
 * period_type cpu/nanoseconds and period from the sibling meta.json */
static void test_pprof_period(void **state)
{
    (void)state;
    const char *in = "/tmp/tpp.9.cpu.folded", *meta = "/tmp/tpp.9.meta.json",
               *out = "/tmp/tpp.pb.gz";
    FILE *f = fopen(in, "w");
    fputs("main;work 3\n", f);
    fclose(f);
    f = fopen(meta, "w");
    fputs("{\"period_ns\": 1000000}\n", f);
    fclose(f);
    const char *args[] = {"convert", in, "--to", "pprof", "-o", out, NULL};
    assert_int_equal(run_convert(args), 0);
    gzFile z = gzopen(out, "rb");
    unsigned char buf[4096];
    int n = gzread(z, buf, sizeof(buf));
    gzclose(z);
    /* two sample types: {1,2} samples/count, {4,5} cpu/nanoseconds */
    assert_memory_equal(buf, "\x0a\x04\x08\x01\x10\x02\x0a\x04\x08\x04\x10\x05", 12);
    /* value [3, 3000000] */
    assert_non_null(memmem(buf, (size_t)n, "\x12\x05\x03\xc0\x8d\xb7\x01", 7));
    /* period_type {4,5}, period 1000000 */
    assert_non_null(memmem(buf, (size_t)n, "\x5a\x04\x08\x04\x10\x05\x60\xc0\x84\x3d", 10));
    assert_non_null(memmem(buf, (size_t)n, "nanoseconds", 11));
    unlink(in);
    unlink(meta);
    unlink(out);
}

static void test_bad_target(void **state)
{
    (void)state;
    const char *args[] = {"convert", "x.folded", "--to", "png", NULL};
    assert_int_equal(run_convert(args), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folded_normalized),
        cmocka_unit_test(test_pprof_is_gzip_protobuf),
        cmocka_unit_test(test_folded_huge_count),
        cmocka_unit_test(test_folded_control_bytes),
        cmocka_unit_test(test_folded_round_trip_blank_frames),
        cmocka_unit_test(test_pprof_huge_count),
        cmocka_unit_test(test_pprof_period),
        cmocka_unit_test(test_bad_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
