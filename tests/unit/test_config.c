/* FLAMEPRE_* parsing: good values, bad values (one message each, default
 * kept), unknown names with a suggestion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "preload/config.h"

static char msgs[8][512];
static int nmsgs;

static void capture(const char *line, void *arg)
{
    (void)arg;
    if (nmsgs < 8)
        snprintf(msgs[nmsgs], sizeof msgs[0], "%s", line);
    nmsgs++;
}

static int parse(struct config *c, const char **env)
{
    nmsgs = 0;
    memset(msgs, 0, sizeof msgs);
    config_defaults(c);
    return config_parse(c, env, capture, NULL);
}

static void test_defaults(void **st)
{
    (void)st;
    struct config c;
    const char *env[] = {"HOME=/root", "PATH=/bin", NULL};
    assert_int_equal(parse(&c, env), 0);
    assert_int_equal(c.events, EV_CPU);
    assert_int_equal(c.hz, 99);
    assert_int_equal(c.depth, 128);
    assert_true(c.threads);
    assert_int_equal(c.unwind, UNWIND_DWARF);
    assert_int_equal(c.alloc_sample, 512 * 1024);
    assert_int_equal(c.wait_sample_ns, 100000);
    assert_string_equal(c.output, "./flamepre-out");
}

static void test_good_values(void **st)
{
    (void)st;
    struct config c;
    const char *env[] = {"FLAMEPRE_EVENTS=cpu, alloc,io",
                         "FLAMEPRE_HZ=999",
                         "FLAMEPRE_DEPTH=64",
                         "FLAMEPRE_UNWIND=fp",
                         "FLAMEPRE_THREADS=0",
                         "FLAMEPRE_ALLOC_SAMPLE=1m",
                         "FLAMEPRE_WAIT_SAMPLE=2ms",
                         "FLAMEPRE_LOG=debug",
                         "FLAMEPRE_OUTPUT=/tmp/x",
                         "FLAMEPRE_SAMPLER=timer",
                         NULL};
    assert_int_equal(parse(&c, env), 0);
    assert_int_equal(c.events, EV_CPU | EV_ALLOC | EV_IO);
    assert_int_equal(c.hz, 999);
    assert_int_equal(c.depth, 64);
    assert_int_equal(c.unwind, UNWIND_FP);
    assert_false(c.threads);
    assert_int_equal(c.alloc_sample, 1 << 20);
    assert_int_equal(c.wait_sample_ns, 2000000);
    assert_int_equal(c.log_level, 2);
    assert_int_equal(c.sampler, 2);
    assert_string_equal(c.output, "/tmp/x");
}

static void test_bad_values_keep_defaults(void **st)
{
    (void)st;
    struct config c;
    const char *env[] = {"FLAMEPRE_HZ=abc",           "FLAMEPRE_EVENTS=cpu,bogus",
                         "FLAMEPRE_UNWIND=xyz",       "FLAMEPRE_DEPTH=-1",
                         "FLAMEPRE_ALLOC_SAMPLE=12q", "FLAMEPRE_HZ=0",
                         "FLAMEPRE_OUTPUT=",          NULL};
    assert_int_equal(parse(&c, env), 7);
    assert_int_equal(c.hz, 99);
    assert_int_equal(c.events, EV_CPU);
    assert_int_equal(c.unwind, UNWIND_DWARF);
    assert_int_equal(c.depth, 128);
    assert_int_equal(c.alloc_sample, 512 * 1024);
    /* Each message names its variable and says what is accepted. */
    assert_non_null(strstr(msgs[0], "FLAMEPRE_HZ"));
    assert_non_null(strstr(msgs[0], "accepted"));
    assert_non_null(strstr(msgs[1], "FLAMEPRE_EVENTS"));
    assert_non_null(strstr(msgs[1], "bogus"));
    assert_non_null(strstr(msgs[2], "FLAMEPRE_UNWIND"));
    assert_non_null(strstr(msgs[2], "fp or dwarf"));
    assert_non_null(strstr(msgs[3], "FLAMEPRE_DEPTH"));
    assert_non_null(strstr(msgs[5], "out of range"));
    for (int i = 0; i < 7; i++)
        assert_null(strchr(msgs[i], '\n'));
}

static void test_unknown_variable_suggests(void **st)
{
    (void)st;
    struct config c;
    const char *env[] = {"FLAMEPRE_HX=999", "FLAMEPRE_EVENT=cpu", NULL};
    assert_int_equal(parse(&c, env), 2);
    assert_non_null(strstr(msgs[0], "FLAMEPRE_HX"));
    assert_non_null(strstr(msgs[0], "did you mean FLAMEPRE_HZ"));
    assert_non_null(strstr(msgs[1], "did you mean FLAMEPRE_EVENTS"));
    assert_int_equal(c.hz, 99);
}

