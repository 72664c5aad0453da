#ifndef FLAMEPRE_RENDER_FOLDED_OUT_H
#define FLAMEPRE_RENDER_FOLDED_OUT_H
/*
 * Folded output (`flamepre convert --to folded`): a profile written back as
 * normalized folded text, the format every flamepre reader and
 * flamegraph.pl take in.
 *
 * Contract: one "frame;frame;...;leaf COUNT\n" line per distinct stack with
 * a self count, lines in byte order of the stack, integer counts (the
 * parser's fractions summed and rounded exactly, pcount_round), no zero
 * lines. Every frame goes through text_sanitize (escape.h): a name can
 * neither split the line nor reach a terminal raw. Stacks that sanitizing
 * makes equal are merged again, so the output parses back to itself.
 */
#include <stdio.h>

struct profile;

/* Write p (profile_finish() done) to f. Returns 0, or -1 after printing an
 * error (ENOMEM, a count beyond 64 bits). Write errors stay in the stream
 * for its owner to report (outfile.h). */
int folded_write(FILE *f, struct profile *p);

#endif
