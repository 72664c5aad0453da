#ifndef FLAMEPRE_RENDER_TOP_H
#define FLAMEPRE_RENDER_TOP_H
/*
 * Per-function totals from a profile: self (samples whose leaf is the
 * function) and total (samples whose stack contains the function at least
 * once: a recursive function's sample is counted once, not once per frame).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "render/units.h"

struct profile;

struct top_entry {
    uint32_t name;
    double self, total;
};

enum top_order { TOP_BY_SELF, TOP_BY_TOTAL };

/* Entries for every name that appears in a stack (root excluded), sorted by
 * `order` descending, ties by name. Returns 0 or -1 (ENOMEM). *out is
 * malloc'd. */
int top_compute(struct profile *p, enum top_order order, struct top_entry **out, size_t *n);

enum top_format { TOP_TEXT, TOP_MARKDOWN, TOP_CSV };

/* `flamepre top --by module`: the N modules with the most self weight, with
 * the part of it no symbol named (render/modules.h); `note` (or NULL) is
 * printed under the header. */
struct module_shares;
int top_write_modules(FILE *f, struct module_shares *ms, double total, size_t limit,
                      enum top_format fmt, const struct metric_info *mi, const char *source,
                      const char *note);

/* The report `flamepre top` prints: first N by self, then N by total. */
int top_write(FILE *f, struct profile *p, size_t limit, enum top_format fmt,
              const struct metric_info *mi, const char *source);

/* A name as one CSV field / one GFM table cell's code span (sanitized). */
void csv_escape(FILE *f, const char *s, size_t len);
void markdown_code(FILE *f, const char *s, size_t len);

/* `flamepre top --by-state` of a wall profile (every stack ending in a
 * state frame, format/wall_states.h): per thread (root frame; "all" when
 * threads are merged) its total and each state's time and share, then
 * all threads together. Stacks not ending in a state frame are left out
 * (counted in a note). 0, or -1 (ENOMEM, or no state frame at all: said
 * on stderr). */
int top_states_write(FILE *f, struct profile *p, enum top_format fmt, const struct metric_info *mi,
                     const char *source);

#endif
