#ifndef FLAMEPRE_FORMAT_JSON_H
#define FLAMEPRE_FORMAT_JSON_H
/*
 * A small JSON reader (RFC 8259) for the CLI: meta.json files
 * (format/meta_keys.h), which the CLI used to read back by searching the
 * text for "\"period_ns\"" (and so took a key of a nested object, or one
 * inside a string, for the top-level one).
 *
 * Model: json_parse turns a whole document into a tree of struct json
 * nodes, every string decoded (escapes, \uXXXX pairs into UTF-8) and every
 * number kept as read and as its int64/uint64/double values where they are
 * exact. The reader is strict, as a reader of untrusted files should be:
 * the grammar exactly (no comments, no trailing commas, no leading zeros,
 * no NaN), strings of valid UTF-8 with no raw control characters and no
 * lone surrogate escapes, nesting at most JSON_MAX_DEPTH deep, nothing but
 * whitespace after the value. A failure says what and at which byte.
 *
 * Not for the host: the CLI only (the Makefile keeps it out of the
 * library). Allocates; not async-signal-safe.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64

enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
};

/* Number flags: which exact views a number has. */
enum { JSON_NUM_INT64 = 1, JSON_NUM_UINT64 = 2 };

struct json_member;

struct json {
    enum json_type type;
    union {
        struct {
            char *s; /* UTF-8, NUL-terminated; may hold NULs (\u0000) */
            size_t len;
        } str;
        struct {
            unsigned flags; /* JSON_NUM_*: i / u are exact */
            int64_t i;
            uint64_t u;
            double d; /* always set (nearest double; +-HUGE_VAL past range) */
        } num;
        struct {
            struct json *items;
            size_t n;
        } arr;
        struct {
            struct json_member *members; /* in document order */
            size_t n;
        } obj;
    } v;
};

struct json_member {
    char *key; /* decoded like a string value */
    size_t key_len;
    struct json value;
};

struct json_error {
    size_t offset;   /* byte of the input where the problem is */
    const char *msg; /* static text: "expected ':'", "invalid escape" ... */
};

/* Parse text[0..len). Returns the root (free with json_free), or NULL
 * with *err set (err may be NULL); ENOMEM is an error "out of memory". */
struct json *json_parse(const char *text, size_t len, struct json_error *err);
void json_free(struct json *root);
/* json_parse of the file at path, of at most max bytes (a larger file is
 * refused: "file too large"). NULL with *err set also when the file cannot
 * be read (msg "cannot read the file", errno kept). */
struct json *json_parse_file(const char *path, size_t max, struct json_error *err);

/* Member `key` of an object (the first, if repeated), or NULL when v is
 * NULL, not an object, or has no such key. Chains: json_get(json_get(m,
 * "metrics"), "cpu"). */
const struct json *json_get(const struct json *v, const char *key);
/* The string of a JSON_STRING (NUL-terminated), else NULL. */
const char *json_string(const struct json *v);
/* A number as uint64 / int64 / double: true and *out set when v is a
 * number exactly representable so (for double: any number). */
bool json_uint64(const struct json *v, uint64_t *out);
bool json_int64(const struct json *v, int64_t *out);
bool json_double(const struct json *v, double *out);

#endif
