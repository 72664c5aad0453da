#ifndef FLAMEPRE_RENDER_PARSE_H
#define FLAMEPRE_RENDER_PARSE_H
/*
 * Streaming parser for folded stacks: "frame;frame;...;leaf COUNT" per line.
 *
 * The count is the last whitespace-separated field (frames may contain
 * spaces), a non-negative integer or decimal ("12", "3.5", ".5"). Blank lines
 * are ignored, a trailing '\r' is dropped, lines may be of any length.
 * Empty or blank-only frames ("a;;b", "a; ;b", a trailing ';') are dropped,
 * so every name can be written back as a folded line; a stack of nothing but
 * such frames is malformed ("empty stack").
 * Malformed lines are an error "file:line: reason", or with `lenient` are
 * skipped and counted in parse_stats.skipped.
 *
 * Transforms applied while parsing (so that they cost nothing afterwards):
 * merge_threads drops a leading "[name tid=N]" frame, thread_re keeps only
 * stacks whose first frame matches, collapse_recursion removes cycles
 * (A;B;A;B;C -> A;B;C, A;A;A -> A), reverse turns each stack leaf-first.
 * Unless `lines`, a frame's source-line suffix " (file.c:123)" (the rule in
 * format/frames.h; FLAMEPRE_LINES writes it) is dropped, so the frames of
 * one function merge again.
 */
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct profile;
struct tl_range;

struct parse_opts {
    bool lenient;
    bool merge_threads;
    bool reverse;
    bool collapse_recursion;
    bool lines;                /* keep " (file.c:123)" frame suffixes */
    const regex_t *thread_re;  /* NULL: keep all */
    const struct tl_range *tl; /* a .timeline input's range (tlrange.h); NULL: cpu, all */
};

struct parse_stats {
    uint64_t lines;    /* lines read, blank ones included */
    uint64_t stacks;   /* lines added to the profile */
    uint64_t skipped;  /* malformed lines skipped (lenient) */
    uint64_t filtered; /* stacks dropped by thread_re */
};

/* Parse a whole file ("-" = stdin) into p, then profile_finish(p). A path
 * ending in ".timeline" is read as a timeline (tlrange.h: opts->tl). 
 * Returns 0, or -1 after printing an error, with errno saying whose fault
 * it is: EINVAL for a malformed line (a usage error, exit 2), else the
 * system's (ENOMEM, or what open or read failed with: exit 1).
 * `opts` and `stats` may be NULL. */
int parse_folded_file(struct profile *p, const char *path, const struct parse_opts *opts,
                      struct parse_stats *stats);
/* The same for a file descriptor; `name` is used in messages. */
int parse_folded_fd(struct profile *p, int fd, const char *name, const struct parse_opts *opts,
                    struct parse_stats *stats);
/* The same for a buffer in memory (tests, fuzzing). */
int parse_folded_mem(struct profile *p, const char *buf, size_t len, const char *name,
                     const struct parse_opts *opts, struct parse_stats *stats);

/* Compile into *re the thread_re that keeps one thread: all digits is a
 * thread id ("[any tid=TID]"), anything else a thread name matched exactly
 * ("[NAME tid=N]", every tid of that name). Returns regcomp's code (0 ok). */
int parse_thread_regex(regex_t *re, const char *tid_or_name);

#endif
