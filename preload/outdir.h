#ifndef FLAMEPRE_OUTDIR_H
#define FLAMEPRE_OUTDIR_H
/*
 * Where the profiler writes: the paths a user names in FLAMEPRE_OUTPUT and
 * FLAMEPRE_LOG_FILE, resolved and opened without following a symlink that
 * another user planted, and without blocking.
 *
 * The symlink rule is the kernel's fs.protected_symlinks, applied whatever
 * the sysctl says (it is often off, in containers say): a symlink in a
 * sticky world-writable directory (/tmp) is followed only if the caller's
 * euid owns it, or the directory's owner does. Otherwise a profiled root
 * process would create and write files wherever the link's owner points it
 * (the classic /tmp symlink attack). Every symlink met on the way is
 * checked, those inside a followed link's target too, except the last
 * link of a log file's path (see outdir_open_log).
 *
 * Callers: the constructor, before the program runs, and the collector
 * (process or thread) before it writes. openat is a raw system call (the
 * library interposes it); no allocation. Not for signal handlers
 * (snprintf).
 */
#include <stdbool.h>
#include <stddef.h>

/* FLAMEPRE_OUTPUT: make the directory dir (absolute, or relative to the
 * working directory) and its missing parents (mode 0755), check that it
 * can be written, and put its absolute path, free of symlinks, in abs
 * (len bytes), so that a later chdir does not move it. Returns 0, or -1
 * with errno set and a one-line reason in why (whylen bytes). */
int outdir_prepare(const char *dir, char *abs, size_t len, char *why, size_t whylen);

/* The collector's handle on a directory outdir_prepare resolved: an O_PATH
 * descriptor (close-on-exec) to create files in with openat, opened
 * without following any symlink (openat2 RESOLVE_NO_SYMLINKS; where the
 * kernel lacks it, O_NOFOLLOW on the last component), so a directory
 * swapped for a symlink since the start is refused. -1 with errno set. */
int outdir_open_dir(const char *abs);

/* FLAMEPRE_LOG_FILE: open path for appending (created 0644), close-on-exec.
 * Opened non-blocking, so a FIFO without a reader fails at once instead of
 * hanging the constructor; kept only if it is a regular file (then made
 * blocking again), a terminal, or /dev/null (kept non-blocking: a
 * stopped terminal loses a line rather than stopping the program). A
 * symlink as the last component is checked by the rule above, then
 * followed by the kernel (so /dev/stderr works). Returns the descriptor,
 * or -1 with a one-line reason in why. */
int outdir_open_log(const char *path, char *why, size_t whylen);

#endif
