#ifndef FLAMEPRE_RENDER_TLRANGE_H
#define FLAMEPRE_RENDER_TLRANGE_H
/*
 * A time range of a .timeline file (format/timeline.h) as a profile: the
 * events of one metric whose time falls in [from, to) seconds from the
 * image's start are summed per stack and handed to the folded parser as
 * "stack WEIGHT" lines, so every render, diff, top and convert option
 * works on a timeline as on a folded file.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct profile;
struct parse_opts;
struct parse_stats;
struct timeline;

struct tl_range {
    const char *metric; /* "cpu", "io_ns", ...; NULL: cpu */
    double from_s;      /* >= 0 */
    double to_s;        /* < 0: to the end */
};

/* The options every command that reads a timeline takes: --from SEC,
 * --to SEC (seconds from the start, decimals), --metric NAME. Apply one
 * (name without dashes) to *r: 0, or -1 after printing a usage error.
 * diff's per-input "from1", "to2", ... set from_s and to_s as "from" and
 * "to" do (the name is for the message). */
int tl_range_option(struct tl_range *r, const char *name, const char *arg);
/* After the options: 0, or -1 after printing why the range is empty. */
int tl_range_check(const struct tl_range *r);
/* The lines of usage of those options. */
extern const char tl_range_help[];

/* Is path a timeline by its name ("*.timeline")? */
bool tl_is_path(const char *path);

/* Read the whole file at path (a timeline; untrusted) into *tl. 0, or -1
 * after printing "path: reason", errno EINVAL (malformed: exit 2) or the
 * system's (exit 1). */
int tl_read_file(const char *path, struct timeline *tl);

/* The folded text ("stack WEIGHT\n" per stack with weight) of r's range of
 * tl into a new *out of *len bytes. Frames are cleaned by the frame rule
 * (format/frames.h), so a forged stack cannot add a line. 0, or -1
 * (ENOMEM). Events of a metric the file does not hold: empty text. */
int tl_range_folded(const struct timeline *tl, const struct tl_range *r, char **out, size_t *len);

/* parse_folded_file for a timeline: opts->tl's range (NULL: all of cpu). */
int parse_timeline_file(struct profile *p, const char *path, const struct parse_opts *opts,
                        struct parse_stats *stats);

#endif
