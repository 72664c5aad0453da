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

#include "preload/outdir.h"

static int log_fd = 2;
static enum log_level log_lvl = LOG_QUIET;

void log_init(enum log_level level, const char *file, bool quiet)
{
    log_lvl = level;
    if (file && *file) {
        char why[512];
        int fd = outdir_open_log(file, why, sizeof why);
        if (fd >= 0)
            log_fd = fd;
        else if (!quiet)
            log_error("FLAMEPRE_LOG_FILE: cannot use %s: %s; logging to stderr", file, why);
    }
}

void log_relocate(int (*move)(int))
{
    if (log_fd != 2)
        log_fd = move(log_fd);
}

void log_fd_closed(int lo, int hi)
{
    /* The number may be the program's own file by now: never write there. */
    if (log_fd != 2 && log_fd >= lo && log_fd <= hi)
        log_fd = 2;
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

size_t log_escape(char *out, size_t outlen, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, i = 0;
    if (!outlen)
        return 0;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[4];
        size_t n = 0;
        if (c == '\n' || c == '\r' || c == '\t') {
            e[n++] = '\\';
            e[n++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c < 0x20 || c == 0x7f) {
            e[n++] = '\\';
            e[n++] = 'x';
            e[n++] = hex[c >> 4];
            e[n++] = hex[c & 15];
        } else {
            e[n++] = (char)c;
        }
        if (o + n >= outlen)
            break;
        memcpy(out + o, e, n);
        o += n;
    }
    out[o] = 0;
    return i;
}

static void log_emit(const char *fmt, va_list ap)
{
    int saved = errno;
    char text[1024], buf[1024];
    size_t n = (size_t)snprintf(buf, sizeof buf, "flamepre: ");
    int r = vsnprintf(text, sizeof text, fmt, ap);
    if (r > 0) {
        /* The text quotes values and paths from the user: one line, always. */
        log_escape(buf + n, sizeof buf - n - 1, text,
                   (size_t)r < sizeof text ? (size_t)r : sizeof text - 1);
        n += strlen(buf + n);
    }
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
