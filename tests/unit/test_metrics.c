/* The metric table (format/metrics.h) end to end: every metric the
 * collector can write, in a file named as the collector names it, is
 * rendered, topped and converted by the CLI with its unit and palette.
 * Issue 11: the CLI's own copy of the table lacked cond_ns, which was then
 * drawn as CPU samples ("1069802.39 s") in the hot palette. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "format/metrics.h"
#include "preload/config.h"
#include "render/cmd.h"
#include "render/color.h"
#include "render/units.h"
#include "tests/unit/cli_test.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_metrics.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* 1,500,000 of the metric's unit, as every writer must show it. A period
 * of 2 ms per sample is in the sibling meta.json. */
static const char *expected_total(enum unit_kind k)
{
    switch (k) {
    case UNIT_NS: return "1.50 ms";
    case UNIT_BYTES: return "1.43 MiB";
    case UNIT_COUNT: return "1,500,000";
    default: return "1,500,000 samples, 3000.00 s";
    }
}

static void test_table_is_consistent(void **state)
{
    (void)state;
    for (int k = 0; k < METRIC_COUNT; k++) {
        const struct metric_def *d = &metric_defs[k];
        assert_non_null(d->name);
        assert_ptr_equal(metric_find(d->name, strlen(d->name)), d);
        assert_int_equal(palette_check(d->palette), 0);
        assert_non_null(event_name(d->event));
        assert_true(d->kind < UNIT_KIND_COUNT);
        assert_true(d->unit[0] && d->desc[0]);
        /* the name is a file-name component and a JSON key as written */
        for (const char *p = d->name; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
    }
    assert_null(metric_find("cpux", 4));
    assert_ptr_equal(metric_find("cond_ns_extra", 7), &metric_defs[METRIC_COND_NS]);
    /* events: names and bits agree with FLAMEPRE_EVENTS' parser */
    unsigned ev;
    const char *bad;
    unsigned bad_len;
    assert_int_equal(config_parse_events("cpu,lock", &ev, &bad, &bad_len), 0);
    assert_int_equal(ev, EV_CPU | EV_LOCK);
    assert_int_equal(event_find("io", 2), EV_IO);
    assert_string_equal(event_name(EV_ALLOC), "alloc");
    enum unit_kind u;
    assert_int_equal(unit_kind_find("ns", &u), 0);
    assert_int_equal(u, UNIT_NS);
    assert_int_equal(unit_kind_find("seconds", &u), -1);
}

/* Waits are cool, not hot: the palettes the issue names. */
static void test_wait_palettes(void **state)
{
    (void)state;
    assert_string_equal(metric_defs[METRIC_COND_NS].palette, "wait");
    assert_string_equal(metric_defs[METRIC_COND_COUNT].palette, "wait");
    for (int i = 0; i < 200; i++) {
        char name[32];
        int n = snprintf(name, sizeof name, "fn_%d", i);
        struct rgb c = color_for("wait", name, (size_t)n);
        assert_true(c.b > c.r && c.g > c.r);
    }
}

static void check_svg(const struct metric_def *d, const char *in, const char *what)
{
    char out[128];
    snprintf(out, sizeof out, "%s/%s.svg", dir, d->name);
    const char *args[] = {"render", in, "-o", out, NULL};
    assert_int_equal(cli_run(cmd_render, args), 0);
    size_t len;
    char *svg = cli_slurp(out, &len);
    if (!strstr(svg, what))
        fail_msg("%s: SVG does not show \"%s\"", d->name, what);
    struct rgb c = color_for(d->palette, "work", 4);
    char fill[48];
    snprintf(fill, sizeof fill, "fill=\"rgb(%u,%u,%u)\"", c.r, c.g, c.b);
    if (!strstr(svg, fill))
        fail_msg("%s: \"work\" not drawn in palette %s (%s)", d->name, d->palette, fill);
    free(svg);
}

static void check_top(const struct metric_def *d, const char *in, const char *what)
{
    char out[128];
    snprintf(out, sizeof out, "%s/%s.top", dir, d->name);
    const char *args[] = {"top", in, "-o", out, NULL};
    assert_int_equal(cli_run(cmd_top, args), 0);
    size_t len;
    char *text = cli_slurp(out, &len);
    if (!strstr(text, what))
        fail_msg("%s: top does not show \"%s\":\n%s", d->name, what, text);
    char head[96];
    snprintf(head, sizeof head, "metric %s", d->name);
    assert_non_null(strstr(text, head));
    free(text);
}

static void check_pprof(const struct metric_def *d, const char *in)
{
    char out[128];
    snprintf(out, sizeof out, "%s/%s.pb.gz", dir, d->name);
    const char *args[] = {"convert", in, "--to", "pprof", "-o", out, NULL};
    assert_int_equal(cli_run(cmd_convert, args), 0);
    gzFile z = gzopen(out, "rb");
    assert_non_null(z);
    static unsigned char buf[1 << 16];
    int n = gzread(z, buf, sizeof buf);
    gzclose(z);
    assert_true(n > 0);
    /* the sample type names the metric and its unit (string table) */
    const char *unit = d->kind == UNIT_NS      ? "nanoseconds"
                       : d->kind == UNIT_BYTES ? "bytes"
                                               : "count";
    const char *type = d->kind == UNIT_SAMPLES ? "samples" : d->name;
    if (!memmem(buf, (size_t)n, type, strlen(type)) || !memmem(buf, (size_t)n, unit, strlen(unit)))
        fail_msg("%s: pprof sample type is not %s/%s", d->name, type, unit);
}

static void check_speedscope(const struct metric_def *d, const char *in)
{
    char out[128];
    snprintf(out, sizeof out, "%s/%s.json", dir, d->name);
    const char *args[] = {"convert", in, "--to", "speedscope", "-o", out, NULL};
    assert_int_equal(cli_run(cmd_convert, args), 0);
    size_t len;
    char *json = cli_slurp(out, &len);
    /* time and size units are speedscope's own; counts have none */
    if (d->kind == UNIT_NS)
        assert_non_null(strstr(json, "\"unit\":\"nanoseconds\""));
    else if (d->kind == UNIT_BYTES)
        assert_non_null(strstr(json, "\"unit\":\"bytes\""));
    else if (d->kind == UNIT_COUNT)
        assert_non_null(strstr(json, "\"unit\":\"none\""));
    free(json);
}

static void test_every_written_metric(void **state)
{
    (void)state;
    char meta[128];
    snprintf(meta, sizeof meta, "%s/app.42.meta.json", dir);
    write_text(meta, "{\n  \"tool\": \"flamepre\",\n  \"pid\": 42,\n  \"period_ns\": 2000000\n}\n");
    int seen = 0;
    for (int k = 0; k < METRIC_COUNT; k++) {
        const struct metric_def *d = &metric_defs[k];
        if (d->source == SRC_NONE)
            continue; /* the collector does not write it */
        seen++;
        char in[128];
        snprintf(in, sizeof in, "%s/app.42.%s.folded", dir, d->name);
        write_text(in, "[app tid=42];main;work 1500000\n");
        struct metric_info mi;
        metric_from_path(in, &mi);
        assert_string_equal(mi.metric, d->name);
        assert_int_equal(mi.unit, d->kind);
        assert_string_equal(mi.palette, d->palette);
        const char *what = expected_total(d->kind);
        check_svg(d, in, what);
        check_top(d, in, what);
        check_pprof(d, in);
        check_speedscope(d, in);
    }
    assert_true(seen >= 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_consistent),
        cmocka_unit_test(test_wait_palettes),
        cmocka_unit_test(test_every_written_metric),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
