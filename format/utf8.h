#ifndef FLAMEPRE_FORMAT_UTF8_H
#define FLAMEPRE_FORMAT_UTF8_H
/*
 * Strict UTF-8 (RFC 3629), shared by every writer and reader of text that
 * came from elsewhere: frame names, comm and argv in meta.json, JSON
 * strings. Strict because one invalid byte makes a whole SVG unreadable
 * ("not well-formed") and a JSON reader refuse the file. Pure; any context
 * (no state, no allocation).
 */
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1..4; len >= 1 bytes
 * available), or 0 if invalid: a stray continuation byte, an overlong
 * form, a surrogate (U+D800..U+DFFF), above U+10FFFF, or cut short.
 * *cp gets the code point. */
size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp);

/* Encode cp (<= U+10FFFF, not a surrogate) into out; returns the length
 * (1..4), or 0 if cp is not a Unicode scalar value. */
size_t utf8_encode(unsigned cp, char out[4]);

#endif
