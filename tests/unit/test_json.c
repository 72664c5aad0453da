/* format/json.h: the meta.json reader. Grammar (accepted and refused, with
 * the offset of the error), string escapes and UTF-8, number views, depth
 * limit, lookups, and a real meta.json as the collector writes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/json.h"

static struct json *ok(const char *text)
{
    struct json_error e = {0};
    struct json *j = json_parse(text, strlen(text), &e);
    if (!j)
        fail_msg("\"%s\" refused at %zu: %s", text, e.offset, e.msg);
    return j;
}

/* Refused, at byte `at`, with a message containing `what`. */
static void bad_n(const char *text, size_t len, size_t at, const char *what)
{
    struct json_error e = {0};
    struct json *j = json_parse(text, len, &e);
    if (j)
        fail_msg("\"%s\" accepted", text);
    assert_non_null(e.msg);
    if (e.offset != at || !strstr(e.msg, what))
        fail_msg("\"%s\": got \"%s\" at %zu, want \"%s\" at %zu", text, e.msg, e.offset, what, at);
}

static void bad(const char *text, size_t at, const char *what)
{
    bad_n(text, strlen(text), at, what);
}

static void test_scalars(void **state)
{
    (void)state;
    struct json *j = ok(" true ");
    assert_int_equal(j->type, JSON_TRUE);
    json_free(j);
    j = ok("false");
    assert_int_equal(j->type, JSON_FALSE);
    json_free(j);
    j = ok("\n\tnull\r\n");
    assert_int_equal(j->type, JSON_NULL);
    json_free(j);
    j = ok("\"x\"");
    assert_string_equal(json_string(j), "x");
    json_free(j);
}

static void test_numbers(void **state)
{
    (void)state;
    uint64_t u;
    int64_t i;
    double d;
    struct json *j = ok("18446744073709551615"); /* 2^64-1: exact as uint64 only */
    assert_true(json_uint64(j, &u));
    assert_true(u == UINT64_MAX);
    assert_false(json_int64(j, &i));
    assert_true(json_double(j, &d) && d == 18446744073709551615.0);
    json_free(j);
    j = ok("18446744073709551616"); /* 2^64: a double only */
    assert_false(json_uint64(j, &u));
    assert_true(json_double(j, &d) && d == 18446744073709551616.0);
    json_free(j);
    j = ok("-9223372036854775808");
    assert_true(json_int64(j, &i) && i == INT64_MIN);
    assert_false(json_uint64(j, &u));
    json_free(j);
    j = ok("-9223372036854775809");
    assert_false(json_int64(j, &i));
    json_free(j);
    j = ok("-0");
    assert_true(json_int64(j, &i) && i == 0);
    assert_true(json_uint64(j, &u) && u == 0);
    json_free(j);
    j = ok("10101010");
    assert_true(json_uint64(j, &u) && u == 10101010);
    assert_true(json_int64(j, &i) && i == 10101010);
    json_free(j);
    j = ok("-1.5e3");
    assert_false(json_int64(j, &i));
    assert_true(json_double(j, &d) && d == -1500.0);
    json_free(j);
    j = ok("1E+2");
    assert_true(json_double(j, &d) && d == 100.0);
    assert_false(json_uint64(j, &u)); /* written with an exponent: not an integer token */
    json_free(j);
    j = ok("0.25");
    assert_true(json_double(j, &d) && d == 0.25);
    json_free(j);
    j = ok("1e999");
    assert_true(json_double(j, &d) && d > 1e308);
    json_free(j);
}

