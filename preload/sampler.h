#ifndef FLAMEPRE_SAMPLER_H
#define FLAMEPRE_SAMPLER_H
/*
 * CPU sampling: a per-thread clock that signals only its own thread, and
 * only while that thread runs on a CPU.
 *
 * First choice: a perf software task-clock event per thread, user space
 * only (allowed at perf_event_paranoid 2), whose overflow signal is routed
 * to the thread (F_SETOWN_EX/F_OWNER_TID). It fires at the requested rate,
 * unlike CPU-clock timers, which the kernel checks only at its tick. User
 * only also means the interrupt never lands in a system call, so no blocking
 * call ever sees EINTR because of us. Fallback when perf events are refused:
 * timer_create on the thread's CPU clock with SIGEV_THREAD_ID; the timer's
 * overrun count is added to the sample weight, so the total is still right
 * when the tick caps the signal rate.
 *
 * The handler (in sampler.c) captures the stack into the thread's ring, a
 * REC_CPU record (record.h).
 * Everything here but the handler runs in normal context.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "preload/config.h"
#include "preload/threads.h"

enum sampler_kind { SAMPLER_NONE = 0, SAMPLER_PERF, SAMPLER_TIMER };

/* Pick the signal and the clock, install the handler. Returns 0, or -1
 * (logged) when CPU sampling cannot run at all. */
int sampler_init(const struct config *cfg);

/* Start sampling thread s->tid (the caller or another thread of ours). */
int sampler_arm(struct tslot *s);

/* Close the event sampler_init opened to probe perf events, if no arm of
 * the initializing thread adopted it (call once that thread is
 * registered). */
void sampler_drop_probe(void);

/* Stop sampling s; safe to race with sampler_stop_all (one closer wins). */
void sampler_disarm(struct tslot *s);

/* s's thread is gone without its exit hook: disarm and retire the slot. */
void sampler_retire(struct tslot *s);

/* Normal context, periodically: if the program closed s's perf descriptor,
 * arm a new clock. Returns 1 if re-armed, 0 if nothing to do, -1 if the new
 * clock failed. */
int sampler_check(struct tslot *s);
/* The program closed descriptors [lo, hi]: open a new clock (at a high
 * number) for every thread whose clock was among them. Normal context.
 * Returns how many were re-armed. */
int sampler_rearm_closed(int lo, int hi);

/* In a fork child, on its own copy of the slots (shm_fork_child): drop
 * the parent's clock for s without touching it. */
void sampler_forget(struct tslot *s);
/* In a fork child still on the parent's mapping: close our copies of the
 * parent's clocks, reading its slots only. */
void sampler_close_inherited(void);

/* The perf event of every clock: the user-space task clock of one
 * thread, overflowing every period (a counter before sampler_init). */
struct perf_event_attr;
void sampler_perf_attr(struct perf_event_attr *attr);

/* Stop recording (the handler returns at once) and disarm every slot. */
void sampler_stop_all(void);

/* sigaction on the sampling signal, as the program sees it: answers with
 * and records the program's own disposition, leaving ours installed.
 * Returns 1 if sig is the sampling signal (handled), 0 to pass through. */
struct sigaction;
int sampler_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/*
 * Signals the program takes for itself. A program that blocks the
 * sampling signal, or waits for it (sigwait*, signalfd), gets it: the
 * sampler moves to another signal the program leaves alone, for every
 * thread (counted, `signal_moves`). A thread that blocks every candidate
 * is counted once (`threads_signal_blocked`): it gets no samples while it
 * does. Normal or handler context.
 */
/* Before pthread_sigmask/sigprocmask(how, set). */
void sampler_mask(int how, const sigset_t *set);
/* A new thread's inherited mask. */
void sampler_thread_mask(void);
/* Before a sigwait*, signalfd on set. */
void sampler_wait(const sigset_t *set);
/* A sigwait* returned sig with si: a sample of ours sent before a move,
 * to be taken back from the program (counted, `signals_withheld`)? */
bool sampler_withhold(int sig, const siginfo_t *si);

enum sampler_kind sampler_kind(void);
const char *sampler_kind_name(void);
int sampler_signal(void);
uint64_t sampler_period_ns(void);

/* Its counters (signals that were not ours, samples of threads without a
 * slot, clocks that could not be armed, clocks re-armed) are the shared
 * header's (layout.h). */

#endif
