/* SVG writer: escaping of hostile names, stable colors, units, empty input,
 * and the structure the embedded script relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/color.h"
#include "render/escape.h"
#include "render/parse.h"
#include "render/profile.h"
#include "render/render.h"
#include "render/units.h"
#include "render/util.h"

static char *xml(const char *s, size_t len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    xml_escape(f, s, len);
    fclose(f);
    return buf;
}

static char *json(const char *s, size_t len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    json_escape(f, s, len);
    fclose(f);
    return buf;
}

#define XML_EQ(in, want)                      \
    do {                                      \
        char *got_ = xml(in, sizeof(in) - 1); \
        assert_string_equal(got_, want);      \
        free(got_);                           \
    } while (0)
#define JSON_EQ(in, want)                      \
    do {                                       \
        char *got_ = json(in, sizeof(in) - 1); \
        assert_string_equal(got_, want);       \
        free(got_);                            \
    } while (0)

static void test_xml_escape(void **state)
{
    (void)state;
    XML_EQ("std::vector<int, A&>::at()", "std::vector&lt;int, A&amp;&gt;::at()");
    XML_EQ("say \"hi\" it's", "say &quot;hi&quot; it&apos;s");
    XML_EQ("</script><script>alert(1)</script>",
           "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    XML_EQ("]]>", "]]&gt;");
    /* control characters -> U+FFFD */
    XML_EQ("a\x01"
           "b\tc\nd\x7f",
           "a\xef\xbf\xbd"
           "b\xef\xbf\xbd"
           "c\xef\xbf\xbd"
           "d\xef\xbf\xbd");
    /* valid multi-byte UTF-8 passes */
    XML_EQ("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5",
           "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5");
    /* invalid: stray continuation, truncated sequence, overlong, surrogate,
     * above U+10FFFF, U+FFFE */
    XML_EQ("\x80", "\xef\xbf\xbd");
    XML_EQ("x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd");
    XML_EQ("\xc0\xbc", "\xef\xbf\xbd\xef\xbf\xbd");
    XML_EQ("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    XML_EQ("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    XML_EQ("\xef\xbf\xbe", "\xef\xbf\xbd");
    /* embedded NUL */
    char *g = xml("a\0b", 3);
    assert_string_equal(g, "a\xef\xbf\xbd"
                           "b");
    free(g);
}

static void test_json_escape(void **state)
{
    (void)state;
    JSON_EQ("</script>", "\\u003c/script\\u003e");
    JSON_EQ("a\"b\\c", "a\\\"b\\\\c");
    JSON_EQ("x&y", "x\\u0026y");
    JSON_EQ("\n", "\\ufffd");
    JSON_EQ("\xe2\x80\xa8", "\\u2028");
    JSON_EQ("\xff", "\\ufffd");
}

static void test_colors_stable(void **state)
{
    (void)state;
    struct rgb a = color_for("hot", "main", 4), b = color_for("hot", "main", 4);
    assert_memory_equal(&a, &b, sizeof(a));
    /* pinned: a change here changes every user's graphs */
    assert_int_equal(a.r, 227);
    assert_int_equal(a.g, 162);
    assert_int_equal(a.b, 52);
    struct rgb c = color_for("hot", "mainx", 5);
    assert_memory_not_equal(&a, &c, sizeof(a));
    /* hot palette: red dominant */
    assert_true(a.r >= 205);
    struct rgb m = color_for("mem", "malloc", 6);
    assert_true(m.g >= 190);
    struct rgb io = color_for("io", "read", 4);
    assert_true(io.b >= 190);
    struct rgb t = color_for("hot", "[w tid=3]", 9), u = color_for("hot", "[unknown]", 9);
    assert_memory_not_equal(&t, &a, sizeof(t));
    assert_int_equal(u.r, u.g);
    assert_int_equal(palette_check("hot"), 0);
    assert_int_equal(palette_check("rainbow"), -1);
    struct rgb up = color_diff(0.5), down = color_diff(-0.5), z = color_diff(0);
    assert_true(up.r > up.b && down.b > down.r && z.r == z.b);
}

