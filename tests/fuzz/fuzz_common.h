/*
 * Shared helpers of the libFuzzer targets (tests/fuzz/fuzz_*.c): input
 * option decoding, profile invariant checks and output validators. Each
 * check that fails calls fuzz_fail(), which prints what broke and aborts, so
 * libFuzzer saves the input as a crash artifact.
 *
 * Input format of every target: byte 0 selects options (FUZZ_OPT_*), the
 * remaining bytes are the folded file. Seeds in tests/fuzz/corpus/ start
 * with that byte too.
 */
#ifndef FLAMEPRE_FUZZ_COMMON_H
#define FLAMEPRE_FUZZ_COMMON_H

#include "render/escape.h"
#include "render/parse.h"
#include "render/profile.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    FUZZ_OPT_LENIENT = 1,
    FUZZ_OPT_MERGE_THREADS = 2,
    FUZZ_OPT_REVERSE = 4,
    FUZZ_OPT_COLLAPSE = 8,
    FUZZ_OPT_THREAD_RE = 16,
    FUZZ_OPT_INVERTED = 32, /* render target: icicle */
    FUZZ_OPT_MINWIDTH = 64, /* render target: minwidth 5px instead of 0 */
    FUZZ_OPT_SORT_WEIGHT = 128,
};

/* The parser reports malformed lines with cli_error() on `stderr`; with
 * thousands of executions per second that drowns libFuzzer's own status
 * lines. Point the `stderr` FILE* of the code under test at /dev/null and
 * keep the real stream for our own messages. libFuzzer captured the original
 * FILE* at start-up and ASan/UBSan write to fd 2 directly, so crash reports
 * are unaffected. FUZZ_VERBOSE=1 keeps the parser's messages. */
static FILE *fuzz_err;
static regex_t fuzz_thread_re;

static inline void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static inline void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz check failed: ", fuzz_err);
    vfprintf(fuzz_err, fmt, ap);
    fputc('\n', fuzz_err);
    va_end(ap);
    fflush(fuzz_err);
    abort();
}

static inline void fuzz_setup(void)
{
    fuzz_err = stderr;
    if (!getenv("FUZZ_VERBOSE")) {
        FILE *null = fopen("/dev/null", "w");
        if (null)
            stderr = null;
    }
    if (regcomp(&fuzz_thread_re, "worker|^\\[main", REG_EXTENDED | REG_NOSUB) != 0)
        abort();
}

/* The LLVMFuzzerInitialize of a target that needs only fuzz_setup. */
#define FUZZ_INITIALIZE_DEFAULT()                      \
    int LLVMFuzzerInitialize(int *argc, char ***argv); \
    int LLVMFuzzerInitialize(int *argc, char ***argv)  \
    {                                                  \
        (void)argc;                                    \
        (void)argv;                                    \
        fuzz_setup();                                  \
        return 0;                                      \
    }

static inline struct parse_opts fuzz_parse_opts(unsigned char b)
{
    struct parse_opts o = {
        .lenient = b & FUZZ_OPT_LENIENT,
        .merge_threads = b & FUZZ_OPT_MERGE_THREADS,
        .reverse = b & FUZZ_OPT_REVERSE,
        .collapse_recursion = b & FUZZ_OPT_COLLAPSE,
        .thread_re = (b & FUZZ_OPT_THREAD_RE) ? &fuzz_thread_re : NULL,
    };
    return o;
}

static inline int close_enough(double a, double b)
{
    double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= 1e-9 * (m > 1 ? m : 1);
}

