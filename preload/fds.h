#ifndef FLAMEPRE_FDS_H
#define FLAMEPRE_FDS_H
/*
 * The profiler's own descriptors in the host: the collector channel
 * (attach.h) and the per-thread perf clocks (sampler.h).
 *
 * They live at high numbers (the top 64 below min(4096, the soft limit)),
 * so the program's open() still gets the numbers it would unprofiled. A
 * program that closes them anyway (a daemon closing every descriptor, a
 * close_range) must not end the profile: the close interposers pretend to
 * close the channel and keep it, and a closed perf clock is re-armed at a
 * high number at once.
 */
#include <stdbool.h>

/* Move fd to the high range (close-on-exec kept); returns the new number,
 * or fd itself when the range is full. Normal or handler context (raw
 * system calls). */
int fds_move_high(int fd);

/* Close one of the profiler's own descriptors, without going through the
 * close interposer (which would look for a clock to re-arm). */
int fds_close(int fd);

/* Lowest descriptor the profiler may own: below it, close() is the
 * program's alone (one compare). */
extern int fds_min_ours;
void fds_note(int fd);

#endif
