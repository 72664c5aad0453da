/* Differential graphs: normalization, the union of both trees (vanished and
 * new stacks stay visible), the noise threshold, colors, "+N more" boxes,
 * both writers, and the `flamepre diff` command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render/cmd.h"
#include "render/color.h"
#include "render/diff.h"
#include "render/layout.h"
#include "render/parse.h"
#include "render/profile.h"
#include "render/render.h"

struct fixture {
    struct profile *p;
    struct diff *d;
};

static void load(struct fixture *fx, const char *before, const char *after,
                 const struct diff_opts *o)
{
    fx->p = profile_new();
    assert_non_null(fx->p);
    assert_int_equal(parse_folded_mem(fx->p, before, strlen(before), "b", NULL, NULL), 0);
    profile_set_column(fx->p, 1);
    assert_true(profile_has_column2(fx->p));
    assert_int_equal(parse_folded_mem(fx->p, after, strlen(after), "a", NULL, NULL), 0);
    profile_set_column(fx->p, 0);
    fx->d = diff_new(fx->p, o);
    assert_non_null(fx->d);
}

static void release(struct fixture *fx)
{
    diff_free(fx->d);
    profile_free(fx->p);
}

static uint32_t node_of(struct profile *p, const char *a, const char *b)
{
    uint32_t n = profile_child(p, 0, profile_intern(p, a, strlen(a)));
    if (b && n != PNODE_NONE)
        n = profile_child(p, n, profile_intern(p, b, strlen(b)));
    assert_int_not_equal(n, PNODE_NONE);
    return n;
}

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_diff_normalized(void **state)
{
    (void)state;
    struct diff_opts o = {.normalize = true, .min_delta = 0};
    struct fixture fx;
    /* before 20 samples, after 40: a's share 50% -> 75%, b's 50% -> 25% */
    load(&fx, "m;a 10\nm;b 10\n", "m;a 30\nm;b 10\n", &o);
    NEAR(diff_total_before(fx.d), 20);
    NEAR(diff_total_after(fx.d), 40);
    NEAR(diff_scale(fx.d), 0.5);
    assert_true(diff_normalized(fx.d));
    struct diff_values v;
    diff_node(fx.d, node_of(fx.p, "m", "a"), &v);
    NEAR(v.before, 10);
    NEAR(v.after, 30);
    NEAR(v.after_norm, 15);
    NEAR(v.delta, 5);
    NEAR(v.delta_pp, 25);
    NEAR(v.intensity, 1);
    diff_node(fx.d, node_of(fx.p, "m", "b"), &v);
    NEAR(v.after_norm, 5);
    NEAR(v.delta, -5);
    NEAR(v.delta_pp, -25);
    NEAR(v.intensity, -1);
    /* the common parent holds 100% in both: no change, neutral */
    diff_node(fx.d, node_of(fx.p, "m", NULL), &v);
    NEAR(v.delta_pp, 0);
    NEAR(v.intensity, 0);
    /* drawn widths: max(before, after normalized) per stack */
    NEAR(profile_node(fx.p, node_of(fx.p, "m", "a"))->total, 15);
    NEAR(profile_node(fx.p, node_of(fx.p, "m", "b"))->total, 10);
    NEAR(profile_total(fx.p), 25);
    release(&fx);
}

static void test_diff_raw(void **state)
{
    (void)state;
    struct diff_opts o = {.normalize = false, .min_delta = 0};
    struct fixture fx;
    load(&fx, "m;a 10\nm;b 10\n", "m;a 30\nm;b 10\n", &o);
    assert_false(diff_normalized(fx.d));
    NEAR(diff_scale(fx.d), 1);
    struct diff_values v;
    diff_node(fx.d, node_of(fx.p, "m", "a"), &v);
    NEAR(v.delta, 20);
    NEAR(v.delta_pp, 100); /* of the BEFORE total */
    diff_node(fx.d, node_of(fx.p, "m", "b"), &v);
    NEAR(v.delta_pp, 0);
    NEAR(v.intensity, 0);
    NEAR(profile_total(fx.p), 40);
    release(&fx);
}

