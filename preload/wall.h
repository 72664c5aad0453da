#ifndef FLAMEPRE_WALL_H
#define FLAMEPRE_WALL_H
/*
 * Thread lifetimes for the wall event: what the collector needs besides
 * the CPU samples and the waits to account for every nanosecond of a
 * thread (format/wall_states.h): when it started and ended, and how long
 * it was runnable but not running.
 *
 * The start is the slot's claim (threads.c stamps it, always: one vDSO
 * read). With the wall event on, the host also reads the thread's
 * schedstat run_delay (/proc/thread-self/schedstat, 2nd field: ns spent
 * on a run queue) at its start and once at its end, where the thread is
 * still there to read it exactly. Why the host and not the collector: the
 * collector cannot read a thread that is already gone, and reading every
 * live thread at every drain would cost more than two reads per thread.
 * Threads still running when the image ends are read by the thread that
 * ends it (lifecycle_finish). Where /proc is out of reach (a chroot) or
 * the kernel has no schedstat, run_delay stays 0 and that time is in
 * `[other]`.
 *
 * Normal context only (open/read/close under tstate.guard).
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tslot;

/* The calling thread's (tid == gettid) or another thread's run_delay in
 * ns, or 0 where unknown. */
uint64_t wall_run_delay(pid_t tid);

/* Parse the second field of a schedstat line ("cpu_ns run_delay_ns
 * slices\n"); 0 on anything else. Pure; exposed for tests. */
uint64_t wall_parse_schedstat(const char *buf, size_t len);

/* Slot s's thread starts (run_delay0) / has ended (end_ns, run_delay_ns;
 * only the first call counts). */
void wall_thread_begin(struct tslot *s);
void wall_thread_end(struct tslot *s);

/* The image ends: end every slot still active (lifecycle_finish). */
void wall_end_all(void);

#endif
