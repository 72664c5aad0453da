/*
 * Escapers (contract in escape.h). A strict UTF-8 decoder (format/utf8.h)
 * is needed rather than byte passthrough: one invalid byte makes a whole
 * SVG unreadable ("not well-formed"), and Chrome refuses to show it.
 */
#include "render/escape.h"

#include <stdbool.h>

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Valid UTF-8 that XML 1.0 allows as a character? */
static bool xml_char_ok(unsigned cp)
{
    if (cp < 0x20)
        return false; /* tab/newline are legal XML but not legal in a frame name */
    if (cp == 0x7f || cp == 0xfffe || cp == 0xffff)
        return false;
    return true;
}

void xml_escape(FILE *f, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* a run of plain printable ASCII goes out in one fwrite */
        size_t j = i;
        while (j < len && u[j] >= 0x20 && u[j] < 0x7f && u[j] != '&' && u[j] != '<' &&
               u[j] != '>' && u[j] != '"' && u[j] != '\'')
            j++;
        if (j > i) {
            fwrite(u + i, 1, j - i, f);
            i = j;
            if (i == len)
                break;
        }
        unsigned char c = u[i];
        switch (c) {
        case '&': fputs("&amp;", f); i++; continue;
        case '<': fputs("&lt;", f); i++; continue;
        case '>': fputs("&gt;", f); i++; continue;
        case '"': fputs("&quot;", f); i++; continue;
        case '\'': fputs("&apos;", f); i++; continue;
        default: break;
        }
        unsigned cp;
        size_t n = utf8_decode(u + i, len - i, &cp);
        if (!n) {
            fputs(replacement, f);
            i++;
        } else if (!xml_char_ok(cp)) {
            fputs(replacement, f);
            i += n;
        } else {
            fwrite(u + i, 1, n, f);
            i += n;
        }
    }
}

void json_escape(FILE *f, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && u[j] >= 0x20 && u[j] < 0x7f && u[j] != '"' && u[j] != '\\' &&
               u[j] != '<' && u[j] != '>' && u[j] != '&')
            j++;
        if (j > i) {
            fwrite(u + i, 1, j - i, f);
            i = j;
            if (i == len)
                break;
        }
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            i++;
            continue;
        }
        if (c == '<' || c == '>' || c == '&') {
            fprintf(f, "\\u%04x", c);
            i++;
            continue;
        }
        unsigned cp;
        size_t n = utf8_decode(u + i, len - i, &cp);
        if (!n || !xml_char_ok(cp)) {
            fputs("\\ufffd", f);
            i += n ? n : 1;
        } else if (cp == 0x2028 || cp == 0x2029) {
            fprintf(f, "\\u%04x", cp);
            i += n;
        } else {
            fwrite(u + i, 1, n, f);
            i += n;
        }
    }
}

/* Length of the character at u (1 for an invalid byte); *ok: may be written
 * as is. A valid but forbidden character (C1) is one '?' for all its bytes. */
static size_t text_char(const unsigned char *u, size_t len, int *ok)
{
    *ok = 1;
    if (u[0] >= 0x20 && u[0] < 0x7f)
        return 1;
    unsigned cp;
    size_t n = utf8_decode(u, len, &cp);
    if (!n || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
        *ok = 0;
        return n ? n : 1;
    }
    return n;
}

int text_is_clean(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    int ok;
    for (size_t i = 0; i < len;) {
        i += text_char(u + i, len - i, &ok);
        if (!ok)
            return 0;
    }
    return 1;
}

void text_sanitize(FILE *f, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0; /* clean bytes not yet written start at i - run */
    int ok;
    while (i < len) {
        size_t n = text_char(u + i, len - i, &ok);
        if (ok) {
            i += n;
            run += n;
            continue;
        }
        if (run)
            fwrite(u + i - run, 1, run, f);
        run = 0;
        fputc('?', f);
        i += n;
    }
    if (run)
        fwrite(u + i - run, 1, run, f);
}
