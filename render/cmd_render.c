/*
 * `flamepre render` and `flamepre diff`, and the helpers every subcommand
 * shares: loading one or more folded files into one profile with the parse
 * options (outfile.h writes the result). The two commands are one
 * code path: a diff is a render of a profile whose two count columns hold
 * BEFORE and AFTER (diff.h), written by the same SVG or HTML writer.
 */
#include "render/cmd.h"
#include "render/color.h"
#include "render/diff.h"
#include "render/outfile.h"
#include "render/parse.h"
#include "render/profile.h"
#include "render/render.h"
#include "render/title.h"
#include "render/util.h"

#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Options shared by render and diff. */
static const char render_opts_help[] =
    "  -o, --output FILE        output file: .html for the canvas page, else SVG\n"
    "                           (default: SVG on stdout)\n"
    "      --title TEXT         title (default \"Flame Graph\", \"Icicle Graph\" or\n"
    "                           \"Differential Flame Graph\")\n"
    "      --subtitle TEXT      second line under the title\n"
    "      --width PX           SVG width (default 1200); the HTML page fills the window\n"
    "      --minwidth PX|N%     frames narrower are merged into \"+N more\" (SVG default\n"
    "                           0.1 px; HTML default: keep every frame, zoom shows them)\n"
    "      --inverted           icicle graph (root at the top)\n"
    "      --reverse            merge stacks by leaf (who calls the hot leaves)\n"
    "      --sort name|weight   order of sibling frames (default name)\n"
    "      --merge-threads      drop the \"[name tid=N]\" root frames\n"
    "      --thread REGEX       keep only threads whose root frame matches\n"
    "      --collapse-recursion remove recursion cycles (A;B;A;B -> A;B)\n"
    "      --units UNIT         samples, bytes, ns or count (default: from the file name)\n"
    "      --lenient            skip malformed lines (and report how many) instead of failing\n";

void usage_render(FILE *f)
{
    fputs("usage: flamepre render IN.folded... [-o OUT.svg|OUT.html] [options]\n"
          "\n"
          "Draw an interactive flame graph from folded stacks (\"a;b;c COUNT\"): SVG, or a\n"
          "self-contained HTML page drawing on a canvas (for big profiles). Several inputs\n"
          "are merged; \"-\" reads stdin.\n"
          "\n",
          f);
    fputs(render_opts_help, f);
    fputs("      --colors PALETTE     hot, mem, io, lock, wall, wait (default: from the metric)\n"
          "      --hash               color by name hash (always on; accepted for compatibility)\n",
          f);
}

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
          "                           p=(A+B)/(Ta+Tb); 0.5 for bytes and ns)\n",
          f);
    fputs(render_opts_help, f);
}

enum {
    OPT_TITLE = 256, OPT_SUBTITLE, OPT_WIDTH, OPT_MINWIDTH, OPT_INVERTED, OPT_REVERSE,
    OPT_COLORS, OPT_HASH, OPT_SORT, OPT_MERGE_THREADS, OPT_THREAD, OPT_COLLAPSE, OPT_UNITS,
    OPT_LENIENT, OPT_NO_NORMALIZE, OPT_MIN_DELTA,
};

static const struct option render_longopts[] = {
    { "output", required_argument, NULL, 'o' },
    { "help", no_argument, NULL, 'h' },
    { "title", required_argument, NULL, OPT_TITLE },
    { "subtitle", required_argument, NULL, OPT_SUBTITLE },
    { "width", required_argument, NULL, OPT_WIDTH },
    { "minwidth", required_argument, NULL, OPT_MINWIDTH },
    { "inverted", no_argument, NULL, OPT_INVERTED },
    { "reverse", no_argument, NULL, OPT_REVERSE },
    { "colors", required_argument, NULL, OPT_COLORS },
    { "hash", no_argument, NULL, OPT_HASH },
    { "sort", required_argument, NULL, OPT_SORT },
    { "merge-threads", no_argument, NULL, OPT_MERGE_THREADS },
    { "thread", required_argument, NULL, OPT_THREAD },
    { "collapse-recursion", no_argument, NULL, OPT_COLLAPSE },
    { "units", required_argument, NULL, OPT_UNITS },
    { "lenient", no_argument, NULL, OPT_LENIENT },
    { "no-normalize", no_argument, NULL, OPT_NO_NORMALIZE },
    { "min-delta", required_argument, NULL, OPT_MIN_DELTA },
    { NULL, 0, NULL, 0 },
};

