#ifndef FLAMEPRE_RENDER_RENDER_H
#define FLAMEPRE_RENDER_RENDER_H
/*
 * Options shared by the graph writers (SVG now, HTML and diff later).
 */
#include <stdbool.h>
#include <stdio.h>

#include "render/layout.h"
#include "render/units.h"

struct profile;

struct render_opts {
    const char *title;      /* NULL: "Flame Graph" / "Icicle Graph" */
    const char *subtitle;   /* NULL: none */
    const char *note;       /* NULL: none; shown under the title (e.g. skipped lines) */
    int width;              /* total image width in px */
    double minwidth;        /* px, or percent of total when minwidth_pct */
    bool minwidth_pct;
    bool inverted;          /* icicle: root at the top */
    const char *palette;    /* NULL: the metric's default */
    enum layout_sort sort;
    struct metric_info metric;
};

void render_opts_init(struct render_opts *o);

/* Count threshold below which frames are merged, from width/minwidth. */
double render_min_count(const struct render_opts *o, double total);

/* Write an interactive SVG flame graph of p (profile_finish() done) to f.
 * Returns 0, or -1 after printing an error (ENOMEM or a write error). */
int svg_write(FILE *f, struct profile *p, const struct render_opts *o);

#endif
