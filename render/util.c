/*
 * CLI helpers: error/warning printing and ENOMEM-safe array growth. The hash
 * is a fixed function of the bytes (no seed) because frame colors are derived
 * from it and must be identical in every graph and every run.
 */
#include "render/util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("flamepre: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    fputs("flamepre: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void bad_option(char **argv, const char *cmd)
{
    if (optopt && optopt < 256)
        cli_error("%s: unknown option or missing argument: -%c", cmd, optopt);
    else
        cli_error("%s: unknown option or missing argument: %s", cmd, argv[optind - 1]);
    fprintf(stderr, "Try 'flamepre %s --help'.\n", cmd);
}

const char *path_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Digits of v (< 1e18) into out, no terminator; returns the length. */
static size_t fmt_u64(char *out, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t fmt_fixed(char *out, double v, int prec)
{
    static const double pow10[] = {1, 10, 100, 1000};
    double t = prec >= 0 && prec <= 3 ? v * pow10[prec] : -1;
    if (t >= 0 && t < 1e11 && !signbit(v)) {
        double r = floor(t), frac = t - r;
        /* far from a rounding tie, the product's error cannot change the
         * rounding printf does on the exact binary value */
        if (frac < 0.499 || frac > 0.501) {
            uint64_t q = (uint64_t)r + (frac > 0.5);
            uint64_t scale = (uint64_t)pow10[prec];
            size_t n = fmt_u64(out, q / scale);
            if (prec) {
                uint64_t f = q % scale;
                out[n++] = '.';
                for (int i = prec - 1; i >= 0; i--) {
                    out[n + (size_t)i] = (char)('0' + f % 10);
                    f /= 10;
                }
                n += (size_t)prec;
            }
            out[n] = '\0';
            return n;
        }
    }
    int n = snprintf(out, 48, "%.*f", prec, v);
    return n < 0 ? 0 : n > 47 ? 47 : (size_t)n; /* |v| >= 1e40: truncated */
}

size_t fmt_g15(char *out, double v)
{
    if (v >= 0 && v < 1e15 && v == floor(v) && !(v == 0 && signbit(v))) {
        size_t n = fmt_u64(out, (uint64_t)v);
        out[n] = '\0';
        return n;
    }
    int n = snprintf(out, 48, "%.15g", v);
    return n < 0 ? 0 : n > 47 ? 47 : (size_t)n;
}
