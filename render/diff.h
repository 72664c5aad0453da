#ifndef FLAMEPRE_RENDER_DIFF_H
#define FLAMEPRE_RENDER_DIFF_H
/*
 * Differential flame graphs: the arithmetic, shared by the SVG and HTML
 * writers (the HTML script repeats it in JavaScript, render/js/html.js).
 *
 * Input: one profile holding BEFORE in count column 0 and AFTER in column 1
 * (profile_set_column), profile_finish() done. diff_new() keeps the raw
 * BEFORE counts aside and rewrites column 0 into the *drawn* counts, so the
 * layout code and writers work unchanged on the union of both trees:
 *
 *   drawn self(node) = max(B self, A' self), totals summed bottom-up,
 *
 * where A' = A * Tb / Ta (AFTER scaled to BEFORE's total; A' = A with
 * --no-normalize). Per stack the width is the larger of the two, so a stack
 * that vanished (only in BEFORE) keeps its BEFORE width and a new one its
 * AFTER width; a parent is never narrower than its children.
 *
 * Delta of a frame (inclusive counts B, A of the frame, totals Tb, Ta):
 *   normalized:    delta_pp = 100 * (A/Ta - B/Tb)   abs = A' - B
 *   --no-normalize delta_pp = 100 * (A - B) / Tb    abs = A - B
 * (Tb replaced by Ta when BEFORE is empty.)
 *
 * Noise threshold (|delta_pp| below it is drawn neutral): --min-delta X, or
 * by default per frame two standard deviations of the null hypothesis "same
 * share in both": normalized, the difference of two binomial proportions,
 *   200 * sqrt(p (1 - p) (1/Ta + 1/Tb)),  p = (A + B) / (Ta + Tb);
 * raw, the difference of two Poisson counts, 200 * sqrt(A + B) / Tb.
 * This only holds when a count is a number of independent events (samples,
 * count); for bytes and ns the event count is unknown and the default is a
 * flat DIFF_DEFAULT_PP_UNWEIGHTED percentage points.
 *
 * Color intensity: delta_pp / max |delta_pp| over the frames above their
 * threshold, so the strongest change is fully saturated.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/units.h"

struct profile;
struct layout;

#define DIFF_DEFAULT_PP_UNWEIGHTED 0.5

struct diff_opts {
    bool normalize;   /* default true */
    double min_delta; /* percentage points; < 0: per-frame 2-sigma default */
    enum unit_kind unit;
};

struct diff_values {
    double before, after; /* raw inclusive counts */
    double after_norm;    /* after in BEFORE's scale (== after without normalization) */
    double delta;         /* absolute, in count units (after_norm - before) */
    double delta_pp;      /* percentage points, see the model above */
    double threshold_pp;  /* noise threshold for this frame */
    double intensity;     /* [-1, 1] for color_diff; 0 when below threshold */
};

struct diff;

/* Build the diff view of p (see the model). p's column 0 is rewritten.
 * Returns NULL on ENOMEM. */
struct diff *diff_new(struct profile *p, const struct diff_opts *o);
void diff_free(struct diff *d);

double diff_total_before(const struct diff *d);
double diff_total_after(const struct diff *d);
/* True when AFTER is scaled to BEFORE (normalize asked and both totals
 * nonzero). */
bool diff_normalized(const struct diff *d);
/* Factor applied to AFTER counts (Tb / Ta, or 1). */
double diff_scale(const struct diff *d);
/* Raw BEFORE self count of a node (AFTER self: profile_self2). */
double diff_before_self(const struct diff *d, uint32_t node);
const struct diff_opts *diff_options(const struct diff *d);
/* Largest |delta_pp| above threshold (the color scale), 0 if none. */
double diff_max_pp(const struct diff *d);

/* Values of a profile node. */
void diff_node(const struct diff *d, uint32_t node, struct diff_values *v);
/* Values of a layout rect, including "+N more" boxes (the sum of the merged
 * siblings). */
void diff_rect(const struct diff *d, const struct layout *l, size_t i, struct diff_values *v);
/* One line explaining the graph's encoding ("red = grew, ...; width = ...;
 * normalized ..."), for the writers' legend. */
void diff_legend(char *buf, size_t size, const struct diff *d);
/* The arithmetic alone, for raw inclusive counts b and a (unit tests). */
void diff_compute(const struct diff *d, double b, double a, struct diff_values *v);

#endif
