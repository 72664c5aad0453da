#ifndef FLAMEPRE_RENDER_CMD_GRAPH_H
#define FLAMEPRE_RENDER_CMD_GRAPH_H
/*
 * What `flamepre render` (cmd_render.c) and `flamepre diff` (cmd_diff.c)
 * share. They are one code path: a diff is a render of a profile whose two
 * count columns hold BEFORE and AFTER (diff.h), written by the same SVG or
 * HTML writer. So both take the same graph options, parsed here once; each
 * command then loads its inputs its own way and hands the profile to
 * graph_output().
 */
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>

#include "render/diff.h"
#include "render/parse.h"
#include "render/render.h"
#include "render/tlrange.h"

struct profile;

struct graph_args {
    struct render_opts ro;
    struct parse_opts po;  /* po.thread_re points into this struct: do not copy it */
    struct diff_opts dopt; /* diff only */
    const char *out;       /* -o; NULL: stdout */
    const char *thread;    /* --thread as given, compiled into thread_re */
    regex_t thread_re;
    struct tl_range tl; /* --metric, --from, --to (timeline inputs); po.tl points here */
    /* diff: the range of BEFORE (0) and AFTER (1): --from1/--to1 and
     * --from2/--to2 where given (tl_set bit 1: from, 2: to), else tl's */
    struct tl_range tl_in[2];
    unsigned char tl_set[2];
    char **inputs; /* the input files (argv) */
    int nin;
    bool html; /* out ends in .html: the canvas page, else SVG */
};

/* Parse and check argv for `render` (is_diff false) or `diff`: ro.metric
 * from the first input (--units applied), a warning for inputs of another
 * metric. True when `a` is ready (release it with graph_args_release);
 * false with *status the exit status to return (0 after --help, 2 for a
 * usage error, printed). */
bool graph_args_parse(struct graph_args *a, int argc, char **argv, bool is_diff, int *status);
void graph_args_release(struct graph_args *a);

/* The option lines the usages of render and diff both print. */
void usage_graph_options(FILE *f);

/* Parse the n inputs into p (into the count column set on p). Returns 0,
 * or the exit status: 2 for malformed input, 1 for a file that cannot be
 * read (parse.h). */
int load_inputs(struct profile *p, char **inputs, int n, const struct parse_opts *po,
                struct parse_stats *st);

/* Write the loaded profile p (st: what loading it saw) to a->out: skipped
 * lines are reported and noted on the graph, a --thread that matched
 * nothing is reported. Returns the exit status (0, or 1 printed). */
int graph_output(struct graph_args *a, struct profile *p, const struct parse_stats *st);

#endif
