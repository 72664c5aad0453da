/*
 * One writer for every message the profiler prints inside the host: a
 * "flamepre: " prefix, the text, a newline, in a single write(2) to fd 2 or
 * to the log file. Nothing is buffered, so a crash or _exit loses nothing.
 */
#include "preload/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int log_fd = 2;
static enum log_level log_lvl = LOG_QUIET;

void log_init(enum log_level level, const char *file)
{
    log_lvl = level;
    if (file && *file) {
        int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0)
            log_fd = fd;
        else
            log_error("FLAMEPRE_LOG_FILE: cannot open %s: %s; logging to stderr", file,
                      strerror(errno));
    }
}

void log_close(void)
{
    if (log_fd != 2) {
        close(log_fd);
        log_fd = 2;
    }
}

enum log_level log_level_get(void)
{
    return log_lvl;
}

static void log_emit(const char *fmt, va_list ap)
{
    int saved = errno;
    char buf[1024];
    size_t n = (size_t)snprintf(buf, sizeof buf, "flamepre: ");
    int r = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
    if (r > 0)
        n += (size_t)r < sizeof buf - n - 1 ? (size_t)r : sizeof buf - n - 2;
    buf[n++] = '\n';
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(log_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        n -= (size_t)w;
    }
    errno = saved;
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_emit(fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    if (log_lvl < LOG_INFO)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_emit(fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    if (log_lvl < LOG_DEBUG)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_emit(fmt, ap);
    va_end(ap);
}
