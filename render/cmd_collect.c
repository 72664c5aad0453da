/*
 * `flamepre collect`: the collector process (collector/server.h). Started
 * by the first profiled process of a user and output directory (attach.h),
 * detached from it; serves every later process that attaches, and exits
 * after its last image is written and a short idle time, so a shell loop
 * of short commands reuses it.
 */
#include "render/cmd.h"
#include "render/util.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/server.h"
#include "preload/config.h"
#include "preload/log.h"

extern char **environ;

void usage_collect(FILE *f)
{
    fputs("usage: flamepre collect --socket NAME [--idle MS|DURATION]\n"
          "\n"
          "Run as the collector process for profiled programs that attach to the abstract\n"
          "Unix socket NAME. Profiled processes start it themselves when none is running;\n"
          "there is rarely a reason to run it by hand.\n"
          "\n"
          "  --socket NAME   abstract socket name to listen on\n"
          "  --idle MS       exit after this long without processes: milliseconds, or a\n"
          "                  duration with ns, us, ms or s suffix (default 2000)\n",
          f);
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static void quiet(const char *line, void *arg)
{
    (void)line, (void)arg;
}

static const struct option longopts[] = {
    {"socket", required_argument, NULL, 's'},
    {"idle", required_argument, NULL, 'i'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_collect(int argc, char **argv)
{
    const char *name = NULL;
    long idle = 2000;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': name = optarg; break;
        case 'i': {
            /* a bare number is milliseconds (the option's first form),
             * anything else a duration like FLAMEPRE_FLUSH's ("1.5s") */
            char *end;
            uint64_t ns;
            idle = strtol(optarg, &end, 10);
            if (end != optarg && !*end && idle >= 0)
                break;
            if (config_parse_duration(optarg, &ns) < 0 || ns / 1000000 > LONG_MAX) {
                cli_error("--idle: expected milliseconds or a duration (1.5s), got \"%s\"", optarg);
                return 2;
            }
            idle = (long)(ns / 1000000);
            break;
        }
        case 'h': usage_collect(stdout); return 0;
        default: bad_option(argv, "collect"); return 2;
        }
    }
    if (!name || optind != argc) {
        usage_collect(stderr);
        return 2;
    }
    struct config cfg;
    config_defaults(&cfg);
    config_parse(&cfg, (const char *const *)environ, quiet, NULL);
    /* Quiet about the environment: the host that started us has said
     * what is wrong with it. */
    log_init((enum log_level)cfg.log_level, cfg.log_file, true);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_term};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    struct server *s = server_new(name);
    if (!s) {
        if (errno == EADDRINUSE)
            return 0; /* another collector got there first: it serves */
        cli_error("collect: cannot listen on %s: %s", name, strerror(errno));
        return 1;
    }
    server_more_descriptors(s);
    while (!stop) {
        server_step(s, 200);
        if (!server_clients(s) && server_idle_ms(s) >= (unsigned long)idle)
            break;
    }
    server_free(s);
    return 0;
}
