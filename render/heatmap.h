#ifndef FLAMEPRE_RENDER_HEATMAP_H
#define FLAMEPRE_RENDER_HEATMAP_H
/*
 * The FlameScope heatmap page of a timeline (`flamepre heatmap`): one
 * self-contained HTML page (no server, no network) whose script
 * (render/js/heatmap.js) draws, per metric, a grid of x = whole seconds
 * from the start, y = offset within the second in `rows` rows, colour =
 * the weight of the events in that cell (white to red; "enhanced": a
 * logarithmic scale for sparse data), merged or one grid per thread.
 * Dragging over cells selects a time range and shows its flame graph
 * beside the grid; shift-dragging selects a second range and shows the
 * differential graph of the two (first = before). The graphs are the
 * canvas page of `render -o X.html` (html.c's template and html.js), built
 * in the browser from the stacks in range: one flame graph renderer.
 *
 * Model of the page's data (JSON in <script id="hm-data">): the
 * timeline's threads, metrics (name, unit, label), frame names (each
 * distinct name once; names[0] is the root "all") and their colours per
 * metric (the palette of its row in format/metrics.h, color_for), stacks
 * as VLQ (vlq.h) "metric thread nframes frame..." root first, events as
 * VLQ "dt stack weight" with dt in microseconds since the previous event,
 * and the two page templates (html_template).
 */
#include <stdbool.h>
#include <stdio.h>

struct timeline;

struct heatmap_opts {
    unsigned rows;      /* rows per second, 1..1000 (default 50) */
    const char *metric; /* metric shown first; NULL: cpu, else the first */
    const char *title;  /* NULL: "<comm> (pid N): heatmap" */
    bool enhanced;      /* start in the enhanced colour scale */
    bool per_thread;    /* start with one grid per thread */
};

/* Write the page of tl to f. 0, or -1 after printing an error (ENOMEM). */
int heatmap_write(FILE *f, const struct timeline *tl, const struct heatmap_opts *o);

#endif
