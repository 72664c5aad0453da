#ifndef FLAMEPRE_FDS_H
#define FLAMEPRE_FDS_H
/*
 * The profiler's own descriptors in the host: the collector channel
 * (attach.h) and the per-thread perf clocks (sampler.h).
 *
 * They live in a reserved range at the top of min(4096, the soft limit):
 * an eighth of it, 2 to 512 numbers. The program's open() still gets the
 * numbers it would unprofiled, and the profiler never holds more than that
 * range: under `ulimit -n 64` it takes at most 8 numbers, however many
 * threads run, and the threads that find the range full are sampled with
 * the descriptor-free timer clock instead (sampler.h). A program that
 * closes them anyway (a daemon closing every descriptor, a close_range)
 * must not end the profile: the close interposers pretend to close the
 * channel and keep it, and a closed perf clock is re-armed in the range.
 */
#include <stdbool.h>

/* Move fd to the reserved range (close-on-exec kept); returns the new
 * number, or fd itself when the range is full. Normal or handler context
 * (raw system calls). */
int fds_move_high(int fd);

/* The same, for descriptors the profiler can do without (perf clocks):
 * when the range is full, fd is closed and -1 returned with errno EMFILE,
 * and later calls fail at once, without a system call, until one of ours
 * is closed. */
int fds_take_high(int fd);

/* Is the range known to be full? (No descriptor should be opened for a
 * take: it would only be closed again.) */
bool fds_full(void);

/* The program closed one of ours: the range has room again. */
void fds_gone(void);

/* Close one of the profiler's own descriptors, without going through the
 * close interposer (which would look for a clock to re-arm). */
int fds_close(int fd);

/* Lowest descriptor the profiler may own: below it, close() is the
 * program's alone (one compare). */
extern int fds_min_ours;
void fds_note(int fd);

#endif
