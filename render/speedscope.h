#ifndef FLAMEPRE_RENDER_SPEEDSCOPE_H
#define FLAMEPRE_RENDER_SPEEDSCOPE_H
/*
 * speedscope output (`flamepre convert --to speedscope`): one JSON file in
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json),
 * loaded by the speedscope viewer (tests/browser/speedscope_test.js does it).
 *
 * Contract: frames are shared (frame index = profile name id - 1); one
 * "sampled" profile per "[name tid=N]" thread root, named after that frame,
 * holding the stacks below it; the stacks under any other root go to one
 * profile named `name`, listed first. Weights are in the metric's unit:
 * "bytes", "nanoseconds" (for sampled time, cpu and wall, a count weighs
 * the period from meta.json when it is known), else "none".
 */
#include <stdio.h>

struct profile;
struct metric_info;

/* Write p (profile_finish() done) with the unit of mi; `name` names the
 * file and its non-thread profile. Returns 0, or -1 after printing an
 * error (ENOMEM). Write errors stay in the stream (outfile.h). */
int speedscope_write(FILE *f, struct profile *p, const struct metric_info *mi, const char *name);

#endif
