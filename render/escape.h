#ifndef FLAMEPRE_RENDER_ESCAPE_H
#define FLAMEPRE_RENDER_ESCAPE_H
/*
 * Escaping of untrusted names (frame names come from any folded file) for
 * the text formats flamepre writes. Every writer goes through these; none
 * prints a name raw.
 *
 * Both escapers also repair the text: invalid UTF-8 (stray bytes, overlong
 * forms, surrogates, > U+10FFFF) and characters XML 1.0 forbids (C0 controls,
 * U+FFFE/U+FFFF) become U+FFFD, so the output is always valid UTF-8.
 */
#include <stddef.h>
#include <stdio.h>

#include "format/utf8.h" /* utf8_decode */

/* XML text and attribute values: & < > " ' as entities. */
void xml_escape(FILE *f, const char *s, size_t len);
/* Inside a JSON/JavaScript string literal (quotes not included): also
 * escapes '<' '>' '&' and U+2028/U+2029 as \uXXXX, so the text can sit in an
 * HTML <script> ("</script>" cannot close it) and in JSON files. */
void json_escape(FILE *f, const char *s, size_t len);

/* Plain text for a terminal, a Markdown table or a folded file: the frame
 * rule of format/frames.h (FRAME_ONE) written to a stream. Valid UTF-8
 * passes through; every byte of a C0 control (NUL, ESC, CR, tab...), DEL,
 * a C1 control (U+0080..U+009F: 8-bit CSI and friends), an invalid
 * sequence, and ';', becomes '_', so a name can neither move the cursor
 * nor inject escape sequences, nor split a folded line or frame. */
void text_sanitize(FILE *f, const char *s, size_t len);
/* True if text_sanitize would write s unchanged. */
int text_is_clean(const char *s, size_t len);

#endif