/* A value or name with control characters, or a very long one: the
 * message quotes it escaped and cut, and still says why. */
static void test_messages_quote_values(void **st)
{
    (void)st;
    struct config c;
    char longval[5000 + 32];
    memcpy(longval, "FLAMEPRE_HZ=", 12);
    memset(longval + 12, 'x', 5000);
    longval[12 + 5000] = 0;
    const char *env[] = {"FLAMEPRE_HZ=12\n3",
                         "FLAMEPRE_EVENTS=cpu,\033[31m\t",
                         "FLAMEPRE_H\rZ=1",
                         "FLAMEPRE_LOG=\x7f",
                         longval,
                         NULL};
    assert_int_equal(parse(&c, env), 5);
    assert_string_equal(msgs[0], "FLAMEPRE_HZ: \"12\\n3\" is not a whole number; accepted: "
                                 "samples per second, 1..10000 (default 99); using the default");
    assert_non_null(strstr(msgs[1], "unknown event \"\\x1b[31m\\t\""));
    assert_non_null(strstr(msgs[2], "FLAMEPRE_H\\rZ: unknown variable"));
    assert_non_null(strstr(msgs[3], "\"\\x7f\" is not recognised"));
    assert_non_null(
        strstr(msgs[4], "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\" is not a whole"));
    assert_non_null(strstr(msgs[4], "using the default"));
    for (int i = 0; i < 5; i++)
        for (const char *p = msgs[i]; *p; p++)
            assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void test_sizes_and_durations(void **st)
{
    (void)st;
    uint64_t v;
    assert_int_equal(config_parse_size("512k", &v), 0);
    assert_int_equal(v, 512 * 1024);
    assert_int_equal(config_parse_size("2G", &v), 0);
    assert_int_equal(v, 2ull << 30);
    assert_int_equal(config_parse_size("4kib", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(config_parse_size("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(config_parse_size("k", &v), -1);
    assert_int_equal(config_parse_size("-1", &v), -1);
    assert_int_equal(config_parse_size("99999999999999999999", &v), -1);
    assert_int_equal(config_parse_size("17179869184g", &v), -1); /* overflows */
    assert_int_equal(config_parse_duration("100us", &v), 0);
    assert_int_equal(v, 100000);
    assert_int_equal(config_parse_duration("3s", &v), 0);
    assert_int_equal(v, 3000000000ull);
    assert_int_equal(config_parse_duration("250", &v), 0);
    assert_int_equal(v, 250);
    assert_int_equal(config_parse_duration("1h", &v), -1);
    assert_int_equal(config_parse_duration("", &v), -1);
    /* decimals, scaled exactly and rounded to the nanosecond */
    assert_int_equal(config_parse_duration("1.5ms", &v), 0);
    assert_int_equal(v, 1500000);
    assert_int_equal(config_parse_duration("0.25s", &v), 0);
    assert_int_equal(v, 250000000);
    assert_int_equal(config_parse_duration("2.0001us", &v), 0);
    assert_int_equal(v, 2000);
    assert_int_equal(config_parse_duration("2.0005us", &v), 0);
    assert_int_equal(v, 2001);
    assert_int_equal(config_parse_duration("1.123456789123s", &v), 0);
    assert_int_equal(v, 1123456789);
    assert_int_equal(config_parse_duration("1.6", &v), 0); /* ns */
    assert_int_equal(v, 2);
    assert_int_equal(config_parse_duration("1.ms", &v), -1);
    assert_int_equal(config_parse_duration(".5ms", &v), -1);
    assert_int_equal(config_parse_duration("1.5.5ms", &v), -1);
    assert_int_equal(config_parse_duration("1.5xms", &v), -1);
    assert_int_equal(config_parse_duration("18446744073.709551615s", &v), 0);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(config_parse_duration("18446744073.709551616s", &v), -1);
}

static void test_events_string(void **st)
{
    (void)st;
    char buf[64];
    config_events_string(EV_CPU | EV_LOCK | EV_IO, buf, sizeof buf);
    assert_string_equal(buf, "cpu,lock,io");
    config_events_string(0, buf, sizeof buf);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_good_values),
        cmocka_unit_test(test_bad_values_keep_defaults),
        cmocka_unit_test(test_unknown_variable_suggests),
        cmocka_unit_test(test_messages_quote_values),
        cmocka_unit_test(test_sizes_and_durations),
        cmocka_unit_test(test_events_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
