/*
 * libFuzzer target: the meta.json reader (format/json.h), which reads
 * files anyone could have written into an output directory.
 *
 * Input: the whole input is the document (no option byte: the reader has
 * no options). Oracles:
 *  - a refusal has a message and an offset inside the input;
 *  - an accepted tree is well formed: nesting within JSON_MAX_DEPTH,
 *    strings NUL-terminated at their length and valid UTF-8 (NUL allowed,
 *    from \u0000), integer views of a number agree with its double;
 *  - written back as JSON (integers exactly, doubles with 17 digits) it
 *    parses again into an equal tree.
 *
 *   make fuzz                        (bounded run with the seed corpus)
 *   build/fuzz/fuzz_json CRASHFILE   (replay one input)
 */
#include "tests/fuzz/fuzz_common.h"
#include "format/json.h"
#include "format/utf8.h"

#include <inttypes.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_INITIALIZE_DEFAULT()

static void check_string(const char *s, size_t len)
{
    if (s[len] != '\0')
        fuzz_fail("string not NUL-terminated at its length");
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (!n)
            fuzz_fail("invalid UTF-8 in a decoded string at %zu", i);
        i += n;
    }
}

static void check(const struct json *v, unsigned depth)
{
    switch (v->type) {
    case JSON_STRING: check_string(v->v.str.s, v->v.str.len); break;
    case JSON_NUMBER:
        if ((v->v.num.flags & JSON_NUM_UINT64) && (double)v->v.num.u != v->v.num.d)
            fuzz_fail("uint64 %" PRIu64 " and double %.17g disagree", v->v.num.u, v->v.num.d);
        if ((v->v.num.flags & JSON_NUM_INT64) && (double)v->v.num.i != v->v.num.d)
            fuzz_fail("int64 %" PRId64 " and double %.17g disagree", v->v.num.i, v->v.num.d);
        break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        if (depth >= JSON_MAX_DEPTH)
            fuzz_fail("nested deeper than JSON_MAX_DEPTH");
        if (v->type == JSON_ARRAY)
            for (size_t i = 0; i < v->v.arr.n; i++)
                check(&v->v.arr.items[i], depth + 1);
        else
            for (size_t i = 0; i < v->v.obj.n; i++) {
                check_string(v->v.obj.members[i].key, v->v.obj.members[i].key_len);
                check(&v->v.obj.members[i].value, depth + 1);
            }
        break;
    default: break;
    }
}

static void write_string(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\')
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void write_json(FILE *f, const struct json *v)
{
    switch (v->type) {
    case JSON_NULL: fputs("null", f); break;
    case JSON_TRUE: fputs("true", f); break;
    case JSON_FALSE: fputs("false", f); break;
    case JSON_STRING: write_string(f, v->v.str.s, v->v.str.len); break;
    case JSON_NUMBER:
        if (v->v.num.flags & JSON_NUM_UINT64)
            fprintf(f, "%" PRIu64, v->v.num.u);
        else if (v->v.num.flags & JSON_NUM_INT64)
            fprintf(f, "%" PRId64, v->v.num.i);
        else if (isinf(v->v.num.d))
            fputs(v->v.num.d < 0 ? "-1e999" : "1e999", f);
        else
            fprintf(f, "%.17e", v->v.num.d);
        break;
    case JSON_ARRAY:
        fputc('[', f);
        for (size_t i = 0; i < v->v.arr.n; i++) {
            if (i)
                fputc(',', f);
            write_json(f, &v->v.arr.items[i]);
        }
        fputc(']', f);
        break;
    case JSON_OBJECT:
        fputc('{', f);
        for (size_t i = 0; i < v->v.obj.n; i++) {
            if (i)
                fputc(',', f);
            write_string(f, v->v.obj.members[i].key, v->v.obj.members[i].key_len);
            fputc(':', f);
            write_json(f, &v->v.obj.members[i].value);
        }
        fputc('}', f);
        break;
    }
}

static bool same(const struct json *a, const struct json *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case JSON_STRING:
        return a->v.str.len == b->v.str.len && !memcmp(a->v.str.s, b->v.str.s, a->v.str.len);
    case JSON_NUMBER:
        /* -0.0 == 0.0 is fine: both mean zero */
        return a->v.num.flags == b->v.num.flags && a->v.num.u == b->v.num.u &&
               a->v.num.i == b->v.num.i && a->v.num.d == b->v.num.d;
    case JSON_ARRAY:
        if (a->v.arr.n != b->v.arr.n)
            return false;
        for (size_t i = 0; i < a->v.arr.n; i++)
            if (!same(&a->v.arr.items[i], &b->v.arr.items[i]))
                return false;
        return true;
    case JSON_OBJECT:
        if (a->v.obj.n != b->v.obj.n)
            return false;
        for (size_t i = 0; i < a->v.obj.n; i++) {
            const struct json_member *x = &a->v.obj.members[i], *y = &b->v.obj.members[i];
            if (x->key_len != y->key_len || memcmp(x->key, y->key, x->key_len) ||
                !same(&x->value, &y->value))
                return false;
        }
        return true;
    default: return true;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_error err = {0};
    struct json *root = json_parse((const char *)data, size, &err);
    if (!root) {
        if (!err.msg || err.offset > size)
            fuzz_fail("refusal without a message or past the input (%zu > %zu)", err.offset, size);
        return 0;
    }
    check(root, 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        abort();
    write_json(f, root);
    if (fclose(f) != 0)
        abort();
    struct json *again = json_parse(text, len, &err);
    if (!again)
        fuzz_fail("written back, refused at %zu: %s: %.200s", err.offset, err.msg, text);
    if (!same(root, again))
        fuzz_fail("written back, parses differently: %.200s", text);
    json_free(again);
    free(text);
    json_free(root);
    return 0;
}
