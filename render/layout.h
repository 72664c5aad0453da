#ifndef FLAMEPRE_RENDER_LAYOUT_H
#define FLAMEPRE_RENDER_LAYOUT_H
/*
 * Flame graph layout: a pure function from a finished profile to rectangles.
 *
 * Coordinates are in count units, not pixels: a frame's x is the sum of the
 * totals of the siblings before it plus its parent's x, its width is its
 * total. Writers scale by (pixels / profile total). Children sit left-aligned
 * under their parent in the chosen order; the parent's self count is the gap
 * on the right.
 *
 * Children whose total is below `min_count` are not drawn one by one but
 * merged into a single "+N more" box per parent (placed after the drawn
 * children) so the widths under a parent still add up; nothing inside a
 * merged box is drawn. rects[0] is the root.
 */
#include <stddef.h>
#include <stdint.h>

struct profile;

enum layout_sort { LAYOUT_SORT_NAME, LAYOUT_SORT_WEIGHT };

struct layout_rect {
    uint32_t node;   /* profile node, or PNODE_NONE for a "+N more" box */
    uint32_t parent; /* index of the parent rect, UINT32_MAX for the root */
    uint32_t more;   /* frames merged into this box (0 for a real frame) */
    uint32_t depth;
    double x, w; /* count units */
};

struct layout {
    struct layout_rect *rects;
    size_t n, cap;
    uint32_t max_depth; /* deepest drawn rect */
    double total;
};

/* Lay out p (profile_finish() done). Frames with total < min_count are
 * merged; min_count <= 0 draws everything. Returns 0 or -1 (ENOMEM). */
int layout_build(struct profile *p, double min_count, enum layout_sort sort, struct layout *out);
void layout_release(struct layout *l);

/* The same rectangles streamed in depth-first pre-order (a node, then its
 * drawn children's subtrees in order, then its "+N more" box), without the
 * array or the x offsets: the HTML writer's table (html.c) needs no more,
 * and on a million frames the array would be most of its memory. */
struct layout_item {
    uint32_t node; /* profile node, or PNODE_NONE for a "+N more" box */
    uint32_t more; /* frames merged into this box (0 for a real frame) */
    uint32_t depth;
    double w; /* count units */
};

struct layout_iter;

/* An iterator over p (profile_finish() done, not changed while iterating)
 * with the rules of layout_build. NULL on ENOMEM. */
struct layout_iter *layout_iter_new(struct profile *p, double min_count, enum layout_sort sort);
/* The next item: 1 (*out set), 0 at the end, -1 on ENOMEM. */
int layout_iter_next(struct layout_iter *it, struct layout_item *out);
void layout_iter_free(struct layout_iter *it);

/* The share of the weight the first screen must hold: a graph is sized to
 * the depth that holds this much, not to its deepest stack. 1% of a python3
 * profile 130 frames deep made a 2166 px SVG whose useful part was its
 * bottom 150 px; the deeper frames are still drawn, and shown by zooming. */
#define LAYOUT_SHOWN_PERMILLE 999
/* ...unless that would hide fewer rows than this: the line that says what
 * is cut costs a row itself, so trimming a row or two gains nothing. */
#define LAYOUT_CUT_MIN_ROWS 5

/* The shallowest depth D such that the frames deeper than D hold at most
 * (1000 - permille) / 1000 of the weight: rows 0..D are the first screen.
 * l->max_depth when nothing is cut (also when D would hide fewer than
 * LAYOUT_CUT_MIN_ROWS rows), 0 for an empty layout. Returns UINT32_MAX on
 * ENOMEM. */
uint32_t layout_shown_depth(const struct layout *l, unsigned permille);

#endif
