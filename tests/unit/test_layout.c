/* Layout: geometry adds up, narrow frames merge into "+N more" boxes, order,
 * empty and very deep profiles; the pre-order iterator gives the same
 * rectangles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/layout.h"
#include "render/parse.h"
#include "render/profile.h"

static struct profile *load(const char *text)
{
    struct profile *p = profile_new();
    assert_int_equal(parse_folded_mem(p, text, strlen(text), "t", NULL, NULL), 0);
    return p;
}

static const char *rect_name(struct profile *p, const struct layout_rect *r)
{
    return r->node == PNODE_NONE ? "+more" : profile_name(p, profile_node(p, r->node)->name, NULL);
}

/* Children of every rect: contiguous from the parent's x, inside it, summing
 * to the parent's total minus its self count (nothing silently dropped). */
static void check_geometry(struct profile *p, const struct layout *l)
{
    double *sum = calloc(l->n, sizeof(double));
    double *next_x = calloc(l->n, sizeof(double));
    for (size_t i = 0; i < l->n; i++)
        next_x[i] = l->rects[i].x;
    for (size_t i = 1; i < l->n; i++) {
        const struct layout_rect *r = &l->rects[i];
        assert_true(r->parent < i);
        const struct layout_rect *par = &l->rects[r->parent];
        assert_int_equal(r->depth, par->depth + 1);
        assert_true(fabs(r->x - next_x[r->parent]) < 1e-9);
        assert_true(r->x >= par->x - 1e-9 && r->x + r->w <= par->x + par->w + 1e-9);
        next_x[r->parent] = r->x + r->w;
        sum[r->parent] += r->w;
    }
    for (size_t i = 0; i < l->n; i++) {
        const struct layout_rect *r = &l->rects[i];
        if (r->node == PNODE_NONE)
            continue;
        const struct pnode *nd = profile_node(p, r->node);
        assert_true(fabs(r->w - nd->total) < 1e-9);
        /* a drawn frame's children (drawn or merged) + self == its width */
        if (nd->first_child != PNODE_NONE)
            assert_true(fabs(sum[i] + nd->self - r->w) < 1e-9);
    }
    free(sum);
    free(next_x);
}

static void test_widths_add_up(void **state)
{
    (void)state;
    struct profile *p = load("a;b;c 3\na;b;d 4\na;e 5\na 1\nf;g 2\n");
    struct layout l;
    assert_int_equal(layout_build(p, 0, LAYOUT_SORT_NAME, &l), 0);
    assert_int_equal(l.n, 8);
    assert_true(l.total == 15);
    assert_true(l.rects[0].w == 15 && l.rects[0].x == 0);
    assert_int_equal(l.max_depth, 3);
    check_geometry(p, &l);
    /* name order: a before f; within a: b before e */
    for (size_t i = 0; i < l.n; i++) {
        const char *n = rect_name(p, &l.rects[i]);
        if (!strcmp(n, "f"))
            assert_true(l.rects[i].x == 13);
        if (!strcmp(n, "e"))
            assert_true(l.rects[i].x == 7);
    }
    layout_release(&l);
    profile_free(p);
}

static void test_sort_weight(void **state)
{
    (void)state;
    struct profile *p = load("r;a 1\nr;b 5\nr;c 3\n");
    struct layout l;
    assert_int_equal(layout_build(p, 0, LAYOUT_SORT_WEIGHT, &l), 0);
    check_geometry(p, &l);
    for (size_t i = 0; i < l.n; i++) {
        const char *n = rect_name(p, &l.rects[i]);
        if (!strcmp(n, "b"))
            assert_true(l.rects[i].x == 0);
        if (!strcmp(n, "c"))
            assert_true(l.rects[i].x == 5);
        if (!strcmp(n, "a"))
            assert_true(l.rects[i].x == 8);
    }
    layout_release(&l);
    profile_free(p);
}

static void test_minwidth_merges(void **state)
{
    (void)state;
    struct profile *p = load("r;big 100\nr;t1 1\nr;t2 1\nr;t3;deep 1\nr;mid 10\nr;mid;x 1\n");
    struct layout l;
    assert_int_equal(layout_build(p, 5, LAYOUT_SORT_NAME, &l), 0);
    check_geometry(p, &l);
    size_t more = 0;
    for (size_t i = 0; i < l.n; i++) {
        const struct layout_rect *r = &l.rects[i];
        if (r->node == PNODE_NONE) {
            more++;
            if (r->depth == 2) {
                /* t1, t2, t3 merged under r, after the drawn children big (100) and mid (11) */
                assert_int_equal(r->more, 3);
                assert_true(r->w == 3);
                assert_true(r->x == 111);
            } else {
                /* x under mid */
                assert_int_equal(r->depth, 3);
                assert_int_equal(r->more, 1);
                assert_true(r->w == 1);
            }
        } else {
            const char *n = rect_name(p, r);
            assert_true(strcmp(n, "t1") && strcmp(n, "t2") && strcmp(n, "deep"));
        }
    }
    assert_int_equal(more, 2);
    layout_release(&l);
    profile_free(p);
}

static void test_empty_profile(void **state)
{
    (void)state;
    struct profile *p = profile_new();
    assert_int_equal(parse_folded_mem(p, "", 0, "t", NULL, NULL), 0);
    struct layout l;
    assert_int_equal(layout_build(p, 1, LAYOUT_SORT_NAME, &l), 0);
    assert_int_equal(l.n, 1);
    assert_true(l.total == 0);
    layout_release(&l);
    profile_free(p);
}

