/*
 * Escapers (contract in escape.h). A strict UTF-8 decoder (format/utf8.h)
 * is needed rather than byte passthrough: one invalid byte makes a whole
 * SVG unreadable ("not well-formed"), and Chrome refuses to show it.
 */
#include "render/escape.h"

#include "format/frames.h"

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
        case '&':
            fputs("&amp;", f);
            i++;
            continue;
        case '<':
            fputs("&lt;", f);
            i++;
            continue;
        case '>':
            fputs("&gt;", f);
            i++;
            continue;
        case '"':
            fputs("&quot;", f);
            i++;
            continue;
        case '\'':
            fputs("&apos;", f);
            i++;
            continue;
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

int text_is_clean(const char *s, size_t len)
{
    return frame_is_clean(s, len, FRAME_ONE);
}

void text_sanitize(FILE *f, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0; /* clean bytes not yet written start at i - run */
    bool ok;
    while (i < len) {
        size_t n = frame_char(u + i, len - i, FRAME_ONE, &ok);
        if (ok) {
            i += n;
            run += n;
            continue;
        }
        if (run)
            fwrite(u + i - run, 1, run, f);
        run = 0;
        for (size_t k = 0; k < n; k++)
            fputc(FRAME_REPLACEMENT, f);
        i += n;
    }
    if (run)
        fwrite(u + i - run, 1, run, f);
}