static void test_strings(void **state)
{
    (void)state;
    struct json *j = ok("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
    assert_string_equal(json_string(j), "a\"b\\c/d\b\f\n\r\t");
    json_free(j);
    j = ok("\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\""); /* A é € 😀 */
    assert_string_equal(json_string(j), "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    json_free(j);
    j = ok("\"nul\\u0000inside\"");
    assert_int_equal(j->v.str.len, 10);
    assert_memory_equal(j->v.str.s, "nul\0inside", 10);
    json_free(j);
    j = ok("\"caf\xc3\xa9 \xe2\x82\xac\""); /* raw UTF-8 passes */
    assert_string_equal(json_string(j), "caf\xc3\xa9 \xe2\x82\xac");
    json_free(j);
    j = ok("\"\"");
    assert_string_equal(json_string(j), "");
    json_free(j);
    bad("\"\xc0\xaf\"", 1, "invalid UTF-8");     /* overlong '/' */
    bad("\"\xed\xa0\x80\"", 1, "invalid UTF-8"); /* raw surrogate */
    bad("\"\xe2\x82\"", 1, "invalid UTF-8");     /* cut short */
}

/* Refused documents: where (byte offset) and why (part of the message). */
static const struct {
    const char *text;
    size_t at;
    const char *what;
} refusals[] = {
    {"01", 0, "leading zero"},
    {"-", 0, "invalid number"},
    {"+1", 0, "value expected"},
    {"1.", 0, "after '.'"},
    {".5", 0, "value expected"},
    {"1e", 0, "exponent"},
    {"1e+", 0, "exponent"},
    {"NaN", 0, "value expected"},
    {"Infinity", 0, "value expected"},
    {"0x10", 1, "after the value"},
    {"\"abc", 0, "unterminated string"},
    {"\"abc\\", 0, "unterminated string"},
    {"\"a\\x\"", 2, "invalid escape"},
    {"\"a\nb\"", 2, "control character"},
    {"\"\\u12\"", 1, "\\u escape"},
    {"\"\\u12G4\"", 1, "invalid \\u escape"},
    {"\"\\ud800\"", 1, "without its low half"},
    {"\"\\ud800\\u0041\"", 1, "without its low half"},
    {"\"\\udc00\"", 1, "lone low surrogate"},
    {"\"\xff\"", 1, "invalid UTF-8"},
    {"", 0, "value expected"},
    {"   ", 3, "value expected"},
    {"[1,]", 3, "value expected"},
    {"[1 2]", 3, "expected ',' or ']'"},
    {"[1", 2, "unterminated array"},
    {"{\"a\" 1}", 5, "expected ':'"},
    {"{\"a\": 1,}", 8, "expected a string key"},
    {"{a: 1}", 1, "expected a string key"},
    {"{\"a\": 1", 7, "unterminated object"},
    {"{\"a\": 1 \"b\": 2}", 8, "expected ',' or '}'"},
    {"[] []", 3, "after the value"},
    {"tru", 0, "invalid literal"},
    {"nulls", 4, "after the value"},
    {"/* c */ 1", 0, "value expected"},
};

static void test_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        bad(refusals[i].text, refusals[i].at, refusals[i].what);
}

static void test_containers(void **state)
{
    (void)state;
    struct json *j = ok("{\"a\": [1, 2, {\"b\": null}], \"c\": {}, \"d\": [], \"a\": 5}");
    assert_int_equal(j->type, JSON_OBJECT);
    assert_int_equal(j->v.obj.n, 4);
    const struct json *a = json_get(j, "a"); /* the first of a repeated key */
    assert_non_null(a);
    assert_int_equal(a->type, JSON_ARRAY);
    assert_int_equal(a->v.arr.n, 3);
    assert_int_equal(a->v.arr.items[2].type, JSON_OBJECT);
    assert_int_equal(json_get(&a->v.arr.items[2], "b")->type, JSON_NULL);
    assert_int_equal(json_get(j, "c")->v.obj.n, 0);
    assert_int_equal(json_get(j, "d")->v.arr.n, 0);
    assert_null(json_get(j, "missing"));
    assert_null(json_get(json_get(j, "missing"), "x")); /* chains through NULL */
    assert_null(json_get(a, "x"));                      /* not an object */
    assert_null(json_string(a));
    json_free(j);
    /* a key found only inside a string or a nested object is not a member */
    j = ok("{\"x\": \"\\\"period_ns\\\": 5\", \"m\": {\"period_ns\": 7}}");
    assert_null(json_get(j, "period_ns"));
    uint64_t u;
    assert_true(json_uint64(json_get(json_get(j, "m"), "period_ns"), &u) && u == 7);
    json_free(j);
    bad_n("[1]\0", 4, 3, "after the value");
}

static void test_depth_limit(void **state)
{
    (void)state;
    char buf[2 * (JSON_MAX_DEPTH + 1) + 1];
    /* JSON_MAX_DEPTH levels: accepted */
    memset(buf, '[', JSON_MAX_DEPTH);
    memset(buf + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    struct json *j = json_parse(buf, 2 * JSON_MAX_DEPTH, NULL);
    assert_non_null(j);
    json_free(j);
    /* one more: refused where it starts */
    memset(buf, '[', JSON_MAX_DEPTH + 1);
    memset(buf + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
    bad_n(buf, 2 * (JSON_MAX_DEPTH + 1), JSON_MAX_DEPTH, "nested too deep");
    /* a hostile depth fails fast, without recursion to that depth */
    size_t n = 1000000;
    char *deep = malloc(n);
    memset(deep, '[', n);
    bad_n(deep, n, JSON_MAX_DEPTH, "nested too deep");
    free(deep);
}

/* The shape collector/meta.c writes (abridged from a real run). */
static void test_meta_json(void **state)
{
    (void)state;
    static const char meta[] =
        "{\n"
        "  \"tool\": \"flamepre\",\n"
        "  \"pid\": 25732,\n"
        "  \"comm\": \"cond_waits\",\n"
        "  \"cmdline\": [\"/tmp/cond_waits\", \"a \\\"b\\\"\"],\n"
        "  \"period_ns\": 10101010,\n"
        "  \"metrics\": {\n"
        "    \"cpu\": {\"file\": \"cond_waits.25732.cpu.folded\", \"unit\": \"samples\", "
        "\"total\": 0, \"stacks\": 0, \"period_ns\": 10101010},\n"
        "    \"cond_ns\": {\"file\": \"cond_waits.25732.cond_ns.folded\", \"unit\": "
        "\"nanoseconds\", \"total\": 106810678, \"stacks\": 1, \"estimate\": true, "
        "\"sample_interval_ns\": 100000}\n"
        "  },\n"
        "  \"threads\": [\n    {\"tid\": 25732, \"name\": \"cond_waits\", \"exited\": false}\n  ]\n"
        "}\n";
    struct json *j = ok(meta);
    uint64_t u;
    assert_true(json_uint64(json_get(j, "period_ns"), &u) && u == 10101010);
    const struct json *c = json_get(json_get(j, "metrics"), "cond_ns");
    assert_string_equal(json_string(json_get(c, "unit")), "nanoseconds");
    assert_true(json_uint64(json_get(c, "total"), &u) && u == 106810678);
    assert_int_equal(json_get(c, "estimate")->type, JSON_TRUE);
    const struct json *argv = json_get(j, "cmdline");
    assert_int_equal(argv->v.arr.n, 2);
    assert_string_equal(json_string(&argv->v.arr.items[1]), "a \"b\"");
    assert_int_equal(json_get(j, "threads")->v.arr.items[0].type, JSON_OBJECT);
    json_free(j);
    /* cut anywhere: refused, never read past the end */
    for (size_t n = 0; n < sizeof meta - 2; n++) {
        struct json_error e;
        struct json *t = json_parse(meta, n, &e);
        if (t)
            fail_msg("prefix of %zu bytes accepted", n);
        assert_true(e.offset <= n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),     cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_strings),     cmocka_unit_test(test_containers),
        cmocka_unit_test(test_depth_limit), cmocka_unit_test(test_meta_json),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
