/*
 * Folded-frame rules (see frames.h).
 */
#include "format/frames.h"

#include <stdio.h>
#include <string.h>

#include "format/utf8.h"

size_t frame_char(const unsigned char *s, size_t len, enum frame_scope scope, bool *ok)
{
    if (s[0] >= 0x20 && s[0] < 0x7f) {
        *ok = s[0] != ';' || scope == FRAME_STACK;
        return 1;
    }
    unsigned cp;
    size_t n = utf8_decode(s, len, &cp);
    *ok = n && cp >= 0xa0; /* not C0, DEL or C1 */
    return n ? n : 1;
}

bool frame_is_clean(const char *s, size_t len, enum frame_scope scope)
{
    const unsigned char *u = (const unsigned char *)s;
    bool ok;
    for (size_t i = 0; i < len;) {
        i += frame_char(u + i, len - i, scope, &ok);
        if (!ok)
            return false;
    }
    return true;
}

size_t frame_sanitize(char *s, size_t len, enum frame_scope scope)
{
    unsigned char *u = (unsigned char *)s;
    size_t replaced = 0;
    bool ok;
    for (size_t i = 0; i < len;) {
        size_t n = frame_char(u + i, len - i, scope, &ok);
        if (!ok) {
            memset(u + i, FRAME_REPLACEMENT, n);
            replaced += n;
        }
        i += n;
    }
    return replaced;
}

void frame_sanitize_str(char *s)
{
    frame_sanitize(s, strlen(s), FRAME_ONE);
}

static int root_frame(char *out, size_t len, const char *name, const char *key, long id)
{
    int n = snprintf(out, len, "[%s %s=%ld]", name, key, id);
    /* only the name can need it; a cut multi-byte tail becomes '_' too */
    if (len)
        frame_sanitize(out + 1, strlen(out + 1), FRAME_ONE);
    return n;
}

int frame_thread_root(char *out, size_t len, const char *name, long tid)
{
    return root_frame(out, len, name, "tid", tid);
}

int frame_process_root(char *out, size_t len, const char *comm, long pid)
{
    return root_frame(out, len, comm, "pid", pid);
}

bool frame_is_thread_root(const char *s, size_t len)
{
    if (len < 7 || s[0] != '[' || s[len - 1] != ']')
        return false;
    /* "[name tid=123]": digits back to " tid=" */
    size_t i = len - 1;
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
        i--;
    return i < len - 1 && i >= 6 && memcmp(s + i - 5, " tid=", 5) == 0;
}

bool frame_is_pseudo(const char *s, size_t len)
{
    if (len < 2 || s[0] != '[' || s[len - 1] != ']')
        return false;
    if (len == sizeof FRAME_UNKNOWN - 1 && !memcmp(s, FRAME_UNKNOWN, len))
        return false;
    /* "[module+0xOFFSET]": an address in a module without symbols */
    const char *plus = memchr(s, '+', len);
    if (plus && plus > s + 1 && s + len - plus > 4 && plus[1] == '0' && plus[2] == 'x' &&
        !memchr(s, ' ', len))
        return false;
    return true;
}

bool frame_is_entry(const char *name)
{
    static const char *const entries[] = {"_start",   "clone",        "clone3",           "__clone",
                                          "__clone3", "start_thread", "__libc_start_main"};
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        if (strcmp(name, entries[i]) == 0)
            return true;
    return false;
}

int frame_line_suffix(char *out, size_t cap, const char *file, unsigned line)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t blen = strlen(base);
    char num[16];
    int nlen = snprintf(num, sizeof num, ":%u)", line);
    if (!blen || cap < 3 + (size_t)nlen + 1 + 1)
        return -1;
    size_t room = cap - 2 - (size_t)nlen - 1; /* " (" ... ":N)" NUL */
    if (blen > room) {
        base += blen - room;
        blen = room;
    }
    out[0] = ' ';
    out[1] = '(';
    memcpy(out + 2, base, blen);
    for (size_t i = 2; i < 2 + blen; i++)
        if (out[i] == '(' || out[i] == ')')
            out[i] = FRAME_REPLACEMENT;
    /* a name cut inside a UTF-8 character: its bytes become '_' too */
    frame_sanitize(out + 2, blen, FRAME_ONE);
    memcpy(out + 2 + blen, num, (size_t)nlen + 1);
    return (int)(2 + blen + (size_t)nlen);
}

size_t frame_line_suffix_len(const char *s, size_t len)
{
    if (len < 6 || s[len - 1] != ')')
        return 0;
    size_t i = len - 1, digits = 0;
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
        i--, digits++;
    if (!digits || digits > 10 || i == 0 || s[i - 1] != ':')
        return 0;
    i--; /* at ':' */
    size_t colon = i;
    while (i > 0 && s[i - 1] != '(' && s[i - 1] != ')')
        i--;
    /* s[i - 1] must be the '(' of " (", with a FILE of at least a byte */
    if (i < 3 || s[i - 1] != '(' || s[i - 2] != ' ' || colon == i)
        return 0;
    return len - (i - 2);
}
