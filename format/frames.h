#ifndef FLAMEPRE_FORMAT_FRAMES_H
#define FLAMEPRE_FORMAT_FRAMES_H
/*
 * The folded-frame rules (DESIGN.md section 3), for every writer of frame
 * names: the collector (symbol and thread names into .folded files) and the
 * CLI (folded, top, pprof names, the process-tree frames).
 *
 * What a frame may contain: valid UTF-8 without control characters. The one
 * sanitizing rule replaces, byte for byte, with FRAME_REPLACEMENT ('_'):
 *  - C0 controls (NUL, tab, newline, ESC...) and DEL, which split or cut a
 *    folded line or drive a terminal;
 *  - C1 controls (U+0080..U+009F; each of the two bytes), an 8-bit CSI
 *    among them;
 *  - every byte of an invalid UTF-8 sequence (a stray byte, an overlong
 *    form, a surrogate), so every output is valid UTF-8;
 *  - ';' inside one frame name (FRAME_ONE), where it would split the frame;
 *    a whole stack (FRAME_STACK) keeps it as the separator.
 * Byte for byte, so sanitizing works in place and never changes a length.
 *
 * History: there were two rules, the collector's ('_' for C0, DEL and ';',
 * other bytes kept) and the CLI's ('?' per character, also for C1 and
 * invalid UTF-8). The collector's replacement character is kept (a '_'
 * reads as part of a name, and folded files written before stay as they
 * were); the CLI's wider set is kept (a file flamepre did not write can
 * hold anything, and the collector's symbol names come from any binary).
 *
 * Marker frames say that a stack is not whole or a frame has no name; they
 * are bracketed like the "[module+0xoffset]" fallback, so the renderers
 * draw them in a neutral colour. Root frames name the thread ("[name
 * tid=N]", first frame with FLAMEPRE_THREADS=1) or the process ("[comm
 * pid=N]", the process-tree view of `record`).
 *
 * Pure; any context but a signal handler (snprintf).
 */
#include <stdbool.h>
#include <stddef.h>

#define FRAME_REPLACEMENT '_'

/* ---- marker frames ---- */
#define FRAME_UNKNOWN "[unknown]"             /* no module maps the address */
#define FRAME_TRUNCATED "[truncated]"         /* deeper than FLAMEPRE_DEPTH: root side cut */
#define FRAME_UNWIND_FAILED "[unwind failed]" /* the unwinder stopped early */
#define FRAME_NOT_UNWOUND_LOADER "[not unwound: in loader or unwinder]"
#define FRAME_NOT_UNWOUND_LOW_STACK "[not unwound: low stack]"
#define FRAME_NO_FRAMES "[no frames]"                   /* a record with an empty stack */
#define FRAME_INCOMPLETE "[incomplete: no unwind info]" /* the walk ended short of an entry point */
#define FRAME_SELF "[flamepre]"                         /* time inside the profiler itself */
#define FRAME_JIT_SUFFIX "_[j]"                         /* named from a JIT's perf map */
#define FRAME_INLINED_SUFFIX " (inlined)" /* a function inlined into the frame before it */

/* ---- source lines ----
 * With FLAMEPRE_LINES a frame ends in a line suffix: " (FILE:LINE)", FILE
 * the source file's base name, LINE 1..4294967295 in decimal. The rule
 * that makes it unambiguous: FILE is not empty and holds no '(' or ')'
 * (frame_line_suffix writes '_' for them, as for a control character), so
 * a frame has a suffix exactly when it ends in ')' and the text from the
 * last " (" on is " (" + such a FILE + ':' + digits + ')'. A C++ name
 * ends in ')' (its parameters) but never in " (x.cc:12)". */
#define FRAME_LINE_SUFFIX_MAX 96
/* Write " (<base name of file>:<line>)" into out (cap bytes; a long file
 * name is cut from the left, keeping its end). Returns its length, or -1
 * when file has no name. */
int frame_line_suffix(char *out, size_t cap, const char *file, unsigned line);
/* Length of the line suffix at the end of s[0..len), 0 when none: the
 * frame without it is s[0..len - returned). */
size_t frame_line_suffix_len(const char *s, size_t len);

enum frame_scope { FRAME_ONE, FRAME_STACK };

/* Length of the character at s (1..4; len >= 1) and, in *ok, whether a
 * frame may hold it (the rule above; ';' is allowed only in FRAME_STACK).
 * An invalid byte is a character of length 1. */
size_t frame_char(const unsigned char *s, size_t len, enum frame_scope scope, bool *ok);
/* True if frame_sanitize would change nothing. */
bool frame_is_clean(const char *s, size_t len, enum frame_scope scope);
/* Apply the rule to s[0..len) in place. Returns the bytes replaced. */
size_t frame_sanitize(char *s, size_t len, enum frame_scope scope);
/* The same on a NUL-terminated string (FRAME_ONE). */
void frame_sanitize_str(char *s);

/* "[<name> tid=<tid>]" into out (len bytes, cut if short), the name
 * sanitized. Returns the length snprintf would have written. */
int frame_thread_root(char *out, size_t len, const char *name, long tid);
/* "[<comm> pid=<pid>]", the same way. */
int frame_process_root(char *out, size_t len, const char *comm, long pid);
/* True if s[0..len) is a thread root frame: '[', text, " tid=", digits, ']'. */
bool frame_is_thread_root(const char *s, size_t len);
/* True for a frame that names no code: a thread or process root ("[name
 * tid=N]", "[comm pid=N]"), a marker ("[unwind failed]", "[not unwound:
 * ...]", a lock's "[mutex 0x...]"). Code that has no symbol ("[unknown]",
 * "[libc.so.6+0x9a2b1]") is not pseudo. */
bool frame_is_pseudo(const char *s, size_t len);
/* True if name is where every whole stack ends: a program's entry
 * (_start, __libc_start_main) or a thread's start (clone, start_thread). */
bool frame_is_entry(const char *name);

#endif
