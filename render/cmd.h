#ifndef FLAMEPRE_RENDER_CMD_H
#define FLAMEPRE_RENDER_CMD_H
/*
 * flamepre subcommands. Each takes its own argv (argv[0] is the subcommand
 * name) and returns the process exit status: 0 ok, 1 failure, 2 usage error
 * or malformed input. Only main() exits.
 */
#include <stdbool.h>
#include <stdio.h>

struct profile;
struct render_opts;
struct parse_opts;
struct metric_info;

int cmd_render(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_heatmap(int argc, char **argv);

void usage_main(FILE *f);
void usage_render(FILE *f);
void usage_record(FILE *f);
void usage_top(FILE *f);
void usage_convert(FILE *f);
void usage_diff(FILE *f);
void usage_collect(FILE *f);
void usage_heatmap(FILE *f);

/* Write p as HTML (html) or SVG with options o; 0 or -1 (printed). */
int render_write(FILE *f, struct profile *p, const struct render_opts *o, bool html);

/* The common front of top and convert: the metric of the first input (or
 * --units), and every input parsed into one new profile. Returns 0 with
 * *out set, or the exit status (already printed). */
int cmd_load(char **inputs, int n, const struct parse_opts *po, const char *units,
             struct metric_info *mi, struct profile **out);

/* Parse `in` and write an SVG to `out` with default options and the title
 * given; used by `record`. On success *keep (if not NULL) receives the
 * profile (caller frees). Returns 0 or -1 (printed). */
int render_one_svg(const char *in, const char *out, const char *title, struct profile **keep);

#endif
