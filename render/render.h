#ifndef FLAMEPRE_RENDER_RENDER_H
#define FLAMEPRE_RENDER_RENDER_H
/*
 * Options shared by the graph writers (SVG, HTML; either one plain or as a
 * differential graph when `diff` is set).
 */
#include <stdbool.h>
#include <stdio.h>

#include "render/layout.h"
#include "render/units.h"

struct profile;
struct diff;

struct render_opts {
    const char *title;    /* NULL: "Flame Graph" / "Icicle Graph" */
    const char *subtitle; /* NULL: none */
    const char *note;     /* NULL: none; shown under the title (e.g. skipped lines) */
    int width;            /* total image width in px */
    double minwidth;      /* px, or percent of total when minwidth_pct */
    bool minwidth_pct;
    bool minwidth_set;   /* given by the user (HTML keeps every frame otherwise) */
    bool inverted;       /* icicle: root at the top */
    const char *palette; /* NULL: the metric's default */
    enum layout_sort sort;
    struct metric_info metric;
    const struct diff *diff; /* NULL, or a differential graph (diff.h) of the profile */
};

void render_opts_init(struct render_opts *o);

/* Count threshold below which frames are merged, from width/minwidth. */
double render_min_count(const struct render_opts *o, double total);

/* Write an interactive SVG flame graph of p (profile_finish() done) to f.
 * Returns 0, or -1 after printing an error (ENOMEM). Write errors stay in
 * the stream for its owner to report with the file's name (outfile.h);
 * the same holds for every writer of the CLI. */
int svg_write(FILE *f, struct profile *p, const struct render_opts *o);

/* Write a self-contained HTML page drawing the flame graph on a canvas from
 * an embedded data table (model in html.c). Frames are merged into "+N more"
 * only when o->minwidth_set: zooming in the page reveals any frame. Returns 0,
 * or -1 after printing an error (ENOMEM). */
int html_write(FILE *f, struct profile *p, const struct render_opts *o);

/* The same page with placeholders instead of a graph, for pages that
 * build graphs in the browser (the heatmap's range graphs): the data
 * table's JSON (html.c describes it; "diff" carries no "maxpp": html.js
 * computes it) replaces HTML_TEMPLATE_DATA, and HTML-escaped text the
 * title (twice) and, with diff, the legend. */
#define HTML_TEMPLATE_DATA "@@FP-DATA@@"
#define HTML_TEMPLATE_TITLE "@@FP-TITLE@@"
#define HTML_TEMPLATE_LEGEND "@@FP-LEGEND@@"
void html_template(FILE *f, bool diff);

#endif
