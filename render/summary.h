#ifndef FLAMEPRE_RENDER_SUMMARY_H
#define FLAMEPRE_RENDER_SUMMARY_H
/*
 * The summary `flamepre record` prints on stderr once the graphs are
 * written. With a few processes: each profile's total and its hottest
 * functions. With many (`make -j2` runs some 200): one line per command
 * name, summed over its processes, then the merged process-tree profiles
 * (tree.h) in full, instead of a thousand lines. Hottest-function lists
 * show only functions with self weight, never thread, process or marker
 * frames (frame_is_pseudo).
 */
#include <stddef.h>

struct profile;
struct summary;

/* Processes up to which every profile is summarized on its own. */
#define SUMMARY_DETAIL_MAX 4

/* A summary of `nprocs` profiled processes. NULL on ENOMEM (then nothing
 * is printed). */
struct summary *summary_new(size_t nprocs);
/* One rendered profile: its folded file, graph and parsed profile (not
 * kept). Tree files ("<name>.tree.<metric>.folded") are always in full. */
void summary_add(struct summary *s, const char *folded, const char *svg, struct profile *p);
/* Print the per-command lines, if any and not yet printed. */
void summary_commands(struct summary *s);
/* The same, then free s. */
void summary_finish(struct summary *s);

#endif