static void test_diff_vanished_and_new(void **state)
{
    (void)state;
    struct diff_opts o = {.normalize = true, .min_delta = -1};
    struct fixture fx;
    load(&fx, "m;old;deep 40\nm;kept 60\n", "m;new 40\nm;kept 60\n", &o);
    uint32_t old = node_of(fx.p, "m", "old"), nw = node_of(fx.p, "m", "new");
    /* both stay in the drawn tree with their only width */
    NEAR(profile_node(fx.p, old)->total, 40);
    NEAR(profile_node(fx.p, nw)->total, 40);
    struct layout l;
    assert_int_equal(layout_build(fx.p, 0, LAYOUT_SORT_NAME, &l), 0);
    int seen_old = 0, seen_new = 0, seen_deep = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (l.rects[i].node == old)
            seen_old = 1;
        if (l.rects[i].node == nw)
            seen_new = 1;
        if (l.rects[i].node == profile_node(fx.p, old)->first_child)
            seen_deep = 1;
    }
    assert_true(seen_old && seen_new && seen_deep);
    layout_release(&l);
    struct diff_values v;
    diff_node(fx.d, old, &v);
    NEAR(v.before, 40);
    NEAR(v.after, 0);
    NEAR(v.delta_pp, -40);
    assert_true(v.intensity < 0);
    diff_node(fx.d, nw, &v);
    NEAR(v.delta_pp, 40);
    assert_true(v.intensity > 0);
    /* raw BEFORE self counts survive the rewrite of column 0 */
    NEAR(diff_before_self(fx.d, profile_node(fx.p, old)->first_child), 40);
    NEAR(profile_self2(fx.p, nw), 40);
    release(&fx);
}

static void test_diff_threshold(void **state)
{
    (void)state;
    struct fixture fx;
    /* 1000 samples each; a: 100 -> 110 (+1 pp), b: 100 -> 200 (+10 pp) */
    const char *before = "m;a 100\nm;b 100\nm;c 800\n";
    const char *after = "m;a 110\nm;b 200\nm;c 690\n";
    struct diff_opts o = {.normalize = true, .min_delta = -1, .unit = UNIT_SAMPLES};
    load(&fx, before, after, &o);
    struct diff_values v;
    diff_node(fx.d, node_of(fx.p, "m", "a"), &v);
    double p = 210.0 / 2000.0;
    NEAR(v.threshold_pp, 200 * sqrt(p * (1 - p) * (2.0 / 1000)));
    assert_true(fabs(v.delta_pp) < v.threshold_pp); /* 1 pp < ~2.7 pp: noise */
    NEAR(v.intensity, 0);
    diff_node(fx.d, node_of(fx.p, "m", "b"), &v);
    assert_true(v.delta_pp > v.threshold_pp);
    diff_node(fx.d, node_of(fx.p, "m", "c"), &v);
    NEAR(v.delta_pp, -11);
    /* the largest change above threshold saturates the color scale */
    NEAR(diff_max_pp(fx.d), 11);
    NEAR(v.intensity, -1);
    diff_node(fx.d, node_of(fx.p, "m", "b"), &v);
    NEAR(v.intensity, 10.0 / 11.0);
    release(&fx);

    /* explicit --min-delta 0.5: the 1 pp change now counts */
    o.min_delta = 0.5;
    load(&fx, before, after, &o);
    diff_node(fx.d, node_of(fx.p, "m", "a"), &v);
    NEAR(v.threshold_pp, 0.5);
    assert_true(v.intensity > 0);
    release(&fx);

    /* bytes: no event count, a flat default */
    o.min_delta = -1;
    o.unit = UNIT_BYTES;
    load(&fx, before, after, &o);
    diff_node(fx.d, node_of(fx.p, "m", "a"), &v);
    NEAR(v.threshold_pp, DIFF_DEFAULT_PP_UNWEIGHTED);
    release(&fx);

    /* raw: Poisson noise of the two counts */
    o.unit = UNIT_SAMPLES;
    o.normalize = false;
    load(&fx, before, after, &o);
    diff_node(fx.d, node_of(fx.p, "m", "a"), &v);
    NEAR(v.threshold_pp, 200 * sqrt(210.0) / 1000);
    release(&fx);
}

static void test_diff_empty_side(void **state)
{
    (void)state;
    struct diff_opts o = {.normalize = true, .min_delta = -1};
    struct fixture fx;
    load(&fx, "", "m;a 5\n", &o);
    assert_false(diff_normalized(fx.d));
    struct diff_values v;
    diff_node(fx.d, node_of(fx.p, "m", "a"), &v);
    NEAR(v.delta, 5);
    NEAR(v.delta_pp, 100);
    assert_true(isfinite(v.threshold_pp));
    release(&fx);
    load(&fx, "", "", &o);
    diff_node(fx.d, 0, &v);
    NEAR(v.delta_pp, 0);
    release(&fx);
}

