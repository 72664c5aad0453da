/*
 * `flamepre render`, the graph options it shares with `flamepre diff`
 * (cmd_graph.h), and the loading helpers every subcommand uses: one or more
 * folded files into one profile with the parse options (outfile.h writes
 * the result). The output format follows the output name: .html for the
 * canvas page (html.c), else SVG (svg.c).
 */
#include "render/cmd.h"
#include "render/cmd_graph.h"
#include "render/color.h"
#include "render/outfile.h"
#include "render/profile.h"
#include "render/title.h"
#include "render/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Options shared by render and diff. */
static const char graph_opts_help[] =
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
    "      --lines              keep the source lines of frames (\"f (a.c:12)\", recorded\n"
    "                           with FLAMEPRE_LINES=1); default: drop them\n"
    "      --lenient            skip malformed lines (and report how many) instead of failing\n";

void usage_graph_options(FILE *f)
{
    fputs(graph_opts_help, f);
    fputs(tl_range_help, f);
}

void usage_render(FILE *f)
{
    fputs("usage: flamepre render IN.folded... [-o OUT.svg|OUT.html] [options]\n"
          "\n"
          "Draw an interactive flame graph from folded stacks (\"a;b;c COUNT\"): SVG, or a\n"
          "self-contained HTML page drawing on a canvas (for big profiles). Several inputs\n"
          "are merged; \"-\" reads stdin.\n"
          "\n",
          f);
    usage_graph_options(f);
    fputs("      --colors PALETTE     hot, mem, io, lock, wall, wait (default: from the metric;\n"
          "                           wall on a wall profile: frames by state, and a legend)\n"
          "      --hash               color by name hash (always on; accepted for compatibility)\n",
          f);
}

enum {
    OPT_TITLE = 256,
    OPT_SUBTITLE,
    OPT_WIDTH,
    OPT_MINWIDTH,
    OPT_INVERTED,
    OPT_REVERSE,
    OPT_COLORS,
    OPT_HASH,
    OPT_SORT,
    OPT_MERGE_THREADS,
    OPT_THREAD,
    OPT_COLLAPSE,
    OPT_UNITS,
    OPT_LENIENT,
    OPT_LINES,
    OPT_NO_NORMALIZE,
    OPT_MIN_DELTA,
    OPT_FROM,
    OPT_TO,
    OPT_METRIC,
    OPT_FROM1,
    OPT_TO1,
    OPT_FROM2,
    OPT_TO2,
};

static const struct option render_longopts[] = {
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {"title", required_argument, NULL, OPT_TITLE},
    {"subtitle", required_argument, NULL, OPT_SUBTITLE},
    {"width", required_argument, NULL, OPT_WIDTH},
    {"minwidth", required_argument, NULL, OPT_MINWIDTH},
    {"inverted", no_argument, NULL, OPT_INVERTED},
    {"reverse", no_argument, NULL, OPT_REVERSE},
    {"colors", required_argument, NULL, OPT_COLORS},
    {"hash", no_argument, NULL, OPT_HASH},
    {"sort", required_argument, NULL, OPT_SORT},
    {"merge-threads", no_argument, NULL, OPT_MERGE_THREADS},
    {"thread", required_argument, NULL, OPT_THREAD},
    {"collapse-recursion", no_argument, NULL, OPT_COLLAPSE},
    {"units", required_argument, NULL, OPT_UNITS},
    {"lenient", no_argument, NULL, OPT_LENIENT},
    {"lines", no_argument, NULL, OPT_LINES},
    {"no-normalize", no_argument, NULL, OPT_NO_NORMALIZE},
    {"min-delta", required_argument, NULL, OPT_MIN_DELTA},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"metric", required_argument, NULL, OPT_METRIC},
    {"from1", required_argument, NULL, OPT_FROM1},
    {"to1", required_argument, NULL, OPT_TO1},
    {"from2", required_argument, NULL, OPT_FROM2},
    {"to2", required_argument, NULL, OPT_TO2},
    {NULL, 0, NULL, 0},
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

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