static void test_deep_stack(void **state)
{
    (void)state;
    size_t depth = 200000;
    char *buf = malloc(depth * 2 + 16), *s = buf;
    for (size_t i = 0; i < depth; i++) {
        *s++ = i ? ';' : 'f';
        if (i)
            *s++ = 'f';
    }
    strcpy(s, " 1\n");
    struct profile *p = load(buf);
    struct layout l;
    assert_int_equal(layout_build(p, 0, LAYOUT_SORT_NAME, &l), 0);
    assert_int_equal(l.n, depth + 1);
    assert_int_equal(l.max_depth, depth);
    layout_release(&l);
    profile_free(p);
    free(buf);
}

/* "main;work;fK 1" for K < shallow, then one stack `deep` frames deep with
 * count `deep_count`: a profile with a deep outlier. */
static char *outlier_text(int shallow, int deep, int deep_count)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    for (int k = 0; k < shallow; k++)
        fprintf(f, "main;work;f%d 1\n", k);
    for (int k = 0; k < deep; k++)
        fprintf(f, "%sd%d", k ? ";" : "", k);
    fprintf(f, " %d\n", deep_count);
    fclose(f);
    return buf;
}

/* The first screen holds 99.9% of the weight: one stack of 1000 deeper
 * than the rest is cut, two are not. */
static void test_shown_depth(void **state)
{
    (void)state;
    int deep_counts[] = {1, 2};
    uint32_t want[] = {3, 300};
    for (int i = 0; i < 2; i++) {
        char *text = outlier_text(999, 300, deep_counts[i]);
        struct profile *p = load(text);
        struct layout l;
        assert_int_equal(layout_build(p, 0, LAYOUT_SORT_NAME, &l), 0);
        assert_int_equal(l.max_depth, 300);
        assert_int_equal(layout_shown_depth(&l, LAYOUT_SHOWN_PERMILLE), want[i]);
        assert_int_equal(layout_shown_depth(&l, 1000), 300);
        layout_release(&l);
        profile_free(p);
        free(text);
    }
    struct profile *p = load("a;b;c;d;e;f;g 5\na 5\n");
    struct layout l;
    assert_int_equal(layout_build(p, 0, LAYOUT_SORT_NAME, &l), 0);
    assert_int_equal(layout_shown_depth(&l, LAYOUT_SHOWN_PERMILLE), 7);
    assert_int_equal(layout_shown_depth(&l, 500), 1); /* half the weight is deeper than a */
    layout_release(&l);
    profile_free(p);
    /* hiding fewer than LAYOUT_CUT_MIN_ROWS rows is not worth the hint line */
    p = load("a;b;c;d;e 5\na 5\n");
    assert_int_equal(layout_build(p, 0, LAYOUT_SORT_NAME, &l), 0);
    assert_int_equal(layout_shown_depth(&l, 500), 5);
    layout_release(&l);
    profile_free(p);
    p = load("");
    assert_int_equal(layout_build(p, 0, LAYOUT_SORT_NAME, &l), 0);
    assert_int_equal(layout_shown_depth(&l, LAYOUT_SHOWN_PERMILLE), 0);
    layout_release(&l);
    profile_free(p);
}

/* Visit rect i and its subtree in pre-order (children of a rect are
 * contiguous, the box last), checking each against the iterator's next. */
static void check_preorder(const struct layout *l, size_t i, struct layout_iter *it)
{
    const struct layout_rect *r = &l->rects[i];
    struct layout_item got;
    assert_int_equal(layout_iter_next(it, &got), 1);
    assert_int_equal(got.node, r->node);
    assert_int_equal(got.more, r->more);
    assert_int_equal(got.depth, r->depth);
    assert_true(got.w == r->w);
    for (size_t k = i + 1; k < l->n; k++)
        if (l->rects[k].parent == i)
            check_preorder(l, k, it);
}

static void test_iter_matches_build(void **state)
{
    (void)state;
    struct profile *p = load("r;big 100\nr;t1 1\nr;t2 1\nr;t3;deep 1\nr;mid 10\nr;mid;x 1\n"
                             "r;mid;a;b 7\nz;y 0.5\nq 3\n");
    static const double mins[] = {0, 2, 5, 1000};
    for (int sort = 0; sort < 2; sort++)
        for (size_t m = 0; m < sizeof(mins) / sizeof(mins[0]); m++) {
            struct layout l;
            assert_int_equal(layout_build(p, mins[m], (enum layout_sort)sort, &l), 0);
            struct layout_iter *it = layout_iter_new(p, mins[m], (enum layout_sort)sort);
            assert_non_null(it);
            check_preorder(&l, 0, it);
            struct layout_item end;
            assert_int_equal(layout_iter_next(it, &end), 0);
            layout_iter_free(it);
            layout_release(&l);
        }
    profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths_add_up),      cmocka_unit_test(test_sort_weight),
        cmocka_unit_test(test_minwidth_merges),    cmocka_unit_test(test_empty_profile),
        cmocka_unit_test(test_deep_stack),         cmocka_unit_test(test_shown_depth),
        cmocka_unit_test(test_iter_matches_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
