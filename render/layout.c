/*
 * Layout (model in layout.h). An explicit stack instead of recursion: real
 * stacks reach thousands of frames (deep recursion in the profiled program)
 * and the CLI must not overflow its own stack drawing them.
 *
 * Only drawn nodes are visited and only their child lists sorted, so the
 * cost follows the size of the picture, not of the profile.
 */
#include "render/layout.h"
#include "render/profile.h"
#include "render/util.h"

#include <stdlib.h>
#include <string.h>

/* Sort keys gathered once per child, so that comparisons touch only the
 * array being sorted (qsort calls the comparator n log n times). */
struct kid {
    uint32_t node;
    uint32_t rank; /* name's rank in byte order */
    double total;
};

static int by_name(const void *a, const void *b)
{
    uint32_t x = ((const struct kid *)a)->rank, y = ((const struct kid *)b)->rank;
    return x < y ? -1 : x > y;
}

static int by_weight(const void *a, const void *b)
{
    const struct kid *x = a, *y = b;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return by_name(a, b);
}

static int push_rect(struct layout *l, uint32_t node, uint32_t parent, uint32_t more,
                     uint32_t depth, double x, double w)
{
    if (grow_array(&l->rects, &l->cap, l->n + 1, sizeof(*l->rects)) < 0)
        return -1;
    l->rects[l->n++] = (struct layout_rect){ node, parent, more, depth, x, w };
    if (depth > l->max_depth)
        l->max_depth = depth;
    return 0;
}

int layout_build(struct profile *p, double min_count, enum layout_sort sort, struct layout *out)
{
    memset(out, 0, sizeof(*out));
    out->total = profile_total(p);
    const uint32_t *ranks = profile_name_ranks(p);
    if (!ranks)
        return -1;
    struct kid *kids = NULL;
    size_t kids_cap = 0;
    uint32_t *pending = NULL; /* rect indexes whose children are still to lay out */
    size_t npending = 0, pending_cap = 0;

    if (push_rect(out, 0, UINT32_MAX, 0, 0, 0, out->total) < 0)
        goto fail;
    if (grow_array(&pending, &pending_cap, 1, sizeof(*pending)) < 0)
        goto fail;
    pending[npending++] = 0;
    while (npending) {
        uint32_t ri = pending[--npending];
        struct layout_rect r = out->rects[ri];
        size_t nk = 0;
        for (uint32_t c = profile_node(p, r.node)->first_child; c != PNODE_NONE;
             c = profile_node(p, c)->next_sibling) {
            if (nk >= kids_cap && grow_array(&kids, &kids_cap, nk + 1, sizeof(*kids)) < 0)
                goto fail;
            const struct pnode *cn = profile_node(p, c);
            kids[nk++] = (struct kid){ c, ranks[cn->name], cn->total };
        }
        if (!nk)
            continue;
        if (nk > 1)
            qsort(kids, nk, sizeof(*kids), sort == LAYOUT_SORT_WEIGHT ? by_weight : by_name);
        double x = r.x, more_w = 0;
        uint32_t more = 0;
        size_t first_new = out->n;
        for (size_t i = 0; i < nk; i++) {
            double t = kids[i].total;
            if (t <= 0)
                continue;
            if (t < min_count) {
                more++;
                more_w += t;
                continue;
            }
            if (push_rect(out, kids[i].node, ri, 0, r.depth + 1, x, t) < 0)
                goto fail;
            x += t;
        }
        if (more && push_rect(out, PNODE_NONE, ri, more, r.depth + 1, x, more_w) < 0)
            goto fail;
        /* a parent's rect always precedes its children's (writers rely on it) */
        size_t last = out->n;
        if (grow_array(&pending, &pending_cap, npending + (last - first_new), sizeof(*pending)) < 0)
            goto fail;
        for (size_t k = last; k-- > first_new;)
            if (out->rects[k].node != PNODE_NONE)
                pending[npending++] = (uint32_t)k;
    }
    free(kids);
    free(pending);
    return 0;
fail:
    free(kids);
    free(pending);
    layout_release(out);
    return -1;
}

void layout_release(struct layout *l)
{
    free(l->rects);
    memset(l, 0, sizeof(*l));
}

uint32_t layout_shown_depth(const struct layout *l, unsigned permille)
{
    if (!l->n || !(l->total > 0))
        return 0;
    /* weight at each depth: the weight of the stacks at least that deep */
    double *w = calloc((size_t)l->max_depth + 2, sizeof(*w));
    if (!w)
        return UINT32_MAX;
    for (size_t i = 0; i < l->n; i++)
        w[l->rects[i].depth] += l->rects[i].w;
    /* a relative epsilon: 999 stacks of 1 and one of 1 hold exactly 99.9% */
    double cut = l->total * (1000 - permille) / 1000 * (1 + 1e-9);
    uint32_t d = 0;
    while (d < l->max_depth && w[d + 1] > cut)
        d++;
    free(w);
    return l->max_depth - d < LAYOUT_CUT_MIN_ROWS ? l->max_depth : d;
}
