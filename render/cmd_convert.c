/*
 * `flamepre convert`: options, then the inputs loaded into one profile
 * (cmd_load) and handed to one output format: normalized folded text
 * (folded_out.h), speedscope JSON (speedscope.h) or pprof (pprof.h).
 */
#include "render/cmd.h"
#include "render/folded_out.h"
#include "render/outfile.h"
#include "render/parse.h"
#include "render/pprof.h"
#include "render/profile.h"
#include "render/speedscope.h"
#include "render/tlrange.h"
#include "render/units.h"
#include "render/util.h"

#include <getopt.h>
#include <string.h>

void usage_convert(FILE *f)
{
    fputs("usage: flamepre convert IN.folded... --to folded|pprof|speedscope [-o OUT]\n"
          "\n"
          "  --to folded      normalized folded: merged, sorted, integer counts\n"
          "  --to pprof       gzipped profile.proto (go tool pprof -top OUT)\n"
          "  --to speedscope  speedscope JSON (https://www.speedscope.app)\n"
          "  -o, --output F   output file (default stdout)\n"
          "      --units U    samples, bytes, ns or count (default: from the file name)\n"
          "      --merge-threads, --lenient, --lines   as for render\n"
          "      --metric NAME    of a timeline input: cpu, wall, alloc_bytes (or alloc),\n"
          "                       lock_ns, cond_ns or io_ns (default cpu); the whole time\n"
          "                       range (render and top take ranges)\n",
          f);
}

static const struct option convert_longopts[] = {
    {"to", required_argument, NULL, 't'},
    {"output", required_argument, NULL, 'o'},
    {"units", required_argument, NULL, 'u'},
    {"merge-threads", no_argument, NULL, 'm'},
    {"lenient", no_argument, NULL, 'l'},
    {"lines", no_argument, NULL, 'L'},
    {"help", no_argument, NULL, 'h'},
    {"metric", required_argument, NULL, 'M'},
    {NULL, 0, NULL, 0},
};

int cmd_convert(int argc, char **argv)
{
    const char *to = NULL, *out = NULL, *units = NULL;
    struct tl_range tl = {.to_s = -1};
    struct parse_opts po = {.tl = &tl};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", convert_longopts, NULL)) != -1) {
        switch (c) {
        case 't': to = optarg; break;
        case 'o': out = optarg; break;
        case 'u': units = optarg; break;
        case 'm': po.merge_threads = true; break;
        case 'l': po.lenient = true; break;
        case 'L': po.lines = true; break;
        case 'h': usage_convert(stdout); return 0;
        case 'M':
            if (tl_range_option(&tl, "metric", optarg) < 0)
                return 2;
            break;
        default: bad_option(argv, "convert"); return 2;
        }
    }
    if (optind >= argc || !to) {
        cli_error(optind >= argc ? "convert: no input file" : "convert: --to is required");
        usage_convert(stderr);
        return 2;
    }
    if (strcmp(to, "folded") && strcmp(to, "pprof") && strcmp(to, "speedscope")) {
        cli_error("--to: expected folded, pprof or speedscope, got \"%s\"", to);
        return 2;
    }
    struct metric_info mi;
    struct profile *p;
    int status = cmd_load(argv + optind, argc - optind, &po, units, &mi, &p);
    if (status)
        return status;
    status = 1;
    struct out_file of;
    if (out_open(&of, out) < 0)
        goto done;
    int rc;
    if (!strcmp(to, "folded"))
        rc = folded_write(of.f, p);
    else if (!strcmp(to, "speedscope"))
        rc = speedscope_write(of.f, p, &mi, path_base(argv[optind]));
    else
        rc = pprof_write(of.f, p, &mi);
    if (out_close(&of, rc == 0) == 0 && rc == 0)
        status = 0;
done:
    profile_free(p);
    return status;
}
