/*
 * `flamepre heatmap`: options, the timeline read (tlrange.h), the page
 * written (heatmap.h).
 */
#include "render/cmd.h"
#include "render/heatmap.h"
#include "render/outfile.h"
#include "render/tlrange.h"
#include "render/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "format/metrics.h"
#include "format/timeline.h"

void usage_heatmap(FILE *f)
{
    fputs("usage: flamepre heatmap IN.timeline [-o OUT.html] [options]\n"
          "\n"
          "A FlameScope heatmap of a timeline (FLAMEPRE_TIMELINE=1): x = seconds from the\n"
          "start, y = offset within the second, colour = samples (wait or wall time,\n"
          "allocated bytes) in the cell. Drag over cells for the flame graph of that\n"
          "time range; shift-drag a second range for the differential graph. One\n"
          "self-contained HTML page.\n"
          "\n"
          "  -o, --output FILE    output file (default stdout)\n"
          "      --rows N         rows per second, 1..1000 (default 50)\n"
          "      --metric NAME    metric shown first: cpu, wall, alloc_bytes (alloc), lock_ns,\n"
          "                       cond_ns, io_ns (default cpu; the page switches between\n"
          "                       those recorded, and shows wall one state at a time)\n"
          "      --per-thread     start with one heatmap per thread (default: merged)\n"
          "      --enhanced       start with the logarithmic colour scale (sparse data)\n"
          "      --title TEXT     title (default \"<comm> (pid N): heatmap\")\n",
          f);
}

static const struct option heatmap_longopts[] = {
    {"output", required_argument, NULL, 'o'}, {"rows", required_argument, NULL, 'r'},
    {"metric", required_argument, NULL, 'm'}, {"per-thread", no_argument, NULL, 'p'},
    {"enhanced", no_argument, NULL, 'e'},     {"title", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
};

int cmd_heatmap(int argc, char **argv)
{
    struct heatmap_opts o = {.rows = 50};
    struct tl_range r = {.to_s = -1};
    const char *out = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", heatmap_longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'r': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 1000) {
                cli_error("--rows: expected 1..1000, got \"%s\"", optarg);
                return 2;
            }
            o.rows = (unsigned)v;
            break;
        }
        case 'm':
            if (tl_range_option(&r, "metric", optarg) < 0)
                return 2;
            o.metric = r.metric;
            break;
        case 'p': o.per_thread = true; break;
        case 'e': o.enhanced = true; break;
        case 't': o.title = optarg; break;
        case 'h': usage_heatmap(stdout); return 0;
        default: bad_option(argv, "heatmap"); return 2;
        }
    }
    if (argc - optind != 1) {
        cli_error("heatmap: expected one input, a .timeline file");
        usage_heatmap(stderr);
        return 2;
    }
    struct timeline tl;
    if (tl_read_file(argv[optind], &tl) < 0)
        return errno == EINVAL ? 2 : 1;
    int status = 1;
    struct out_file of;
    if (out_open(&of, out) == 0) {
        int ok = heatmap_write(of.f, &tl, &o) == 0;
        if (out_close(&of, ok) == 0 && ok)
            status = 0;
    }
    timeline_free(&tl);
    return status;
}
