#ifndef FLAMEPRE_RENDER_PPROF_H
#define FLAMEPRE_RENDER_PPROF_H
/*
 * pprof output (`flamepre convert --to pprof`): a gzipped profile.proto
 * that `go tool pprof` reads (tests/integration/t_pprof.sh runs it).
 *
 * Contract: one Sample per stack with a self count, its value the count
 * (sample type from the metric: space/bytes, delay/nanoseconds, count/count,
 * else samples/count); sampled time (cpu, wall) with a known period carries
 * a second value, count x period in nanoseconds, and the matching
 * period_type and period, as Go's own CPU profiles do. Frame names are
 * function names (sanitized as in `top`: they reach a terminal); pprof is
 * told not to symbolize. Values are int64: a larger one is clamped to
 * 2^63-1 with a warning.
 */
#include <stdio.h>

struct profile;
struct metric_info;

/* Write p (profile_finish() done) with the sample types of mi. Returns 0,
 * or -1 after printing an error (ENOMEM, zlib). Write errors stay in the
 * stream (outfile.h). */
int pprof_write(FILE *f, struct profile *p, const struct metric_info *mi);

#endif