static int parse_double(const char *s, double *out, bool *pct)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0 || v != v)
        return -1;
    if (pct)
        *pct = false;
    if (*end == '%' && pct) {
        *pct = true;
        end++;
    }
    if (*end)
        return -1;
    *out = v;
    return 0;
}

/* Load all inputs into one profile. Returns 0, or the exit status: 2 for
 * malformed input, 1 for a file that cannot be read (parse.h). */
static int load_inputs(struct profile *p, char **inputs, int n, const struct parse_opts *po,
                       struct parse_stats *st)
{
    for (int i = 0; i < n; i++)
        if (parse_folded_file(p, inputs[i], po, st) < 0)
            return errno == EINVAL ? 2 : 1;
    return 0;
}

int cmd_load(char **inputs, int n, const struct parse_opts *po, const char *units,
             struct metric_info *mi, struct profile **out)
{
    *out = NULL;
    metric_from_path(inputs[0], mi);
    if (units && unit_parse(units, &mi->unit) < 0) {
        cli_error("--units: expected samples, bytes, ns or count, got \"%s\"", units);
        return 2;
    }
    struct profile *p = profile_new();
    if (!p) {
        cli_error("out of memory");
        return 1;
    }
    struct parse_stats st = { 0 };
    int status = load_inputs(p, inputs, n, po, &st);
    if (status) {
        profile_free(p);
        return status;
    }
    if (st.skipped)
        cli_warn("%llu malformed lines skipped", (unsigned long long)st.skipped);
    *out = p;
    return 0;
}

/* Where the user gave none: the title from the metric, the process and the
 * total, and the subtitle from what meta.json says was lost (title.h).
 * `title` (at least 256 bytes) and `gs` hold the strings ro points to. */
static void default_labels(struct render_opts *ro, char **inputs, int n, struct profile *p,
                           struct graph_source *gs, char *title, size_t tlen)
{
    if (ro->title && ro->subtitle)
        return;
    graph_source_read(inputs[0], &ro->metric, gs);
    for (int i = 1; i < n; i++) {
        struct graph_source other;
        graph_source_read(inputs[i], &ro->metric, &other);
        if (strcmp(other.comm, gs->comm) || other.pid != gs->pid) {
            gs = NULL; /* several processes: no process, no losses of one */
            break;
        }
    }
    struct metric_info named;
    metric_from_path(inputs[0], &named);
    /* --units said the file's metric is not what its name says: no label */
    if (!ro->title && named.unit == ro->metric.unit) {
        graph_title(title, tlen, &ro->metric, n == 1 ? gs : NULL, profile_total(p));
        if (title[0])
            ro->title = title;
    }
    if (!ro->subtitle && n == 1 && gs && gs->lost[0])
        ro->subtitle = gs->lost;
}

