#ifndef FLAMEPRE_WALLSPLIT_H
#define FLAMEPRE_WALLSPLIT_H
/*
 * The wall event's accounting of one thread: its lifetime split into the
 * states of format/wall_states.h, so that the states sum to the lifetime.
 *
 * Given the measured states (CPU = samples x period; lock, cond, I/O,
 * sleep, wait-child = the unbiased sums of the recorded waits), the
 * lifetime is end - start (end = `now` for a thread still running) and
 * what is left is split as
 *   runnable = min(run_delay, left), other = left - runnable.
 * run_delay also counts the time a thread waited for a CPU after a
 * recorded wait ended (its wake-up) or inside sched_yield: that time is
 * already in the wait, hence the min. When the measured states exceed the
 * lifetime (estimates of sampled waits, CPU samples of overrun timers),
 * runnable and other are 0 and the lifetime reported is the states' sum
 * (the difference is the estimates' error, which meta.json shows).
 *
 * Pure; unit-tested.
 */
#include <stdint.h>

#include "collector/meta.h"

/* t->wall[WALL_CPU .. WALL_CHILD] are filled; set t->lifetime_ns,
 * t->wall[WALL_RUNNABLE], t->wall[WALL_OTHER] and t->has_wall. */
void wallsplit_finish(struct thread_rec *t, uint64_t now_ns);

#endif