static void test_units(void **state)
{
    (void)state;
    char buf[96];
    struct metric_info mi;
    metric_from_path("out/my.app.42.alloc_bytes.folded", &mi);
    assert_string_equal(mi.metric, "alloc_bytes");
    assert_int_equal(mi.unit, UNIT_BYTES);
    assert_string_equal(mi.palette, "mem");
    assert_string_equal(unit_format(buf, sizeof(buf), 1536, &mi), "1.50 KiB");
    assert_string_equal(unit_format(buf, sizeof(buf), 3 * 1048576.0, &mi), "3.00 MiB");
    assert_string_equal(unit_format(buf, sizeof(buf), 100, &mi), "100 B");
    metric_from_path("x.1.lock_ns.folded", &mi);
    assert_int_equal(mi.unit, UNIT_NS);
    assert_string_equal(unit_format(buf, sizeof(buf), 1500000, &mi), "1.50 ms");
    assert_string_equal(unit_format(buf, sizeof(buf), 2.5e9, &mi), "2.50 s");
    metric_from_path("x.1.lock_count.folded", &mi);
    assert_int_equal(mi.unit, UNIT_COUNT);
    /* counts say what was counted, in the metric table's word */
    assert_string_equal(unit_format(buf, sizeof(buf), 1234567, &mi),
                        "1,234,567 contended acquisitions");
    assert_string_equal(unit_format(buf, sizeof(buf), 1, &mi), "1 contended acquisition");
    metric_from_path("x.1.io_count.folded", &mi);
    assert_string_equal(unit_format(buf, sizeof(buf), 2, &mi), "2 calls");
    metric_from_path("x.1.foo_count.folded", &mi);
    assert_int_equal(mi.unit, UNIT_COUNT);
    assert_string_equal(unit_format(buf, sizeof(buf), 3, &mi), "3");   /* unknown: bare */
    metric_from_path("perf.folded", &mi);
    assert_int_equal(mi.unit, UNIT_SAMPLES);
    assert_string_equal(mi.palette, "hot");
    metric_from_path("whatever.txt", &mi);
    assert_int_equal(mi.unit, UNIT_SAMPLES);

    /* period from the sibling meta.json */
    FILE *f = fopen("/tmp/test_svg_app.77.meta.json", "w");
    fputs("{\"pid\": 77, \"hz\": 999, \"period_ns\": 1001001}\n", f);
    fclose(f);
    metric_from_path("/tmp/test_svg_app.77.cpu.folded", &mi);
    assert_true(mi.period_ns == 1001001);
    assert_string_equal(unit_format(buf, sizeof(buf), 1000, &mi), "1,000 samples, 1.00 s");
    remove("/tmp/test_svg_app.77.meta.json");
}

static char *render(const char *folded, struct render_opts *o)
{
    struct profile *p = profile_new();
    assert_int_equal(parse_folded_mem(p, folded, strlen(folded), "t", NULL, NULL), 0);
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_int_equal(svg_write(f, p, o), 0);
    fclose(f);
    profile_free(p);
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *s = hay; (s = strstr(s, needle)); s++)
        n++;
    return n;
}

static void test_svg_hostile_names(void **state)
{
    (void)state;
    struct render_opts o;
    render_opts_init(&o);
    o.title = "<b>title & \"more\"</b>";
    char *svg = render("main;std::map<K, V>::operator[](K&&) 5\n"
                       "main;</script><script>alert(1)</script> 3\n"
                       "main;bad\xff\x01utf8 2\n",
                       &o);
    assert_null(strstr(svg, "<K"));
    assert_null(strstr(svg, "<b>"));
    assert_null(strstr(svg, "<script>alert"));
    assert_null(strstr(svg, "\xff"));
    assert_non_null(strstr(svg, "std::map&lt;K, V&gt;::operator[](K&amp;&amp;)"));
    assert_non_null(strstr(svg, "&lt;b&gt;title &amp; &quot;more&quot;&lt;/b&gt;"));
    /* exactly one script element and one CDATA end: names cannot add any */
    assert_int_equal(count(svg, "<script"), 1);
    assert_int_equal(count(svg, "]]>"), 1);
    /* root + main + 3 leaves */
    assert_int_equal(count(svg, "<g class=\"f"), 5);
    assert_non_null(strstr(svg, "fp:total=\"10\""));
    assert_non_null(strstr(svg, "5 samples (50.0% of total, 50.0% of parent)"));
    free(svg);
}

static void test_svg_empty_and_merged(void **state)
{
    (void)state;
    struct render_opts o;
    render_opts_init(&o);
    char *svg = render("", &o);
    assert_non_null(strstr(svg, "No samples"));
    assert_int_equal(count(svg, "<g class=\"f"), 0);
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);

    /* 1% minimum: 50 tiny siblings become one "+50 more" box */
    char big[8192], *s = big;
    s += sprintf(s, "main;hot 1000\n");
    for (int i = 0; i < 50; i++)
        s += sprintf(s, "main;tiny%02d 1\n", i);
    o.minwidth = 1;
    o.minwidth_pct = true;
    svg = render(big, &o);
    assert_int_equal(count(svg, "class=\"f m\""), 1);
    assert_non_null(strstr(svg, "+50 more"));
    assert_null(strstr(svg, "tiny07"));
    free(svg);
}

