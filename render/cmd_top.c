/*
 * `flamepre top`: argument handling; the report itself is in top.c.
 */
#include "render/cmd.h"
#include "render/outfile.h"
#include "render/parse.h"
#include "render/profile.h"
#include "render/top.h"
#include "render/units.h"
#include "render/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void usage_top(FILE *f)
{
    fputs(
        "usage: flamepre top IN.folded... [-n N] [--format text|markdown|csv] [--thread TID|NAME]\n"
        "                    [--by-state] [-o OUT]\n"
        "\n"
        "The heaviest functions by self count and by total (inclusive) count. A\n"
        "sample counts once per function even when the function recurses.\n"
        "\n"
        "  -n N                 rows per table (default 20)\n"
        "      --format FMT     text (default), markdown or csv\n"
        "      --units UNIT     samples, bytes, ns or count (default: from the file name)\n"
        "      --merge-threads  drop the \"[name tid=N]\" root frames\n"
        "      --thread TID|NAME  only the stacks of one thread: a thread id (all\n"
        "                       digits) or a thread name (exact; every thread of it)\n"
        "      --by-state       of a wall profile: each thread's time by state ([cpu],\n"
        "                       [lock], [io], ...) instead of the function tables\n"
        "      --lenient        skip malformed lines instead of failing\n"
        "  -o, --output FILE    write to FILE instead of stdout\n",
        f);
}

static const struct option top_longopts[] = {
    {"format", required_argument, NULL, 'f'},
    {"units", required_argument, NULL, 'u'},
    {"merge-threads", no_argument, NULL, 'm'},
    {"thread", required_argument, NULL, 't'},
    {"lenient", no_argument, NULL, 'l'},
    {"output", required_argument, NULL, 'o'},
    {"by-state", no_argument, NULL, 's'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_top(int argc, char **argv)
{
    size_t limit = 20;
    enum top_format fmt = TOP_TEXT;
    const char *units = NULL, *out = NULL, *thread = NULL;
    bool by_state = false;
    struct parse_opts po = {0};
    regex_t thread_re;
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
        case 'u': units = optarg; break;
        case 'm': po.merge_threads = true; break;
        case 't': thread = optarg; break;
        case 'l': po.lenient = true; break;
        case 's': by_state = true; break;
        case 'o': out = optarg; break;
        case 'h': usage_top(stdout); return 0;
        default: bad_option(argv, "top"); return 2;
        }
    }
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
    int ok = (by_state ? top_states_write(of.f, p, fmt, &mi, source)
                       : top_write(of.f, p, limit, fmt, &mi, source)) == 0;
    if (out_close(&of, ok) == 0 && ok)
        status = 0;
done:
    profile_free(p);
    return status;
}