bool graph_args_parse(struct graph_args *a, int argc, char **argv, bool is_diff, int *status)
{
    const char *cmd = is_diff ? "diff" : "render";
    void (*usage)(FILE *) = is_diff ? usage_diff : usage_render;
    const char *units = NULL;
    memset(a, 0, sizeof(*a));
    a->tl.to_s = -1;
    a->po.tl = &a->tl;
    a->dopt = (struct diff_opts){.normalize = true, .min_delta = -1};
    render_opts_init(&a->ro);
    struct render_opts *ro = &a->ro;
    *status = 2;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", render_longopts, NULL)) != -1) {
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'h':
            usage(stdout);
            *status = 0;
            return false;
        case OPT_TITLE: ro->title = optarg; break;
        case OPT_SUBTITLE: ro->subtitle = optarg; break;
        case OPT_WIDTH: {
            double w;
            if (parse_double(optarg, &w, NULL) < 0 || w < 100 || w > 1e6) {
                cli_error("--width: expected pixels between 100 and 1000000, got \"%s\"", optarg);
                return false;
            }
            ro->width = (int)w;
            break;
        }
        case OPT_MINWIDTH:
            if (parse_double(optarg, &ro->minwidth, &ro->minwidth_pct) < 0) {
                cli_error("--minwidth: expected pixels (0.1) or a percentage (0.5%%), got \"%s\"",
                          optarg);
                return false;
            }
            ro->minwidth_set = true;
            break;
        case OPT_INVERTED: ro->inverted = true; break;
        case OPT_REVERSE: a->po.reverse = true; break;
        case OPT_COLORS:
            if (is_diff) {
                cli_error("diff: --colors does not apply (red = grew, blue = shrank)");
                return false;
            }
            if (palette_check(optarg) < 0) {
                cli_error("--colors: unknown palette \"%s\" (hot, mem, io, lock, wall, wait)",
                          optarg);
                return false;
            }
            ro->palette = optarg;
            break;
        case OPT_HASH: break;
        case OPT_SORT:
            if (strcmp(optarg, "name") == 0)
                ro->sort = LAYOUT_SORT_NAME;
            else if (strcmp(optarg, "weight") == 0)
                ro->sort = LAYOUT_SORT_WEIGHT;
            else {
                cli_error("--sort: expected name or weight, got \"%s\"", optarg);
                return false;
            }
            break;
        case OPT_MERGE_THREADS: a->po.merge_threads = true; break;
        case OPT_THREAD: a->thread = optarg; break;
        case OPT_COLLAPSE: a->po.collapse_recursion = true; break;
        case OPT_UNITS: units = optarg; break;
        case OPT_LENIENT: a->po.lenient = true; break;
        case OPT_LINES: a->po.lines = true; break;
        case OPT_NO_NORMALIZE:
            if (!is_diff)
                goto bad;
            a->dopt.normalize = false;
            break;
        case OPT_MIN_DELTA:
            if (!is_diff)
                goto bad;
            if (parse_double(optarg, &a->dopt.min_delta, NULL) < 0 || a->dopt.min_delta > 100) {
                cli_error("--min-delta: expected percentage points between 0 and 100, got \"%s\"",
                          optarg);
                return false;
            }
            break;
        case OPT_FROM:
        case OPT_TO:
        case OPT_METRIC:
            if (tl_range_option(&a->tl,
                                c == OPT_FROM ? "from"
                                : c == OPT_TO ? "to"
                                              : "metric",
                                optarg) < 0)
                return false;
            break;
        case OPT_FROM1:
        case OPT_TO1:
        case OPT_FROM2:
        case OPT_TO2: {
            if (!is_diff)
                goto bad;
            int in = c == OPT_FROM1 || c == OPT_TO1 ? 0 : 1;
            bool from = c == OPT_FROM1 || c == OPT_FROM2;
            char name[8];
            snprintf(name, sizeof name, "%s%d", from ? "from" : "to", in + 1);
            if (tl_range_option(&a->tl_in[in], name, optarg) < 0)
                return false;
            a->tl_set[in] |= from ? 1 : 2;
            break;
        }
        default:
        bad:
            bad_option(argv, cmd);
            return false;
        }
    }
    a->inputs = argv + optind;
    a->nin = argc - optind;
    if (is_diff ? a->nin != 2 : a->nin < 1) {
        cli_error(is_diff ? "diff: expected two inputs, BEFORE and AFTER"
                          : "render: no input file");
        usage(stderr);
        return false;
    }
    a->html = a->out && ends_with(a->out, ".html");
    if (tl_range_check(&a->tl) < 0)
        return false;
    /* diff: each input's range, --from1/--to1 and --from2/--to2 over
     * --from/--to */
    for (int i = 0; i < 2; i++) {
        struct tl_range r = a->tl;
        if (a->tl_set[i] & 1)
            r.from_s = a->tl_in[i].from_s;
        if (a->tl_set[i] & 2)
            r.to_s = a->tl_in[i].to_s;
        a->tl_in[i] = r;
        if (tl_range_check(&a->tl_in[i]) < 0)
            return false;
    }
    metric_from_path(a->inputs[0], &ro->metric);
    if (a->tl.metric && tl_is_path(a->inputs[0]))
        metric_select(&ro->metric, a->tl.metric);
    for (int i = 1; i < a->nin; i++) {
        struct metric_info mi;
        metric_from_path(a->inputs[i], &mi);
        if (strcmp(mi.metric, ro->metric.metric) != 0 || mi.unit != ro->metric.unit)
            cli_warn("%s inputs of different metrics (%s, %s); units follow the first",
                     is_diff ? "comparing" : "merging",
                     ro->metric.metric[0] ? ro->metric.metric : "unknown",
                     mi.metric[0] ? mi.metric : "unknown");
    }
    if (units && unit_parse(units, &ro->metric.unit) < 0) {
        cli_error("--units: expected samples, bytes, ns or count, got \"%s\"", units);
        return false;
    }
    a->dopt.unit = ro->metric.unit;
    if (a->thread) {
        int e = regcomp(&a->thread_re, a->thread, REG_EXTENDED | REG_NOSUB);
        if (e) {
            char msg[128];
            regerror(e, &a->thread_re, msg, sizeof(msg));
            cli_error("--thread: bad regular expression \"%s\": %s", a->thread, msg);
            return false;
        }
        a->po.thread_re = &a->thread_re;
    }
    return true;
}