static void test_svg_inverted_and_units(void **state)
{
    (void)state;
    struct render_opts o;
    render_opts_init(&o);
    o.inverted = true;
    o.subtitle = "sub";
    metric_from_path("a.1.alloc_bytes.folded", &o.metric);
    char *svg = render("main;malloc 2097152\n", &o);
    assert_non_null(strstr(svg, "Icicle Graph"));
    assert_non_null(strstr(svg, "2.00 MiB"));
    assert_non_null(strstr(svg, "translate(0,"));
    free(svg);
}

/* 999 stacks 3 frames deep and one 300 deep: the SVG is sized to the 999
 * (4 rows with the root, not 301), and the deep frames are still in the
 * document, clipped, for the script to show on zoom. */
static void test_svg_deep_outlier(void **state)
{
    (void)state;
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    for (int k = 0; k < 999; k++)
        fprintf(f, "main;work;f%d 1\n", k);
    for (int k = 0; k < 300; k++)
        fprintf(f, "%sd%d", k ? ";" : "", k);
    fputs(" 1\n", f);
    fclose(f);
    for (int inverted = 0; inverted < 2; inverted++) {
        struct render_opts o;
        render_opts_init(&o);
        o.inverted = inverted;
        char *svg = render(text, &o);
        int h = 0;
        assert_int_equal(
            sscanf(strstr(svg, "<svg "), "<svg version=\"1.1\" width=\"1200\" height=\"%d\"", &h),
            1);
        /* title, hint line, 4 rows of 16 px, bottom lines */
        assert_true(h >= 4 * 16 && h < 5 * 16 + 100);
        assert_non_null(strstr(svg, "fp:rows=\"4\""));
        assert_non_null(strstr(svg, "clip-path=\"url(#fpclip)\""));
        assert_non_null(strstr(svg, "deeper than 3 frames (up to 300)"));
        assert_non_null(strstr(svg, "<title>d299\n"));
        assert_int_equal(count(svg, "<g class=\"f\""), 1 + 2 + 999 + 300);
        free(svg);
    }
    /* one more deep stack: 0.2% is more than the cut, every row shown */
    char *two = malloc(n + 16);
    snprintf(two, n + 16, "%.*s2\n", (int)n - 2, text);
    struct render_opts o;
    render_opts_init(&o);
    char *svg = render(two, &o);
    assert_null(strstr(svg, "<clipPath"));
    assert_null(strstr(svg, "id=\"deep\""));
    free(svg);
    free(two);
    free(text);
}

/* The hand-written number formatting writes exactly what printf would. */
static void test_number_format(void **state)
{
    (void)state;
    static const double fixed[] = {0,     -0.0,     0.005,      0.015,      0.125, 0.375,  1.005,
                                   2.675, 9.995,    9.99499999, 10,         12.25, 99.95,  100,
                                   1180,  1179.995, 123456.785, 1e10 + 0.5, 1e11,  1e15,   1e20,
                                   1e300, -1.5,     0.1,        0.7,        1.45,  3.14159};
    char a[64], b[512];
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        for (int prec = 0; prec <= 3; prec++) {
            size_t n = fmt_fixed(a, fixed[i], prec);
            int m = snprintf(b, sizeof(b), "%.*f", prec, fixed[i]);
            if (m < 48) {
                assert_string_equal(a, b);
                assert_int_equal(n, (size_t)m);
            }
        }
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* pixel-like values, values near .xx5 ties, integers and fractions */
        double v = (double)(x % 100000000) / (i % 3 == 0 ? 1000.0 : i % 3 == 1 ? 7.0 : 1.0);
        int prec = (int)(x >> 60) & 3;
        fmt_fixed(a, v, prec);
        snprintf(b, sizeof(b), "%.*f", prec, v);
        assert_string_equal(a, b);
        fmt_g15(a, v);
        snprintf(b, sizeof(b), "%.15g", v);
        assert_string_equal(a, b);
    }
    static const double g[] = {0, -0.0, 1, 999999999999999.0, 1e15, 1e16, 0.5, -3, 1e-7, 2.5e300};
    for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
        fmt_g15(a, g[i]);
        snprintf(b, sizeof(b), "%.15g", g[i]);
        assert_string_equal(a, b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_escape),           cmocka_unit_test(test_json_escape),
        cmocka_unit_test(test_colors_stable),        cmocka_unit_test(test_units),
        cmocka_unit_test(test_number_format),        cmocka_unit_test(test_svg_hostile_names),
        cmocka_unit_test(test_svg_empty_and_merged), cmocka_unit_test(test_svg_inverted_and_units),
        cmocka_unit_test(test_svg_deep_outlier),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
