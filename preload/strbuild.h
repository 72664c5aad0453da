#ifndef FLAMEPRE_STRBUILD_H
#define FLAMEPRE_STRBUILD_H
/*
 * Building short strings by hand, for paths the host makes on its start
 * and in its interposers: snprintf would touch printf's pages of libc, a
 * page fault each in a program that never formats (tens of microseconds
 * in a VM), and is not async-signal-safe. Each appends to [out, end),
 * cutting what does not fit, and returns the new end of the text; no NUL
 * is written.
 */
static inline char *sb_str(char *out, char *end, const char *s)
{
    while (*s && out < end)
        *out++ = *s++;
    return out;
}

static inline char *sb_uint(char *out, char *end, unsigned v)
{
    char d[10];
    int k = 0;
    do
        d[k++] = (char)('0' + v % 10);
    while ((v /= 10) && k < 10);
    while (k > 0 && out < end)
        *out++ = d[--k];
    return out;
}

/* v as exactly 16 lower-case hex digits. */
static inline char *sb_hex64(char *out, char *end, unsigned long long v)
{
    for (int shift = 60; shift >= 0 && out < end; shift -= 4)
        *out++ = "0123456789abcdef"[(v >> shift) & 15];
    return out;
}

#endif
