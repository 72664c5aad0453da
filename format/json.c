/*
 * Recursive-descent JSON reader (contract in json.h).
 *
 * One function per production of RFC 8259's grammar (value, object, array,
 * string, number), each reading from a cursor over the input and filling a
 * node in place. Recursion is bounded by JSON_MAX_DEPTH, so a hostile
 * "[[[[..." cannot exhaust the stack. On failure the first error is kept
 * (message and offset) and the partial tree is freed by the caller's
 * json_free: every node is valid (zeroed) from the moment it exists.
 */
#include "format/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/utf8.h"

struct parser {
    const unsigned char *s;
    size_t len, pos;
    unsigned depth;
    struct json_error err;
};

static bool fail(struct parser *p, size_t at, const char *msg)
{
    if (!p->err.msg) {
        p->err.offset = at;
        p->err.msg = msg;
    }
    return false;
}

static void skip_ws(struct parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        p->pos++;
    }
}

static bool value(struct parser *p, struct json *out);

/* ---- strings ---- */

/* A growing byte buffer for a decoded string. */
struct sbuf {
    char *b;
    size_t len, cap;
};

static bool sbuf_add(struct sbuf *sb, const void *data, size_t n)
{
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 32;
        while (cap < sb->len + n + 1)
            cap *= 2;
        char *nb = realloc(sb->b, cap);
        if (!nb)
            return false;
        sb->b = nb;
        sb->cap = cap;
    }
    memcpy(sb->b + sb->len, data, n);
    sb->len += n;
    sb->b[sb->len] = '\0';
    return true;
}

static int hex4(const unsigned char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    return v;
}

/* \uXXXX at p->pos (after the backslash and 'u'), with its low half when
 * it is a high surrogate. */
