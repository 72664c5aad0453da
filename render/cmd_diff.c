/*
 * `flamepre diff`: BEFORE parsed into count column 0 of one profile and
 * AFTER into column 1, the differential view built on it (diff.h), and the
 * result written by the same SVG or HTML writer as `flamepre render`, with
 * the same options (cmd_graph.h) plus the two of the diff.
 */
#include "render/cmd.h"
#include "render/cmd_graph.h"
#include "render/profile.h"
#include "render/util.h"

void usage_diff(FILE *f)
{
    fputs("usage: flamepre diff BEFORE.folded AFTER.folded [-o OUT.svg|OUT.html] [options]\n"
          "\n"
          "Differential flame graph on the union of both profiles. Red = grew, blue =\n"
          "shrank, intensity by the change in share of the total; changes within noise\n"
          "are grey. A frame's width is max(before, after) of each stack, so stacks that\n"
          "vanished stay visible (the HTML page can switch widths to after or before).\n"
          "AFTER is scaled to BEFORE's total unless --no-normalize.\n"
          "\n"
          "      --no-normalize       compare raw counts (delta in % of the BEFORE total)\n"
          "      --min-delta PP       changes below PP percentage points of the total are\n"
          "                           neutral (default: per frame, 2 standard deviations of\n"
          "                           sampling noise, 200*sqrt(p(1-p)(1/Ta+1/Tb)) with\n"
          "                           p=(A+B)/(Ta+Tb); 0.5 for bytes and ns)\n"
          "      --from1 SEC, --to1 SEC, --from2 SEC, --to2 SEC\n"
          "                           the time range of BEFORE (1) and of AFTER (2) when it is\n"
          "                           a timeline, over --from/--to (which apply to both): two\n"
          "                           ranges of one run, \"diff X.timeline X.timeline --from1 2\n"
          "                           --to1 2.2 --from2 3 --to2 3.2\"\n",
          f);
    usage_graph_options(f);
}

/* Parse one input into count column `col` of p (diff: 0 BEFORE, 1 AFTER),
 * a timeline with that input's time range. */
static int load_column(struct profile *p, struct graph_args *a, int col, struct parse_stats *st)
{
    profile_set_column(p, col);
    if (col == 1 && !profile_has_column2(p)) {
        cli_error("out of memory");
        return 1;
    }
    struct parse_opts po = a->po; /* (thread_re still points into a) */
    po.tl = &a->tl_in[col];
    int rc = load_inputs(p, &a->inputs[col], 1, &po, st);
    profile_set_column(p, 0);
    return rc;
}

int cmd_diff(int argc, char **argv)
{
    struct graph_args a;
    int status;
    if (!graph_args_parse(&a, argc, argv, true, &status))
        return status;
    struct profile *p = profile_new();
    struct diff *d = NULL;
    struct parse_stats st = {0};
    status = 1;
    if (!p) {
        cli_error("out of memory");
        goto done;
    }
    status = load_column(p, &a, 0, &st);
    if (!status)
        status = load_column(p, &a, 1, &st);
    if (status)
        goto done;
    status = 1;
    if (!(d = diff_new(p, &a.dopt))) {
        cli_error("out of memory");
        goto done;
    }
    if (a.dopt.normalize && !diff_normalized(d))
        cli_warn("%s is empty: comparing raw counts",
                 diff_total_before(d) > 0 ? a.inputs[1] : a.inputs[0]);
    a.ro.diff = d;
    status = graph_output(&a, p, &st);
done:
    diff_free(d);
    profile_free(p);
    graph_args_release(&a);
    return status;
}
