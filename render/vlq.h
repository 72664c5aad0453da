#ifndef FLAMEPRE_RENDER_VLQ_H
#define FLAMEPRE_RENDER_VLQ_H
/*
 * The integers of the HTML pages' data tables (html.c, heatmap.c) as
 * base64 VLQ: 5 data bits a character, least significant first, 0x20 =
 * more follows, in the URL-safe base64 alphabet, so the usual small
 * values take one character and none needs JSON escaping. The pages'
 * scripts (render/js/html.js, heatmap.js) decode the same alphabet.
 */
#include <stdint.h>

#define VLQ_MAX 13 /* digits that hold 64 bits */

static const char vlq_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Append v at d (VLQ_MAX bytes of room); returns the end. */
static inline char *vlq(char *d, uint64_t v)
{
    while (v >= 32) {
        *d++ = vlq_digits[(v & 31) | 32];
        v >>= 5;
    }
    *d++ = vlq_digits[v];
    return d;
}

#endif