int render_one_svg(const char *in, const char *out, const char *title, struct profile **keep)
{
    struct render_opts ro;
    render_opts_init(&ro);
    ro.title = title;
    metric_from_path(in, &ro.metric);
    struct profile *p = profile_new();
    if (!p)
        return cli_error("out of memory");
    struct parse_opts po = { .lenient = true };
    struct parse_stats st = { 0 };
    char note[96];
    struct out_file of;
    if (parse_folded_file(p, in, &po, &st) < 0 || out_open(&of, out) < 0) {
        profile_free(p);
        return -1;
    }
    if (st.skipped) {
        snprintf(note, sizeof(note), "%llu malformed lines skipped",
                 (unsigned long long)st.skipped);
        ro.note = note;
        cli_warn("%s: %s", in, note);
    }
    struct graph_source gs;
    char deftitle[512];
    char *ins[1] = { (char *)in };
    default_labels(&ro, ins, 1, p, &gs, deftitle, sizeof deftitle);
    int ok = svg_write(of.f, p, &ro) == 0;
    if (out_close(&of, ok) < 0 || !ok) {
        profile_free(p);
        return -1;
    }
    if (keep)
        *keep = p;
    else
        profile_free(p);
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

int render_write(FILE *f, struct profile *p, const struct render_opts *o, bool html)
{
    return html ? html_write(f, p, o) : svg_write(f, p, o);
}

/* Parse one input into count column `col` of p (diff: 0 BEFORE, 1 AFTER). */
static int load_column(struct profile *p, char *path, int col, const struct parse_opts *po,
                       struct parse_stats *st)
{
    profile_set_column(p, col);
    if (col == 1 && !profile_has_column2(p)) {
        cli_error("out of memory");
        return 1;
    }
    int rc = load_inputs(p, &path, 1, po, st);
    profile_set_column(p, 0);
    return rc;
}

static int render_main(int argc, char **argv, bool is_diff)
{
    const char *cmd = is_diff ? "diff" : "render";
    void (*usage)(FILE *) = is_diff ? usage_diff : usage_render;
    struct render_opts ro;
    struct parse_opts po = { 0 };
    struct diff_opts dopt = { .normalize = true, .min_delta = -1 };
    const char *out = NULL, *units = NULL, *thread = NULL;
    regex_t thread_re;
    render_opts_init(&ro);
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", render_longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return 0;
        case OPT_TITLE: ro.title = optarg; break;
        case OPT_SUBTITLE: ro.subtitle = optarg; break;
        case OPT_WIDTH: {
            double w;
            if (parse_double(optarg, &w, NULL) < 0 || w < 100 || w > 1e6) {
                cli_error("--width: expected pixels between 100 and 1000000, got \"%s\"", optarg);
                return 2;
            }
            ro.width = (int)w;
            break;
        }
        case OPT_MINWIDTH:
            if (parse_double(optarg, &ro.minwidth, &ro.minwidth_pct) < 0) {
                cli_error("--minwidth: expected pixels (0.1) or a percentage (0.5%%), got \"%s\"",
                          optarg);
                return 2;
            }
            ro.minwidth_set = true;
            break;
        case OPT_INVERTED: ro.inverted = true; break;
        case OPT_REVERSE: po.reverse = true; break;
        case OPT_COLORS:
            if (is_diff) {
                cli_error("diff: --colors does not apply (red = grew, blue = shrank)");
                return 2;
            }
            if (palette_check(optarg) < 0) {
                cli_error("--colors: unknown palette \"%s\" (hot, mem, io, lock, wall, wait)", optarg);
                return 2;
            }
            ro.palette = optarg;
            break;
        case OPT_HASH: break;
        case OPT_SORT:
            if (strcmp(optarg, "name") == 0)
                ro.sort = LAYOUT_SORT_NAME;
            else if (strcmp(optarg, "weight") == 0)
                ro.sort = LAYOUT_SORT_WEIGHT;
            else {
                cli_error("--sort: expected name or weight, got \"%s\"", optarg);
                return 2;
            }
            break;
        case OPT_MERGE_THREADS: po.merge_threads = true; break;
        case OPT_THREAD: thread = optarg; break;
        case OPT_COLLAPSE: po.collapse_recursion = true; break;
        case OPT_UNITS: units = optarg; break;
        case OPT_LENIENT: po.lenient = true; break;
        case OPT_NO_NORMALIZE:
            if (!is_diff)
                goto bad;
            dopt.normalize = false;
            break;
        case OPT_MIN_DELTA:
            if (!is_diff)
                goto bad;
            if (parse_double(optarg, &dopt.min_delta, NULL) < 0 || dopt.min_delta > 100) {
                cli_error("--min-delta: expected percentage points between 0 and 100, got \"%s\"",
                          optarg);
                return 2;
            }
            break;
        default:
        bad:
            bad_option(argv, cmd);
            return 2;
        }
    }
    int nin = argc - optind;
    if (is_diff ? nin != 2 : nin < 1) {
        cli_error(is_diff ? "diff: expected two inputs, BEFORE and AFTER"
                          : "render: no input file");
        usage(stderr);
        return 2;
    }
    bool html = out && ends_with(out, ".html");
    metric_from_path(argv[optind], &ro.metric);
    for (int i = optind + 1; i < argc; i++) {
        struct metric_info mi;
        metric_from_path(argv[i], &mi);
        if (strcmp(mi.metric, ro.metric.metric) != 0 || mi.unit != ro.metric.unit)
            cli_warn("%s inputs of different metrics (%s, %s); units follow the first",
                     is_diff ? "comparing" : "merging",
                     ro.metric.metric[0] ? ro.metric.metric : "unknown",
                     mi.metric[0] ? mi.metric : "unknown");
    }
    if (units && unit_parse(units, &ro.metric.unit) < 0) {
        cli_error("--units: expected samples, bytes, ns or count, got \"%s\"", units);
        return 2;
    }
    dopt.unit = ro.metric.unit;
    if (thread) {
        int e = regcomp(&thread_re, thread, REG_EXTENDED | REG_NOSUB);
        if (e) {
            char msg[128];
            regerror(e, &thread_re, msg, sizeof(msg));
            cli_error("--thread: bad regular expression \"%s\": %s", thread, msg);
            return 2;
        }
        po.thread_re = &thread_re;
    }
    int status = 1;
    struct profile *p = profile_new();
    struct diff *d = NULL;
    struct parse_stats st = { 0 };
    char note[96];
    struct out_file of;
    if (!p) {
        cli_error("out of memory");
        goto done;
    }
    if (is_diff) {
        status = load_column(p, argv[optind], 0, &po, &st);
        if (!status)
            status = load_column(p, argv[optind + 1], 1, &po, &st);
    } else {
        status = load_inputs(p, argv + optind, nin, &po, &st);
    }
    if (status)
        goto done;
    status = 1;
    if (is_diff) {
        if (!(d = diff_new(p, &dopt))) {
            cli_error("out of memory");
            goto done;
        }
        if (dopt.normalize && !diff_normalized(d))
            cli_warn("%s is empty: comparing raw counts",
                     diff_total_before(d) > 0 ? argv[optind + 1] : argv[optind]);
        ro.diff = d;
    }
    if (st.skipped) {
        snprintf(note, sizeof(note), "%llu malformed lines skipped",
                 (unsigned long long)st.skipped);
        ro.note = note;
        cli_warn("%s", note);
    }
    if (thread && st.stacks == 0 && st.filtered)
        cli_warn("--thread \"%s\" matched no thread", thread);
    struct graph_source gs;
    char deftitle[512];
    if (!is_diff)
        default_labels(&ro, argv + optind, nin, p, &gs, deftitle, sizeof deftitle);
    if (out_open(&of, out) < 0)
        goto done;
    int ok = render_write(of.f, p, &ro, html) == 0;
    if (out_close(&of, ok) == 0 && ok)
        status = 0;
done:
    diff_free(d);
    profile_free(p);
    if (thread)
        regfree(&thread_re);
    return status;
}

int cmd_render(int argc, char **argv)
{
    return render_main(argc, argv, false);
}

int cmd_diff(int argc, char **argv)
{
    return render_main(argc, argv, true);
}