/* Trie invariants of profile.h after profile_finish(). */
static inline void fuzz_check_profile(struct profile *p)
{
    size_t n = profile_node_count(p);
    if (n == 0)
        fuzz_fail("profile has no root");
    const struct pnode *root = profile_node(p, 0);
    if (root->parent != PNODE_NONE || root->depth != 0 || root->name != 0)
        fuzz_fail("bad root node");
    size_t names = profile_name_count(p);
    for (size_t i = 0; i < n; i++) {
        const struct pnode *nd = profile_node(p, (uint32_t)i);
        if (nd->name >= names)
            fuzz_fail("node %zu: name id %u >= %zu names", i, nd->name, names);
        if (!(nd->self >= 0) || !isfinite(nd->self))
            fuzz_fail("node %zu: self %g", i, nd->self);
        if (i && (nd->parent >= i || profile_node(p, nd->parent)->depth + 1 != nd->depth))
            fuzz_fail("node %zu: parent %u / depth %u inconsistent", i, nd->parent, nd->depth);
        double sum = nd->self;
        for (uint32_t c = nd->first_child; c != PNODE_NONE; c = profile_node(p, c)->next_sibling) {
            if (c <= i || c >= n || profile_node(p, c)->parent != i)
                fuzz_fail("node %zu: bad child %u", i, c);
            sum += profile_node(p, c)->total;
        }
        if (!close_enough(sum, nd->total))
            fuzz_fail("node %zu: total %.17g != self + children %.17g", i, nd->total, sum);
    }
}

/* Two profiles built from the same input by different entry points must be
 * the same trie (same node order: both insert in input order). */
static inline void fuzz_check_same(struct profile *a, struct profile *b)
{
    size_t n = profile_node_count(a);
    if (n != profile_node_count(b))
        fuzz_fail("mem parse: %zu nodes, fd parse: %zu nodes", n, profile_node_count(b));
    for (size_t i = 0; i < n; i++) {
        const struct pnode *x = profile_node(a, (uint32_t)i), *y = profile_node(b, (uint32_t)i);
        size_t lx, ly;
        const char *sx = profile_name(a, x->name, &lx), *sy = profile_name(b, y->name, &ly);
        if (x->parent != y->parent || x->self != y->self || lx != ly || memcmp(sx, sy, lx))
            fuzz_fail("node %zu differs between mem and fd parse", i);
    }
}

/* Output validators. The writers promise (escape.h) valid UTF-8 without C0
 * controls other than \t \n \r, and text that cannot end the construct it
 * sits in. */
static inline void fuzz_check_utf8(const char *what, const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t k = utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (k == 0)
            fuzz_fail("%s: invalid UTF-8 at byte %zu (0x%02x)", what, i, (unsigned char)s[i]);
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xfffe || cp == 0xffff)
            fuzz_fail("%s: forbidden character U+%04X at byte %zu", what, cp, i);
        i += k;
    }
}

/* XML escaping: the result contains no < > " ' and every & starts an entity. */
static inline void fuzz_check_xml_text(const char *s, size_t len)
{
    fuzz_check_utf8("xml_escape", s, len);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '<' || s[i] == '>' || s[i] == '"' || s[i] == '\'')
            fuzz_fail("xml_escape left '%c' at byte %zu", s[i], i);
        if (s[i] == '&') {
            static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"};
            int ok = 0;
            for (size_t e = 0; e < sizeof(ents) / sizeof(ents[0]); e++)
                if (!strncmp(s + i, ents[e], strlen(ents[e])))
                    ok = 1;
            if (!ok)
                fuzz_fail("xml_escape: bare '&' at byte %zu", i);
        }
    }
}

/* JSON/JS string body: no raw " or \ except in escapes, no raw < > &,
 * U+2028/2029 or controls. */
static inline void fuzz_check_json_text(const char *s, size_t len)
{
    fuzz_check_utf8("json_escape", s, len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '<' || c == '>' || c == '&' || c < 0x20)
            fuzz_fail("json_escape left 0x%02x at byte %zu", c, i);
        if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
            ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9))
            fuzz_fail("json_escape left U+2028/2029 raw at byte %zu", i);
        if (c == '\\') {
            if (i + 1 >= len)
                fuzz_fail("json_escape: trailing backslash");
            char e = s[i + 1];
            if (e == 'u') {
                if (len - i < 6)
                    fuzz_fail("json_escape: short \\u escape");
                i += 5;
            } else if (strchr("\"\\/bfnrt", e)) {
                i += 1;
            } else {
                fuzz_fail("json_escape: bad escape \\%c", e);
            }
        }
    }
}

#endif
