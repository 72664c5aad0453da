#ifndef FLAMEPRE_LOG_H
#define FLAMEPRE_LOG_H
/*
 * Diagnostics of the preload library. Never stdio, never the program's
 * stdout: lines go to stderr (fd 2) or to FLAMEPRE_LOG_FILE, each line one
 * write(2) so that lines of concurrent threads do not interleave.
 *
 * Not async-signal-safe (vsnprintf): never call from the signal handler.
 * errno is preserved.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_QUIET = 0, LOG_INFO = 1, LOG_DEBUG = 2 };

/* Level and destination (FLAMEPRE_LOG_FILE, opened by outdir_open_log:
 * a file it refuses leaves stderr, with one line saying why unless
 * `quiet`); set once by the constructor. Errors print at every level. */
void log_init(enum log_level level, const char *file, bool quiet);
/* Move the log file's descriptor with move() (the host puts it among its
 * own, at a high number: fds.h). */
void log_relocate(int (*move)(int));
/* The program closed descriptors [lo, hi]: if the log file was among
 * them, log to stderr from now on. */
void log_fd_closed(int lo, int hi);
void log_close(void);
enum log_level log_level_get(void);

/* Every message is one line: a control character in the text (a newline
 * in a FLAMEPRE_* value or a path, a terminal escape) is written escaped,
 * as log_escape does. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy len bytes of s into out (outlen bytes, always NUL-terminated) with
 * each control character escaped: \n, \r, \t, else \xNN (bytes below
 * 0x20 and 0x7f; other bytes, UTF-8 included, are copied). An escape is
 * never cut in half. Returns the bytes of s consumed (< len when out is
 * full). Pure; signal-safe. */
size_t log_escape(char *out, size_t outlen, const char *s, size_t len);

#endif