void graph_args_release(struct graph_args *a)
{
    if (a->po.thread_re)
        regfree(&a->thread_re);
    a->po.thread_re = NULL;
}

int graph_output(struct graph_args *a, struct profile *p, const struct parse_stats *st)
{
    char note[96];
    if (st->skipped) {
        snprintf(note, sizeof(note), "%llu malformed lines skipped",
                 (unsigned long long)st->skipped);
        a->ro.note = note;
        cli_warn("%s", note);
    }
    if (a->thread && st->stacks == 0 && st->filtered)
        cli_warn("--thread \"%s\" matched no thread", a->thread);
    struct out_file of;
    if (out_open(&of, a->out) < 0)
        return 1;
    int ok = render_write(of.f, p, &a->ro, a->html) == 0;
    a->ro.note = NULL; /* note is this frame's */
    return out_close(&of, ok) == 0 && ok ? 0 : 1;
}

int load_inputs(struct profile *p, char **inputs, int n, const struct parse_opts *po,
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
    if (po->tl && po->tl->metric && tl_is_path(inputs[0]))
        metric_select(mi, po->tl->metric);
    if (units && unit_parse(units, &mi->unit) < 0) {
        cli_error("--units: expected samples, bytes, ns or count, got \"%s\"", units);
        return 2;
    }
    struct profile *p = profile_new();
    if (!p) {
        cli_error("out of memory");
        return 1;
    }
    struct parse_stats st = {0};
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
    struct parse_opts po = {.lenient = true};
    struct parse_stats st = {0};
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
    char *ins[1] = {(char *)in};
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

int render_write(FILE *f, struct profile *p, const struct render_opts *o, bool html)
{
    return html ? html_write(f, p, o) : svg_write(f, p, o);
}

int cmd_render(int argc, char **argv)
{
    struct graph_args a;
    int status;
    if (!graph_args_parse(&a, argc, argv, false, &status))
        return status;
    struct profile *p = profile_new();
    struct parse_stats st = {0};
    struct graph_source gs;
    char deftitle[512];
    if (!p) {
        cli_error("out of memory");
        status = 1;
    } else {
        status = load_inputs(p, a.inputs, a.nin, &a.po, &st);
    }
    if (!status) {
        default_labels(&a.ro, a.inputs, a.nin, p, &gs, deftitle, sizeof deftitle);
        status = graph_output(&a, p, &st);
    }
    profile_free(p);
    graph_args_release(&a);
    return status;
}