static bool unicode_escape(struct parser *p, struct sbuf *sb)
{
    size_t at = p->pos - 2;
    if (p->len - p->pos < 4)
        return fail(p, at, "truncated \\u escape");
    int hi = hex4(p->s + p->pos);
    if (hi < 0)
        return fail(p, at, "invalid \\u escape");
    p->pos += 4;
    unsigned cp = (unsigned)hi;
    if (hi >= 0xdc00 && hi <= 0xdfff)
        return fail(p, at, "lone low surrogate escape");
    if (hi >= 0xd800 && hi <= 0xdbff) {
        if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
            return fail(p, at, "high surrogate escape without its low half");
        int lo = hex4(p->s + p->pos + 2);
        if (lo < 0xdc00 || lo > 0xdfff)
            return fail(p, at, "high surrogate escape without its low half");
        p->pos += 6;
        cp = 0x10000 + (((unsigned)hi - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
    }
    char u[4];
    size_t n = utf8_encode(cp, u);
    return sbuf_add(sb, u, n) || fail(p, at, "out of memory");
}

/* A string at p->pos (the opening quote), decoded into *s, *len. */
static bool string(struct parser *p, char **s, size_t *len)
{
    struct sbuf sb = {0};
    size_t start = p->pos++;
    if (!sbuf_add(&sb, "", 0))
        return fail(p, start, "out of memory");
    for (;;) {
        /* a run of plain bytes is copied at once */
        size_t run = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= 0x20 && p->s[p->pos] < 0x80 &&
               p->s[p->pos] != '"' && p->s[p->pos] != '\\')
            p->pos++;
        if (p->pos > run && !sbuf_add(&sb, p->s + run, p->pos - run))
            goto oom;
        if (p->pos >= p->len) {
            fail(p, start, "unterminated string");
            goto bad;
        }
        unsigned char c = p->s[p->pos];
        if (c == '"') {
            p->pos++;
            *s = sb.b;
            *len = sb.len;
            return true;
        }
        if (c < 0x20) {
            fail(p, p->pos, "control character in string");
            goto bad;
        }
        if (c >= 0x80) {
            unsigned cp;
            size_t n = utf8_decode(p->s + p->pos, p->len - p->pos, &cp);
            if (!n) {
                fail(p, p->pos, "invalid UTF-8 in string");
                goto bad;
            }
            if (!sbuf_add(&sb, p->s + p->pos, n))
                goto oom;
            p->pos += n;
            continue;
        }
        /* backslash */
        if (p->pos + 1 >= p->len) {
            fail(p, start, "unterminated string");
            goto bad;
        }
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        char e = (char)p->s[p->pos + 1];
        const char *k = e ? strchr(from, e) : NULL;
        p->pos += 2;
        if (k) {
            if (!sbuf_add(&sb, &to[k - from], 1))
                goto oom;
        } else if (e == 'u') {
            if (!unicode_escape(p, &sb))
                goto bad;
        } else {
            fail(p, p->pos - 2, "invalid escape");
            goto bad;
        }
    }
oom:
    fail(p, p->pos, "out of memory");
bad:
    free(sb.b);
    return false;
}

/* ---- numbers ---- */

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool number(struct parser *p, struct json *out)
{
    size_t start = p->pos;
    const unsigned char *s = p->s;
    bool neg = false, integral = true;
    if (s[p->pos] == '-') {
        neg = true;
        p->pos++;
    }
    if (p->pos >= p->len || !is_digit(s[p->pos]))
        return fail(p, start, "invalid number");
    if (s[p->pos] == '0') {
        p->pos++;
        if (p->pos < p->len && is_digit(s[p->pos]))
            return fail(p, start, "leading zero in number");
    } else {
        while (p->pos < p->len && is_digit(s[p->pos]))
            p->pos++;
    }
    size_t int_end = p->pos;
    if (p->pos < p->len && s[p->pos] == '.') {
        integral = false;
        p->pos++;
        if (p->pos >= p->len || !is_digit(s[p->pos]))
            return fail(p, start, "digit expected after '.'");
        while (p->pos < p->len && is_digit(s[p->pos]))
            p->pos++;
    }
    if (p->pos < p->len && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
        integral = false;
        p->pos++;
        if (p->pos < p->len && (s[p->pos] == '+' || s[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->len || !is_digit(s[p->pos]))
            return fail(p, start, "digit expected in exponent");
        while (p->pos < p->len && is_digit(s[p->pos]))
            p->pos++;
    }
    out->type = JSON_NUMBER;
    if (integral) {
        /* exact magnitude, or not at all */
        uint64_t m = 0;
        bool fits = true;
        for (size_t i = start + neg; i < int_end && fits; i++) {
            unsigned d = s[i] - '0';
            if (m > (UINT64_MAX - d) / 10)
                fits = false;
            else
                m = m * 10 + d;
        }
        if (fits && !neg) {
            out->v.num.flags = JSON_NUM_UINT64 | (m <= INT64_MAX ? JSON_NUM_INT64 : 0);
            out->v.num.u = m;
            out->v.num.i = m <= INT64_MAX ? (int64_t)m : 0;
        } else if (fits && m <= (uint64_t)INT64_MAX + 1) {
            out->v.num.flags = JSON_NUM_INT64 | (m == 0 ? JSON_NUM_UINT64 : 0);
            out->v.num.i = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
        }
    }
    /* strtod needs a terminated copy; the token is short in any sane file */
    size_t n = p->pos - start;
    char small[64], *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf)
        return fail(p, start, "out of memory");
    memcpy(buf, s + start, n);
    buf[n] = '\0';
    out->v.num.d = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    return true;
}

/* ---- containers ---- */

static bool grow(void **items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 4;
    void *ni = realloc(*items, nc * size);
    if (!ni)
        return false;
    *items = ni;
    *cap = nc;
    return true;
}

static bool array(struct parser *p, struct json *out)
{
    size_t cap = 0;
    out->type = JSON_ARRAY;
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return true;
    }
    for (;;) {
        if (!grow((void **)&out->v.arr.items, out->v.arr.n, &cap, sizeof *out->v.arr.items))
            return fail(p, p->pos, "out of memory");
        struct json *item = &out->v.arr.items[out->v.arr.n++];
        memset(item, 0, sizeof *item);
        if (!value(p, item))
            return false;
        skip_ws(p);
        if (p->pos >= p->len)
            return fail(p, p->pos, "unterminated array");
        if (p->s[p->pos] == ']') {
            p->pos++;
            return true;
        }
        if (p->s[p->pos] != ',')
            return fail(p, p->pos, "expected ',' or ']'");
        p->pos++;
    }
}

static bool object(struct parser *p, struct json *out)
{
    size_t cap = 0;
    out->type = JSON_OBJECT;
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return true;
    }
    for (;;) {
        if (p->pos >= p->len || p->s[p->pos] != '"')
            return fail(p, p->pos,
                        p->pos >= p->len ? "unterminated object" : "expected a string key");
        if (!grow((void **)&out->v.obj.members, out->v.obj.n, &cap, sizeof *out->v.obj.members))
            return fail(p, p->pos, "out of memory");
        struct json_member *m = &out->v.obj.members[out->v.obj.n++];
        memset(m, 0, sizeof *m);
        if (!string(p, &m->key, &m->key_len))
            return false;
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':')
            return fail(p, p->pos, "expected ':'");
        p->pos++;
        if (!value(p, &m->value))
            return false;
        skip_ws(p);
        if (p->pos >= p->len)
            return fail(p, p->pos, "unterminated object");
        if (p->s[p->pos] == '}') {
            p->pos++;
            return true;
        }
        if (p->s[p->pos] != ',')
            return fail(p, p->pos, "expected ',' or '}'");
        p->pos++;
        skip_ws(p);
    }
}

