#ifndef FLAMEPRE_RENDER_TITLE_H
#define FLAMEPRE_RENDER_TITLE_H
/*
 * The words over a graph when the user gives none: what was measured, of
 * which process, how much in all ("lock wait — lock_contention (pid 3319),
 * 871.78 ms"), and a subtitle of what the profile lost, from the meta.json
 * next to the input ("lost: 12 samples dropped, 3 unwinds failed").
 * "Flame Graph" told the reader of twenty graphs nothing.
 */
#include <stddef.h>

#include "render/units.h"

/* What one input is: the process from meta.json (else from the file name
 * "<comm>.<pid>.<metric>.folded"), and the losses meta.json counts for its
 * metric. */
struct graph_source {
    char comm[64];  /* "" if unknown */
    long pid;       /* 0 if unknown */
    char lost[256]; /* "" if nothing was lost or no meta.json */
};

void graph_source_read(const char *path, const struct metric_info *mi, struct graph_source *gs);

/* "lock wait", "CPU", ...: the metric in words; the metric's own name for
 * one this table does not know, NULL for none. */
const char *metric_label(const struct metric_info *mi);

/* Title of a graph of `ninputs` inputs, the first one `gs` (NULL if the
 * inputs are of several processes), of `total` in mi's unit. Writes "" when
 * nothing is known (no metric in the file name): the writer's default
 * then applies. */
void graph_title(char *out, size_t len, const struct metric_info *mi, const struct graph_source *gs,
                 double total);

#endif
