#ifndef FLAMEPRE_RENDER_UTIL_H
#define FLAMEPRE_RENDER_UTIL_H
/*
 * Small helpers shared by the flamepre CLI: error reporting in git's usage.c
 * style (helpers print and return -1, only main exits) and growable arrays
 * that report ENOMEM instead of aborting.
 */
#include <stddef.h>
#include <stdint.h>

#include "format/grow.h" /* grow_array */
#include "format/hash.h" /* hash_bytes */

/* Print "flamepre: error: <msg>\n" to stderr; returns -1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "flamepre: warning: <msg>\n" to stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report the option getopt_long just rejected (opterr = 0) and point to
 * the subcommand's help. */
void bad_option(char **argv, const char *cmd);


/* printf("%.*f", prec, v) and printf("%.15g", v) into out (at least 48
 * bytes), NUL-terminated, byte for byte the same; fast paths for the common
 * non-negative values, snprintf otherwise. Return the length. Output longer
 * than 47 bytes (%f of |v| >= 1e40) is truncated. */
size_t fmt_fixed(char *out, double v, int prec);
size_t fmt_g15(char *out, double v);

/* Basename of a path without allocating: pointer into `path`. */
const char *path_base(const char *path);

#endif
