#ifndef FLAMEPRE_LIFECYCLE_H
#define FLAMEPRE_LIFECYCLE_H
/*
 * Start, thread entry/exit, fork and end of the profiled process.
 * The constructor parses FLAMEPRE_*, prepares the output directory, starts
 * the collector and arms sampling for every thread already running; the
 * destructor and the _exit interposers end the profile. Normal context only.
 */
#include <stdbool.h>

/* True while new threads should be registered. */
bool lifecycle_recording(void);

/* In a new thread (from the pthread_create wrapper): claim a slot, arm. */
void lifecycle_thread_begin(void);

/* End the profile: stop sampling, drain, write files. Safe to call more
 * than once and from any thread; does nothing in a vfork child. */
void lifecycle_finish(const char *how, int status);

/* Before execve: write what this image recorded (if anything) and stop its
 * clocks, so no sampling signal is pending when the new image starts with
 * default dispositions. Does nothing in a vfork child. */
void lifecycle_before_exec(void);

/* exit(status) was called: the status meta.json reports. */
void lifecycle_note_exit(int status);

/* The program closed (or replaced) descriptors [lo, hi]: re-arm any
 * clock that was among them. */
void lifecycle_fds_closed(int lo, int hi);

/* After dlopen (unloaded false) or dlclose (true): the module map changed. */
void lifecycle_maps_changed(bool unloaded);

/* The program mapped a file executable itself (mmap, not dlopen: V8 maps
 * a copy of its builtins from its own binary): the collector reads the
 * maps again at its next drain, while the mapping still exists. One
 * atomic add; async-signal-safe, any thread. */
void lifecycle_code_mapped(void);

#endif
