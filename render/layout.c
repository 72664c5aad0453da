/*
 * Layout (model in layout.h). An explicit stack instead of recursion: real
 * stacks reach thousands of frames (deep recursion in the profiled program)
 * and the CLI must not overflow its own stack drawing them.
 *
 * Only drawn nodes are visited and only their child lists sorted, so the
 * cost follows the size of the picture, not of the profile.
 *
 * One rule, children(), says what a drawn node's children look like (order,
 * "+N more" box); layout_build and layout_iter are two traversals of the
 * picture it defines, one keeping rectangles, one streaming them.
 */
#include "render/layout.h"
#include "render/profile.h"
#include "render/util.h"

#include <stdbool.h>
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

static inline bool kid_before(const struct kid *x, const struct kid *y, bool weight)
{
    if (weight && x->total != y->total)
        return x->total > y->total;
    return x->rank < y->rank;
}

/* Sibling names are distinct, so both orders are total: any sort gives the
 * same order. Insertion sort for the usual handful of children. */
static void sort_kids(struct kid *k, size_t n, bool weight)
{
    if (n > 24) {
        qsort(k, n, sizeof(*k), weight ? by_weight : by_name);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        struct kid v = k[i];
        size_t j = i;
        for (; j > 0 && kid_before(&v, &k[j - 1], weight); j--)
            k[j] = k[j - 1];
        k[j] = v;
    }
}

/* What a drawn node's children look like: the one rule both traversals
 * below follow. Appends the children drawn one by one to (*kids)[base...]
 * in order, and returns their number in *keep; children with total below
 * min_count go into the "+N more" box (*more frames, *more_w wide, summed
 * in that order); empty ones are dropped. 0, or -1 on ENOMEM. */
static int children(const struct pnode *nodes, const uint32_t *ranks, uint32_t node,
                    double min_count, enum layout_sort sort, struct kid **kids, size_t *cap,
                    size_t base, size_t *keep, uint32_t *more, double *more_w)
{
    size_t nk = base;
    for (uint32_t c = nodes[node].first_child; c != PNODE_NONE; c = nodes[c].next_sibling) {
        if (nk >= *cap && grow_array(kids, cap, nk + 1, sizeof(**kids)) < 0)
            return -1;
        const struct pnode *cn = &nodes[c];
        /* a walk reads this child's first child next: start that miss now */
        if (cn->first_child != PNODE_NONE)
            __builtin_prefetch(&nodes[cn->first_child]);
        (*kids)[nk++] = (struct kid){c, ranks[cn->name], cn->total};
    }
    *keep = 0;
    *more = 0;
    *more_w = 0;
    if (nk == base)
        return 0; /* a leaf: *kids may still be NULL */
    struct kid *k = *kids + base;
    size_t n = nk - base, kept = 0;
    if (n > 1)
        sort_kids(k, n, sort == LAYOUT_SORT_WEIGHT);
    for (size_t i = 0; i < n; i++) {
        double t = k[i].total;
        if (t <= 0)
            continue;
        if (t < min_count) {
            ++*more;
            *more_w += t;
            continue;
        }
        k[kept++] = k[i];
    }
    *keep = kept;
    return 0;
}

static int push_rect(struct layout *l, uint32_t node, uint32_t parent, uint32_t more,
                     uint32_t depth, double x, double w)
{
    if (grow_array(&l->rects, &l->cap, l->n + 1, sizeof(*l->rects)) < 0)
        return -1;
    l->rects[l->n++] = (struct layout_rect){node, parent, more, depth, x, w};
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
    const struct pnode *nodes = profile_node(p, 0);
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
        size_t keep;
        uint32_t more;
        double more_w, x = r.x;
        if (children(nodes, ranks, r.node, min_count, sort, &kids, &kids_cap, 0, &keep, &more,
                     &more_w) < 0)
            goto fail;
        size_t first_new = out->n;
        for (size_t i = 0; i < keep; i++) {
            if (push_rect(out, kids[i].node, ri, 0, r.depth + 1, x, kids[i].total) < 0)
                goto fail;
            x += kids[i].total;
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

/* ---- the same picture in pre-order, streamed ---- */

struct level {
    size_t pos, end; /* next and past-the-last drawn child in kids[] */
    size_t base;     /* where this level's kids start (popped back to) */
    double more_w;   /* the "+N more" box still to give: width and frames */
    uint32_t more;
    uint32_t depth; /* of the children */
};

struct layout_iter {
    const struct pnode *nodes;
    const uint32_t *ranks;
    double min_count;
    enum layout_sort sort;
    bool started;
    struct kid *kids; /* the children of every level on the path, stacked */
    size_t nkids, kids_cap;
    struct level *lv;
    size_t nlv, lv_cap;
};

struct layout_iter *layout_iter_new(struct profile *p, double min_count, enum layout_sort sort)
{
    struct layout_iter *it = calloc(1, sizeof(*it));
    if (!it)
        return NULL;
    it->nodes = profile_node(p, 0);
    it->ranks = profile_name_ranks(p);
    it->min_count = min_count;
    it->sort = sort;
    if (!it->ranks) {
        free(it);
        return NULL;
    }
    return it;
}

void layout_iter_free(struct layout_iter *it)
{
    if (!it)
        return;
    free(it->kids);
    free(it->lv);
    free(it);
}

/* Push a level for the children of `node` (drawn at `depth`). 0 or -1. */
static int iter_push(struct layout_iter *it, uint32_t node, uint32_t depth)
{
    size_t base = it->nkids, keep;
    uint32_t more;
    double more_w;
    if (children(it->nodes, it->ranks, node, it->min_count, it->sort, &it->kids, &it->kids_cap,
                 base, &keep, &more, &more_w) < 0)
        return -1;
    if (!keep && !more)
        return 0;
    if (it->nlv >= it->lv_cap && grow_array(&it->lv, &it->lv_cap, it->nlv + 1, sizeof(*it->lv)) < 0)
        return -1;
    it->lv[it->nlv++] = (struct level){base, base + keep, base, more_w, more, depth};
    it->nkids = base + keep;
    return 0;
}

int layout_iter_next(struct layout_iter *it, struct layout_item *out)
{
    if (!it->started) {
        it->started = true;
        *out = (struct layout_item){0, 0, 0, it->nodes[0].total};
        return iter_push(it, 0, 1) < 0 ? -1 : 1;
    }
    /* the deepest level's next child, or its "+N more" box, or up */
    while (it->nlv) {
        struct level *v = &it->lv[it->nlv - 1];
        if (v->pos < v->end || v->more)
            break;
        it->nkids = v->base;
        it->nlv--;
    }
    if (!it->nlv)
        return 0;
    struct level *v = &it->lv[it->nlv - 1];
    if (v->pos >= v->end) {
        *out = (struct layout_item){PNODE_NONE, v->more, v->depth, v->more_w};
        v->more = 0;
        return 1;
    }
    const struct kid *k = &it->kids[v->pos++];
    *out = (struct layout_item){k->node, 0, v->depth, k->total};
    return iter_push(it, out->node, out->depth + 1) < 0 ? -1 : 1;
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
