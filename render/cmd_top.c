/*
 * `flamepre top`: argument handling; the report itself is in top.c.
 */
#include "render/cmd.h"
#include "render/modules.h"
#include "render/outfile.h"
#include "render/parse.h"
#include "render/profile.h"
#include "render/tlrange.h"
#include "render/top.h"
#include "render/units.h"
#include "render/util.h"

#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void usage_top(FILE *f)
{
    fputs(
        "usage: flamepre top IN.folded... [-n N] [--format text|markdown|csv] [--thread TID|NAME]\n"
        "                    [--by function|module] [--by-state] [--lines] [-o OUT]\n"
        "\n"
        "The heaviest functions by self count and by total (inclusive) count. A\n"
        "sample counts once per function even when the function recurses. With\n"
        "--lines, the heaviest source lines (frames \"f (a.c:12)\" recorded with\n"
        "FLAMEPRE_LINES=1): self is the lines being run.\n"
        "\n"
        "  -n N                 rows per table (default 20)\n"
        "      --format FMT     text (default), markdown or csv\n"
        "      --by WHAT        function (default) or module: self weight per module\n"
        "                       (from the collector's summary in meta.json)\n"
        "      --units UNIT     samples, bytes, ns or count (default: from the file name)\n"
        "      --merge-threads  drop the \"[name tid=N]\" root frames\n"
        "      --thread TID|NAME  only the stacks of one thread: a thread id (all\n"
        "                       digits) or a thread name (exact; every thread of it)\n"
        "      --lines          rank source lines, not functions (default: lines dropped)\n"
        "      --by-state       of a wall profile: each thread's time by state ([cpu],\n"
        "                       [lock], [io], ...) instead of the function tables\n"
        "      --lenient        skip malformed lines instead of failing\n"
        "  -o, --output FILE    write to FILE instead of stdout\n",
        f);
    fputs(tl_range_help, f);
}

static const struct option top_longopts[] = {
    {"format", required_argument, NULL, 'f'},  {"units", required_argument, NULL, 'u'},
    {"merge-threads", no_argument, NULL, 'm'}, {"thread", required_argument, NULL, 't'},
    {"lenient", no_argument, NULL, 'l'},       {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},          {"by", required_argument, NULL, 'b'},
    {"from", required_argument, NULL, 'F'},    {"to", required_argument, NULL, 'T'},
    {"metric", required_argument, NULL, 'M'},  {"lines", no_argument, NULL, 'L'},
    {"by-state", no_argument, NULL, 's'},      {NULL, 0, NULL, 0},
};

/* --by module: the collector's summaries where every input has one and
 * the whole process is asked for, else what the leaves say. */
static int top_modules(struct out_file *of, struct profile *p, char *const *inputs, size_t n,
                       const char *thread, size_t limit, enum top_format fmt,
                       const struct metric_info *mi, const char *source)
{
    struct module_shares ms = {0};
    const char *note = NULL;
    if (thread || module_shares_from_meta(&ms, inputs, n, mi->metric) < 0) {
        note = "modules from frame names only: no module summary in meta.json"
               " for every input (or a thread filter); named functions are not"
               " attributed to a module";
        if (module_shares_from_profile(&ms, p) < 0) {
            module_shares_free(&ms);
            return cli_error("out of memory") == 0;
        }
    }
    int ok = top_write_modules(of->f, &ms, profile_total(p), limit, fmt, mi, source, note) == 0;
    module_shares_free(&ms);
    return ok;
}

int cmd_top(int argc, char **argv)
{
    size_t limit = 20;
    enum top_format fmt = TOP_TEXT;
    const char *units = NULL, *out = NULL, *thread = NULL;
    struct tl_range tl = {.to_s = -1};
    struct parse_opts po = {.tl = &tl};
    bool by_state = false;
    regex_t thread_re;
    bool by_module = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "n:o:h", top_longopts, NULL)) != -1) {
        switch (c) {
        case 'n': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v <= 0) {
                cli_error("-n: expected a positive number, got \"%s\"", optarg);
                return 2;
            }
            limit = (size_t)v;
            break;
        }
        case 'f':
            if (!strcmp(optarg, "text"))
                fmt = TOP_TEXT;
            else if (!strcmp(optarg, "markdown") || !strcmp(optarg, "md"))
                fmt = TOP_MARKDOWN;
            else if (!strcmp(optarg, "csv"))
                fmt = TOP_CSV;
            else {
                cli_error("--format: expected text, markdown or csv, got \"%s\"", optarg);
                return 2;
            }
            break;
        case 'b':
            if (!strcmp(optarg, "module"))
                by_module = true;
            else if (strcmp(optarg, "function")) {
                cli_error("--by: expected function or module, got \"%s\"", optarg);
                return 2;
            }
            break;
        case 'u': units = optarg; break;
        case 'm': po.merge_threads = true; break;
        case 't': thread = optarg; break;
        case 'l': po.lenient = true; break;
        case 'L': po.lines = true; break;
        case 's': by_state = true; break;
        case 'o': out = optarg; break;
        case 'h': usage_top(stdout); return 0;
        case 'F':
        case 'T':
        case 'M':
            if (tl_range_option(&tl, c == 'F' ? "from" : c == 'T' ? "to" : "metric", optarg) < 0)
                return 2;
            break;
        default: bad_option(argv, "top"); return 2;
        }
    }
    if (tl_range_check(&tl) < 0)
        return 2;
    if (optind >= argc) {
        cli_error("top: no input file");
        usage_top(stderr);
        return 2;
    }
    if (thread) {
        if (!*thread || parse_thread_regex(&thread_re, thread) != 0) {
            cli_error("--thread: expected a thread id or name, got \"%s\"", thread);
            return 2;
        }
        po.thread_re = &thread_re;
    }
    struct metric_info mi;
    struct profile *p;
    int status = cmd_load(argv + optind, argc - optind, &po, units, &mi, &p);
    if (thread)
        regfree(&thread_re);
    if (status)
        return status;
    if (thread && profile_total(p) <= 0)
        cli_warn("--thread \"%s\" matched no thread with samples", thread);
    status = 1;
    struct out_file of;
    if (out_open(&of, out) < 0)
        goto done;
    /* the header names what was kept, so a filtered report is never
     * mistaken for the whole profile */
    char source[512];
    snprintf(source, sizeof(source), "%s%s%s%s",
             argc - optind == 1 ? argv[optind] : "merged inputs", thread ? " (thread " : "",
             thread ? thread : "", thread ? ")" : "");
    int ok = by_module  ? top_modules(&of, p, argv + optind, (size_t)(argc - optind), thread, limit,
                                      fmt, &mi, source)
             : by_state ? top_states_write(of.f, p, fmt, &mi, source) == 0
                        : top_write(of.f, p, limit, fmt, &mi, source) == 0;
    if (out_close(&of, ok) == 0 && ok)
        status = 0;
done:
    profile_free(p);
    return status;
}
