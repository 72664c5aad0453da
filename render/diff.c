/*
 * Differential view (model and formulas in diff.h). The profile keeps one
 * trie for both inputs, so "the union of both trees" is free: a node exists
 * if either input has the stack. All this file adds is three arrays indexed
 * by node id: BEFORE's raw self and inclusive counts (column 0 is about to
 * be overwritten with the drawn widths) and nothing else, since AFTER stays
 * in column 1.
 */
#include "render/diff.h"
#include "render/layout.h"
#include "render/profile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct diff {
    struct profile *p;
    struct diff_opts o;
    double *bself, *btotal;
    double tb, ta, scale, max_pp;
};

struct diff *diff_new(struct profile *p, const struct diff_opts *o)
{
    struct diff *d = calloc(1, sizeof(*d));
    size_t n = profile_node_count(p);
    if (!d)
        return NULL;
    d->p = p;
    d->o = *o;
    d->bself = malloc(n * sizeof(double));
    d->btotal = malloc(n * sizeof(double));
    if (!d->bself || !d->btotal) {
        diff_free(d);
        errno = ENOMEM;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        d->bself[i] = profile_node(p, (uint32_t)i)->self;
        d->btotal[i] = profile_node(p, (uint32_t)i)->total;
    }
    d->tb = n ? d->btotal[0] : 0;
    d->ta = n ? profile_total2(p, 0) : 0;
    /* Scaling by 0 or infinity would erase one side: an empty input is
     * compared raw. */
    d->scale = o->normalize && d->ta > 0 && d->tb > 0 ? d->tb / d->ta : 1;
    profile_set_column(p, 0);
    for (size_t i = 0; i < n; i++) {
        double a = profile_self2(p, (uint32_t)i) * d->scale;
        if (a > d->bself[i])
            profile_add_width(p, (uint32_t)i, a - d->bself[i]);
    }
    profile_finish(p);
    d->max_pp = 0;
    for (size_t i = 1; i < n; i++) {
        struct diff_values v;
        diff_node(d, (uint32_t)i, &v);
        if (v.intensity != 0 && fabs(v.delta_pp) > d->max_pp)
            d->max_pp = fabs(v.delta_pp);
    }
    return d;
}

void diff_free(struct diff *d)
{
    if (!d)
        return;
    free(d->bself);
    free(d->btotal);
    free(d);
}

double diff_total_before(const struct diff *d)
{
    return d->tb;
}
double diff_total_after(const struct diff *d)
{
    return d->ta;
}
double diff_scale(const struct diff *d)
{
    return d->scale;
}
double diff_max_pp(const struct diff *d)
{
    return d->max_pp;
}

bool diff_normalized(const struct diff *d)
{
    return d->o.normalize && d->tb > 0 && d->ta > 0;
}
const struct diff_opts *diff_options(const struct diff *d)
{
    return &d->o;
}

double diff_before_self(const struct diff *d, uint32_t node)
{
    return d->bself[node];
}

void diff_compute(const struct diff *d, double b, double a, struct diff_values *v)
{
    double tb = d->tb, ta = d->ta;
    double den = tb > 0 ? tb : ta;
    bool normalized = diff_normalized(d);
    memset(v, 0, sizeof(*v));
    v->before = b;
    v->after = a;
    v->after_norm = a * d->scale;
    v->delta = v->after_norm - b;
    if (normalized)
        v->delta_pp = 100.0 * (a / ta - b / tb);
    else
        v->delta_pp = den > 0 ? 100.0 * (a - b) / den : 0;
    if (d->o.min_delta >= 0) {
        v->threshold_pp = d->o.min_delta;
    } else if (d->o.unit == UNIT_BYTES || d->o.unit == UNIT_NS) {
        v->threshold_pp = DIFF_DEFAULT_PP_UNWEIGHTED;
    } else if (normalized) {
        double pp = (a + b) / (ta + tb);
        v->threshold_pp = 200.0 * sqrt(pp * (1 - pp) * (1 / ta + 1 / tb));
    } else {
        v->threshold_pp = den > 0 ? 200.0 * sqrt(a + b) / den : 0;
    }
    /* Strictly below the threshold is noise; a zero delta is never a change
     * even with --min-delta 0. */
    if (v->delta_pp != 0 && fabs(v->delta_pp) >= v->threshold_pp) {
        double m = d->max_pp > 0 ? d->max_pp : fabs(v->delta_pp);
        v->intensity = v->delta_pp / m;
        if (v->intensity > 1)
            v->intensity = 1;
        if (v->intensity < -1)
            v->intensity = -1;
    }
}

void diff_node(const struct diff *d, uint32_t node, struct diff_values *v)
{
    diff_compute(d, d->btotal[node], profile_total2(d->p, node), v);
}

void diff_rect(const struct diff *d, const struct layout *l, size_t i, struct diff_values *v)
{
    const struct layout_rect *r = &l->rects[i];
    if (r->node != PNODE_NONE) {
        diff_node(d, r->node, v);
        return;
    }
    /* A "+N more" box is what its parent has left once its self count and
     * its drawn children are taken away; the drawn siblings are the rects
     * just before the box (layout.h: siblings are contiguous, box last). */
    uint32_t par = l->rects[r->parent].node;
    double b = d->btotal[par] - d->bself[par];
    double a = profile_total2(d->p, par) - profile_self2(d->p, par);
    for (size_t j = i; j-- > 0 && l->rects[j].parent == r->parent;) {
        b -= d->btotal[l->rects[j].node];
        a -= profile_total2(d->p, l->rects[j].node);
    }
    diff_compute(d, b > 0 ? b : 0, a > 0 ? a : 0, v);
}

void diff_legend(char *buf, size_t size, const struct diff *d)
{
    char th[64];
    if (d->o.min_delta >= 0)
        snprintf(th, sizeof(th), "%.3g pp", d->o.min_delta);
    else if (d->o.unit == UNIT_BYTES || d->o.unit == UNIT_NS)
        snprintf(th, sizeof(th), "%.3g pp", DIFF_DEFAULT_PP_UNWEIGHTED);
    else
        snprintf(th, sizeof(th), "2 sigma");
    snprintf(buf, size,
             "red = grew, blue = shrank (neutral within %s); width = max(before, after%s); %s", th,
             diff_normalized(d) ? " normalized" : "",
             diff_normalized(d) ? "after scaled to the before total" : "raw counts");
}
