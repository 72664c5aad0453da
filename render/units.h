#ifndef FLAMEPRE_RENDER_UNITS_H
#define FLAMEPRE_RENDER_UNITS_H
/*
 * What a count means. The metric comes from the file name
 * "<comm>.<pid>.<metric>.folded" (DESIGN.md section 3); the sampling period,
 * when known, from the sibling "<comm>.<pid>.meta.json" ("period_ns").
 */
#include <stddef.h>

#include "format/metrics.h" /* enum unit_kind, the metric table */

struct metric_info {
    char metric[32]; /* "cpu", "alloc_bytes", ... or "" if unknown */
    enum unit_kind unit;
    double period_ns;    /* 0 if unknown; only meaningful for samples */
    const char *palette; /* default palette for the metric */
};

/* Fill *mi from a folded file's path (never fails): unit and palette from
 * the metric table (format/metrics.h); an unknown metric is samples, palette
 * "hot" (a count if its name ends in "_count"). Reads the sibling meta.json
 * if present. "<comm>.<pid>.timeline" is its cpu metric. */
void metric_from_path(const char *path, struct metric_info *mi);
/* Set *mi's metric, unit and palette to metric `name` of the table (a
 * timeline's --metric); the period is left alone. 0, or -1 if unknown. */
int metric_select(struct metric_info *mi, const char *name);
/* Parse a --units value: samples, bytes, ns, count. Returns 0 or -1. */
int unit_parse(const char *s, enum unit_kind *out);
const char *unit_name(enum unit_kind u);

/* Human form of a count: "1,234 samples (12.3 ms)", "4.5 MiB", "1.2 ms",
 * "1,234". Returns buf. */
char *unit_format(char *buf, size_t size, double v, const struct metric_info *mi);
/* Integer with thousands separators ("1,234,567"); rounds decimals. */
char *format_count(char *buf, size_t size, double v);

#endif