static bool literal(struct parser *p, const char *word, enum json_type t, struct json *out)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail(p, p->pos, "invalid literal");
    p->pos += n;
    out->type = t;
    return true;
}

static bool value(struct parser *p, struct json *out)
{
    skip_ws(p);
    if (p->pos >= p->len)
        return fail(p, p->pos, "value expected");
    unsigned char c = p->s[p->pos];
    switch (c) {
    case '{':
    case '[': {
        if (p->depth >= JSON_MAX_DEPTH)
            return fail(p, p->pos, "nested too deep");
        p->depth++;
        bool ok = c == '{' ? object(p, out) : array(p, out);
        p->depth--;
        return ok;
    }
    case '"': out->type = JSON_STRING; return string(p, &out->v.str.s, &out->v.str.len);
    case 't': return literal(p, "true", JSON_TRUE, out);
    case 'f': return literal(p, "false", JSON_FALSE, out);
    case 'n': return literal(p, "null", JSON_NULL, out);
    default:
        if (c == '-' || is_digit(c))
            return number(p, out);
        return fail(p, p->pos, "value expected");
    }
}

/* ---- the tree ---- */

static void free_node(struct json *v)
{
    switch (v->type) {
    case JSON_STRING: free(v->v.str.s); break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->v.arr.n; i++)
            free_node(&v->v.arr.items[i]);
        free(v->v.arr.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->v.obj.n; i++) {
            free(v->v.obj.members[i].key);
            free_node(&v->v.obj.members[i].value);
        }
        free(v->v.obj.members);
        break;
    default: break;
    }
}

void json_free(struct json *root)
{
    if (!root)
        return;
    free_node(root);
    free(root);
}

struct json *json_parse(const char *text, size_t len, struct json_error *err)
{
    struct parser p = {.s = (const unsigned char *)text, .len = len};
    struct json *root = calloc(1, sizeof *root);
    if (!root) {
        fail(&p, 0, "out of memory");
    } else if (value(&p, root)) {
        skip_ws(&p);
        if (p.pos < p.len)
            fail(&p, p.pos, "unexpected text after the value");
    }
    if (p.err.msg) {
        json_free(root);
        root = NULL;
        if (err)
            *err = p.err;
    }
    return root;
}

struct json *json_parse_file(const char *path, size_t max, struct json_error *err)
{
    struct json_error e = {0, "cannot read the file"};
    struct json *root = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    if (fd < 0 || fstat(fd, &st) != 0)
        goto out;
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        e.msg = S_ISREG(st.st_mode) ? "file too large" : "not a regular file";
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        e.msg = "out of memory";
        goto out;
    }
    for (;;) { /* the file may have changed size since fstat */
        ssize_t r = read(fd, buf + len, (size_t)st.st_size + 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > (size_t)st.st_size) {
            e.msg = "file grew while being read";
            goto out;
        }
    }
    root = json_parse(buf, len, &e);
out:
    if (!root && err)
        *err = e;
    int saved = errno;
    if (fd >= 0)
        close(fd);
    free(buf);
    errno = saved;
    return root;
}

const struct json *json_get(const struct json *v, const char *key)
{
    if (!v || v->type != JSON_OBJECT)
        return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < v->v.obj.n; i++) {
        const struct json_member *m = &v->v.obj.members[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            return &m->value;
    }
    return NULL;
}

const char *json_string(const struct json *v)
{
    return v && v->type == JSON_STRING ? v->v.str.s : NULL;
}

bool json_uint64(const struct json *v, uint64_t *out)
{
    if (!v || v->type != JSON_NUMBER || !(v->v.num.flags & JSON_NUM_UINT64))
        return false;
    *out = v->v.num.u;
    return true;
}

bool json_int64(const struct json *v, int64_t *out)
{
    if (!v || v->type != JSON_NUMBER || !(v->v.num.flags & JSON_NUM_INT64))
        return false;
    *out = v->v.num.i;
    return true;
}

bool json_double(const struct json *v, double *out)
{
    if (!v || v->type != JSON_NUMBER)
        return false;
    *out = v->v.num.d;
    return true;
}
