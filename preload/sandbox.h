#ifndef FLAMEPRE_SANDBOX_H
#define FLAMEPRE_SANDBOX_H
/*
 * What a seccomp filter lets the profiler do. A filter may kill the
 * process (or deliver SIGSYS) on a system call the program never makes
 * itself, and the profiler's own calls are few kinds: perf_event_open,
 * timer_create, socket and socketpair (the collector's channels),
 * memfd_create (the profile's memory).
 *
 * A filter inherited at exec: each kind is tried once, at the start, in
 * a child of its own (a bare clone, SIGSYS at its default, reaped here),
 * so a filter that kills kills only the child; a kind whose child did not
 * exit cleanly is not used (the profiler falls back: timers, an in-process
 * collector, an anonymous shared mapping). A filter the program installs
 * later (seen by the prctl and syscall interposers) is not probed (the
 * probe's clone may itself be what kills) but read: its BPF program is run
 * here on each kind's call, and a kind it does not answer with ALLOW, LOG
 * or ERRNO is not used from then on. A fork child of a program that
 * installed one records nothing unless its memfd_create and socket or
 * socketpair pass.
 */
#include <stdbool.h>

enum sandbox_call {
    SANDBOX_PERF = 1u << 0,   /* perf_event_open */
    SANDBOX_TIMER = 1u << 1,  /* timer_create */
    SANDBOX_SOCKET = 1u << 2, /* socket */
    SANDBOX_MEMFD = 1u << 3,  /* memfd_create */
    SANDBOX_PAIR = 1u << 4,   /* socketpair (a fork child's channel) */
};

/* May the profiler make this kind of call? The first call probes (normal
 * context, before any other thread of the profiler); then any context. */
bool sandbox_allows(enum sandbox_call kind);

/* The program installed the filter `prog` (a struct sock_fprog *, as the
 * kernel took it; NULL: unknown, allow nothing from now on). Normal
 * context. */
void sandbox_installed(const void *prog);
/* Has it (since the start)? */
bool sandbox_installed_later(void);

#endif