static void test_diff_more_box(void **state)
{
    (void)state;
    struct diff_opts o = {.normalize = false, .min_delta = 0};
    struct fixture fx;
    load(&fx, "m;big 1000\nm;t1 1\nm;t2 2\nm 5\n", "m;big 1000\nm;t1 4\nm;t3 3\nm 5\n", &o);
    struct layout l;
    assert_int_equal(layout_build(fx.p, 10, LAYOUT_SORT_NAME, &l), 0);
    size_t box = 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.rects[i].node == PNODE_NONE)
            box = i;
    assert_true(box > 0);
    assert_int_equal(l.rects[box].more, 3);
    struct diff_values v;
    diff_rect(fx.d, &l, box, &v);
    NEAR(v.before, 3);
    NEAR(v.after, 7);
    layout_release(&l);
    release(&fx);
}

static char *write_graph(struct fixture *fx, bool html)
{
    struct render_opts ro;
    render_opts_init(&ro);
    ro.diff = fx->d;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_int_equal(render_write(f, fx->p, &ro, html), 0);
    fclose(f);
    return buf;
}

static void test_diff_writers(void **state)
{
    (void)state;
    struct diff_opts o = {.normalize = true, .min_delta = 0};
    struct fixture fx;
    load(&fx, "m;a 10\nm;gone 10\n", "m;a 30\nm;b<x> 10\n", &o);
    char *svg = write_graph(&fx, false);
    assert_non_null(strstr(svg, "Differential Flame Graph"));
    assert_non_null(strstr(svg, "red = grew, blue = shrank"));
    assert_non_null(strstr(svg, "<title>gone\nbefore: 10 samples (50.0%)\nafter: 0 samples"));
    assert_non_null(strstr(svg, "delta: -50.00 pp (-10 samples)"));
    assert_non_null(strstr(svg, "b&lt;x&gt;"));
    struct rgb blue = color_diff(-1);
    char want[64];
    snprintf(want, sizeof(want), "fill=\"rgb(%u,%u,%u)\"", blue.r, blue.g, blue.b);
    assert_non_null(strstr(svg, want));
    free(svg);
    char *html = write_graph(&fx, true);
    assert_non_null(
        strstr(html, "\"diff\":{\"tb\":20,\"ta\":40,\"normalize\":true,\"minDelta\":0,"));
    assert_non_null(strstr(html, "<select id=\"mode\">"));
    assert_non_null(strstr(html, "b\\u003cx\\u003e"));
    free(html);
    release(&fx);
}

#define ARG(s) ((char[]){s})

static void test_diff_cli(void **state)
{
    (void)state;
    char dir[] = "/tmp/fp-diff-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char b[256], a[256], svg[256], html[256];
    snprintf(b, sizeof(b), "%s/app.1.cpu.folded", dir);
    snprintf(a, sizeof(a), "%s/app.2.cpu.folded", dir);
    snprintf(svg, sizeof(svg), "%s/d.svg", dir);
    snprintf(html, sizeof(html), "%s/d.html", dir);
    FILE *f = fopen(b, "w");
    fputs("main;a 10\nmain;b 5\n", f);
    fclose(f);
    f = fopen(a, "w");
    fputs("main;a 5\nmain;c 5\n", f);
    fclose(f);
    char *argv1[] = {ARG("diff"), b, a, ARG("-o"), svg, NULL};
    assert_int_equal(cmd_diff(5, argv1), 0);
    assert_int_equal(access(svg, R_OK), 0);
    char *argv2[] = {ARG("diff"),
                     b,
                     a,
                     ARG("-o"),
                     html,
                     ARG("--min-delta"),
                     ARG("1"),
                     ARG("--no-normalize"),
                     ARG("--inverted"),
                     NULL};
    assert_int_equal(cmd_diff(9, argv2), 0);
    f = fopen(html, "r");
    char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "Differential Icicle Graph"));
    assert_non_null(strstr(buf, "\"normalize\":false,\"minDelta\":1,"));
    char *argv3[] = {ARG("diff"), b, ARG("-o"), svg, NULL};
    assert_int_equal(cmd_diff(4, argv3), 2);
    char *argv4[] = {ARG("diff"), b, a, ARG("--min-delta"), ARG("x"), NULL};
    assert_int_equal(cmd_diff(5, argv4), 2);
    char *argv5[] = {ARG("diff"), b, a, ARG("--colors"), ARG("hot"), NULL};
    assert_int_equal(cmd_diff(5, argv5), 2);
    unlink(a);
    unlink(b);
    unlink(svg);
    unlink(html);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_normalized),       cmocka_unit_test(test_diff_raw),
        cmocka_unit_test(test_diff_vanished_and_new), cmocka_unit_test(test_diff_threshold),
        cmocka_unit_test(test_diff_empty_side),       cmocka_unit_test(test_diff_more_box),
        cmocka_unit_test(test_diff_writers),          cmocka_unit_test(test_diff_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
