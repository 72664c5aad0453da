/*
 * flamepre: the command-line front end. Dispatches to a subcommand; only
 * this file calls exit (by returning from main).
 */
#include "collector/version.h"
#include "render/cmd.h"
#include "render/util.h"

#include <stdio.h>
#include <string.h>

void usage_main(FILE *f)
{
    fputs(
        "usage: flamepre COMMAND [ARGS]\n"
        "\n"
        "Commands:\n"
        "  record [-e EVENTS] [-F HZ] [-o DIR] -- CMD ARGS...\n"
        "                           run CMD with the profiler preloaded, then render its graphs\n"
        "  render IN.folded... -o OUT.svg|OUT.html [options]\n"
        "                           draw an interactive flame graph (SVG or canvas HTML)\n"
        "  diff BEFORE.folded AFTER.folded -o OUT.svg|OUT.html [options]\n"
        "                           differential flame graph (red grew, blue shrank)\n"
        "  top IN.folded [-n N] [--format text|markdown|csv]\n"
        "                           heaviest functions by self and total\n"
        "  convert IN.folded --to folded|pprof|speedscope -o OUT\n"
        "                           export to other profile formats\n"
        "  heatmap IN.timeline -o OUT.html [options]\n"
        "                           FlameScope heatmap of a timeline; select a range to graph it\n"
        "  collect --socket NAME    the collector process (started by profiled programs)\n"
        "  help [COMMAND]           show help\n"
        "  -V, --version            print \"flamepre VERSION\" and exit\n"
        "\n"
        "Run 'flamepre COMMAND --help' for a command's options.\n",
        f);
}

static const struct {
    const char *name;
    int (*run)(int, char **);
    void (*usage)(FILE *);
} commands[] = {
    {"render", cmd_render, usage_render},    {"diff", cmd_diff, usage_diff},
    {"record", cmd_record, usage_record},    {"top", cmd_top, usage_top},
    {"convert", cmd_convert, usage_convert}, {"collect", cmd_collect, usage_collect},
    {"heatmap", cmd_heatmap, usage_heatmap},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage_main(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        puts("flamepre " FLAMEPRE_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            usage_main(stdout);
            return 0;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
            if (!strcmp(argv[2], commands[i].name)) {
                commands[i].usage(stdout);
                return 0;
            }
        cli_error("unknown command \"%s\"", argv[2]);
        return 2;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(cmd, commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    cli_error("unknown command \"%s\"", cmd);
    usage_main(stderr);
    return 2;
}
