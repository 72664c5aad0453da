/*
 * `flamepre render` and the helpers every subcommand shares: loading one or
 * more folded files into one profile with the parse options, and writing an
 * output file atomically.
 */
#include "render/cmd.h"
#include "render/color.h"
#include "render/parse.h"
#include "render/profile.h"
#include "render/render.h"
#include "render/util.h"

#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int out_open(struct out_file *o, const char *path)
{
    memset(o, 0, sizeof(*o));
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        return 0;
    }
    o->path = strdup(path);
    if (!o->path || asprintf(&o->tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
        free(o->path);
        return cli_error("out of memory");
    }
    o->f = fopen(o->tmp, "we");
    if (!o->f) {
        int e = errno;
        free(o->tmp);
        free(o->path);
        o->tmp = o->path = NULL;
        return cli_error("%s: %s", path, strerror(e));
    }
    setvbuf(o->f, NULL, _IOFBF, 1 << 20);
    return 0;
}

int out_close(struct out_file *o, int ok)
{
    int rc = 0;
    if (o->f == stdout) {
        if (fflush(stdout) != 0)
            rc = cli_error("writing stdout: %s", strerror(errno));
        return rc;
    }
    if (fclose(o->f) != 0 && ok) {
        rc = cli_error("%s: %s", o->path, strerror(errno));
        ok = 0;
    }
    if (ok && rename(o->tmp, o->path) != 0)
        rc = cli_error("%s: %s", o->path, strerror(errno));
    if (!ok || rc)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    o->f = NULL;
    return ok ? rc : -1;
}

void usage_render(FILE *f)
{
    fputs("usage: flamepre render IN.folded... [-o OUT.svg] [options]\n"
          "\n"
          "Draw an interactive SVG flame graph from folded stacks (\"a;b;c COUNT\").\n"
          "Several inputs are merged; \"-\" reads stdin; without -o the SVG goes to stdout.\n"
          "\n"
          "  -o, --output FILE        output file (.svg)\n"
          "      --title TEXT         title (default \"Flame Graph\")\n"
          "      --subtitle TEXT      second line under the title\n"
          "      --width PX           image width (default 1200)\n"
          "      --minwidth PX|N%     frames narrower are merged into \"+N more\" (default 0.1)\n"
          "      --inverted           icicle graph (root at the top)\n"
          "      --reverse            merge stacks by leaf (who calls the hot leaves)\n"
          "      --colors PALETTE     hot, mem, io, lock, wall (default: from the metric)\n"
          "      --hash               color by name hash (always on; accepted for compatibility)\n"
          "      --sort name|weight   order of sibling frames (default name)\n"
          "      --merge-threads      drop the \"[name tid=N]\" root frames\n"
          "      --thread REGEX       keep only threads whose root frame matches\n"
          "      --collapse-recursion remove recursion cycles (A;B;A;B -> A;B)\n"
          "      --units UNIT         samples, bytes, ns or count (default: from the file name)\n"
          "      --lenient            skip malformed lines (and report how many) instead of failing\n",
          f);
}

enum {
    OPT_TITLE = 256, OPT_SUBTITLE, OPT_WIDTH, OPT_MINWIDTH, OPT_INVERTED, OPT_REVERSE,
    OPT_COLORS, OPT_HASH, OPT_SORT, OPT_MERGE_THREADS, OPT_THREAD, OPT_COLLAPSE, OPT_UNITS,
    OPT_LENIENT,
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

/* Load all inputs into one profile. Returns 0, or the exit status. */
static int load_inputs(struct profile *p, char **inputs, int n, const struct parse_opts *po,
                       struct parse_stats *st)
{
    for (int i = 0; i < n; i++)
        if (parse_folded_file(p, inputs[i], po, st) < 0)
            return errno == ENOMEM ? 1 : 2;
    return 0;
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

int cmd_render(int argc, char **argv)
{
    struct render_opts ro;
    struct parse_opts po = { 0 };
    const char *out = NULL, *units = NULL, *thread = NULL;
    regex_t thread_re;
    render_opts_init(&ro);
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", render_longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'h': usage_render(stdout); return 0;
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
            break;
        case OPT_INVERTED: ro.inverted = true; break;
        case OPT_REVERSE: po.reverse = true; break;
        case OPT_COLORS:
            if (palette_check(optarg) < 0) {
                cli_error("--colors: unknown palette \"%s\" (hot, mem, io, lock, wall)", optarg);
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
        default:
            bad_option(argv, "render");
            return 2;
        }
    }
    if (optind >= argc) {
        cli_error("render: no input file");
        usage_render(stderr);
        return 2;
    }
    if (out) {
        size_t ol = strlen(out);
        if (ol >= 5 && strcmp(out + ol - 5, ".html") == 0) {
            cli_error("render: HTML output is not implemented yet; use .svg");
            return 2;
        }
    }
    metric_from_path(argv[optind], &ro.metric);
    for (int i = optind + 1; i < argc; i++) {
        struct metric_info mi;
        metric_from_path(argv[i], &mi);
        if (strcmp(mi.metric, ro.metric.metric) != 0 || mi.unit != ro.metric.unit)
            cli_warn("merging inputs of different metrics (%s, %s); units follow the first",
                     ro.metric.metric[0] ? ro.metric.metric : "unknown",
                     mi.metric[0] ? mi.metric : "unknown");
    }
    if (units && unit_parse(units, &ro.metric.unit) < 0) {
        cli_error("--units: expected samples, bytes, ns or count, got \"%s\"", units);
        return 2;
    }
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
    struct parse_stats st = { 0 };
    char note[96];
    struct out_file of;
    if (!p) {
        cli_error("out of memory");
        goto done;
    }
    status = load_inputs(p, argv + optind, argc - optind, &po, &st);
    if (status)
        goto done;
    status = 1;
    if (st.skipped) {
        snprintf(note, sizeof(note), "%llu malformed lines skipped",
                 (unsigned long long)st.skipped);
        ro.note = note;
        cli_warn("%s", note);
    }
    if (thread && st.stacks == 0 && st.filtered)
        cli_warn("--thread \"%s\" matched no thread", thread);
    if (out_open(&of, out) < 0)
        goto done;
    int ok = svg_write(of.f, p, &ro) == 0;
    if (out_close(&of, ok) == 0 && ok)
        status = 0;
done:
    profile_free(p);
    if (thread)
        regfree(&thread_re);
    return status;
}
