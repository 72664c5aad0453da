/*
 * Folded-stack parser (format in parse.h).
 *
 * Model: the input is a stream of lines cut from one large read buffer; a
 * line is never copied out or allocated for. Each line becomes a list of name
 * ids, then a path in the profile trie. Folded files are normally sorted, so
 * consecutive lines share long prefixes; the parser exploits this twice:
 *  1. bytes: frames inside the common byte prefix with the previous line
 *     reuse that line's name ids, skipping hashing and interning;
 *  2. ids: the leading ids equal to the previously inserted path reuse its
 *     trie nodes, skipping the edge lookups.
 * An unsorted file is still correct, only slower.
 */
#include "render/parse.h"
#include "format/frames.h"
#include "render/profile.h"
#include "render/tlrange.h"
#include "render/util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { FLAG_THREAD_KNOWN = 1, FLAG_THREAD = 2, FLAG_RE_KNOWN = 4, FLAG_RE_MATCH = 8 };

struct parser {
    struct profile *p;
    struct parse_opts o;
    struct parse_stats st;
    const char *name;
    uint64_t lineno;

    char *prev; /* previous stack's bytes */
    size_t prev_len, prev_cap;
    size_t *prev_end; /* end offset of each frame of the previous stack */
    uint32_t *prev_ids;
    size_t prev_n, prev_end_cap, prev_ids_cap;
    size_t *cur_end;
    uint32_t *cur_ids;
    size_t cur_end_cap, cur_ids_cap;

    uint32_t *work; /* ids after transforms */
    size_t work_cap;
    uint32_t *ipath, *inode; /* last inserted path and its nodes */
    size_t in, ipath_cap, inode_cap;

    uint8_t *flags; /* per name id: FLAG_* */
    size_t flags_cap;
    uint32_t *pos; /* per name id: 1 + index in the path being collapsed */
    size_t pos_cap;
};

static int oom(struct parser *ps)
{
    cli_error("%s: out of memory", ps->name);
    errno = ENOMEM;
    return -1;
}

/* Copy at most 40 bytes of s into out, replacing non-printable bytes, so a
 * message about a bad line cannot itself corrupt the terminal. */
static const char *printable(char *out, const char *s, size_t len)
{
    size_t n = len > 40 ? 40 : len, j = 0;
    for (size_t i = 0; i < n; i++)
        out[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (len > n) {
        memcpy(out + j, "...", 3);
        j += 3;
    }
    out[j] = '\0';
    return out;
}

static int bad_line(struct parser *ps, const char *reason, const char *field, size_t flen)
{
    if (ps->o.lenient) {
        ps->st.skipped++;
        return 0;
    }
    char buf[64];
    if (field)
        cli_error("%s:%llu: %s \"%s\"", ps->name, (unsigned long long)ps->lineno, reason,
                  printable(buf, field, flen));
    else
        cli_error("%s:%llu: %s", ps->name, (unsigned long long)ps->lineno, reason);
    errno = EINVAL; /* the input's fault, not the system's (parse.h) */
    return -1;
}

/* Non-negative integer or decimal, as an exact integer part and a fraction
 * (never through a double: 2^53 + 1 must stay itself). NULL, or why the
 * field is not a count. */
static const char *parse_count(const char *s, size_t len, struct pcount *out)
{
    uint64_t v = 0;
    size_t i = 0;
    bool big = false;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            big = true;
        v = v * 10 + d;
    }
    size_t int_digits = i, frac_digits = 0;
    double frac = 0;
    if (i < len && s[i] == '.') {
        const char *f = s + ++i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            frac_digits++;
        /* digits past the 40th cannot change a double in [0, 1) */
        char buf[48] = ".";
        size_t n = frac_digits < 40 ? frac_digits : 40;
        memcpy(buf + 1, f, n);
        buf[n + 1] = '\0';
        frac = frac_digits ? strtod(buf, NULL) : 0;
    }
    if (i < len || int_digits + frac_digits == 0)
        return "invalid count";
    if (big)
        return "count does not fit in 64 bits (above 18446744073709551615)";
    *out = (struct pcount){v, frac < 1 ? frac : nextafter(1, 0)}; /* ".99999999999999999" */
    return NULL;
}

static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Id of a frame that is empty or blanks only: dropped from the stack. */
#define BLANK_FRAME (PNAME_NONE - 1)

static inline bool is_blank_frame(const char *s, size_t len)
{
    if (len && !is_blank(s[0]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_blank(s[i]))
            return false;
    return true;
}

int parse_thread_regex(regex_t *re, const char *tid_or_name)
{
    const char *s = tid_or_name;
    size_t n = strlen(s);
    bool tid = n > 0 && strspn(s, "0123456789") == n;
    char *pat = malloc(2 * n + 32), *q = pat;
    if (!pat)
        return REG_ESPACE;
    q += sprintf(q, "^\\[");
    if (tid) {
        q += sprintf(q, ".* tid=%s\\]$", s);
    } else {
        /* a name is text, not a pattern: every ERE metacharacter escaped */
        for (; *s; s++) {
            if (strchr(".[]{}()\\*+?|^$", *s))
                *q++ = '\\';
            *q++ = *s;
        }
        strcpy(q, " tid=[0-9]+\\]$");
    }
    int rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB);
    free(pat);
    return rc;
}

static int ensure_name_arrays(struct parser *ps)
{
    size_t n = profile_name_count(ps->p);
    size_t old = ps->flags_cap;
    if (grow_array(&ps->flags, &ps->flags_cap, n, 1) < 0)
        return -1;
    if (ps->flags_cap > old)
        memset(ps->flags + old, 0, ps->flags_cap - old);
    if (ps->o.collapse_recursion) {
        old = ps->pos_cap;
        if (grow_array(&ps->pos, &ps->pos_cap, n, sizeof(*ps->pos)) < 0)
            return -1;
        if (ps->pos_cap > old)
            memset(ps->pos + old, 0, (ps->pos_cap - old) * sizeof(*ps->pos));
    }
    return 0;
}

static uint8_t name_flags(struct parser *ps, uint32_t id)
{
    uint8_t f = ps->flags[id];
    if (!(f & FLAG_THREAD_KNOWN)) {
        size_t len;
        const char *s = profile_name(ps->p, id, &len);
        f |= FLAG_THREAD_KNOWN | (frame_is_thread_root(s, len) ? FLAG_THREAD : 0);
    }
    if (ps->o.thread_re && !(f & FLAG_RE_KNOWN)) {
        const char *s = profile_name(ps->p, id, NULL);
        f |= FLAG_RE_KNOWN | (regexec(ps->o.thread_re, s, 0, NULL, 0) == 0 ? FLAG_RE_MATCH : 0);
    }
    ps->flags[id] = f;
    return f;
}

/* Remove cycles: when a name reappears, cut the path back to its first
 * occurrence. A;B;A;B;C -> A;B;C. */
static size_t collapse(struct parser *ps, uint32_t *ids, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = ids[i];
        if (ps->pos[id]) {
            size_t keep = ps->pos[id];
            while (out > keep)
                ps->pos[ids[--out]] = 0;
            continue;
        }
        ids[out++] = id;
        ps->pos[id] = (uint32_t)out;
    }
    for (size_t i = 0; i < out; i++)
        ps->pos[ids[i]] = 0;
    return out;
}

static int insert(struct parser *ps, const uint32_t *ids, size_t n, const struct pcount *count)
{
    /* before any node is made: a rejected line leaves no trace */
    if (!profile_count_fits(ps->p, count->n))
        return bad_line(ps, "counts add up to more than 18446744073709551615", NULL, 0);
    size_t j = 0;
    uint32_t node = 0;
    size_t lim = n < ps->in ? n : ps->in;
    while (j < lim && ids[j] == ps->ipath[j])
        j++;
    if (j)
        node = ps->inode[j - 1];
    if (grow_array(&ps->ipath, &ps->ipath_cap, n, sizeof(*ps->ipath)) < 0 ||
        grow_array(&ps->inode, &ps->inode_cap, n, sizeof(*ps->inode)) < 0)
        return oom(ps);
    for (; j < n; j++) {
        node = profile_child_add(ps->p, node, ids[j]);
        if (node == PNODE_NONE)
            return oom(ps);
        ps->ipath[j] = ids[j];
        ps->inode[j] = node;
    }
    ps->in = n;
    profile_add_count(ps->p, node, count->n, count->frac);
    return 0;
}

static int parse_line(struct parser *ps, const char *s, size_t len)
{
    ps->lineno++;
    ps->st.lines++;
    while (len && is_blank(s[len - 1]))
        len--;
    size_t start = 0;
    while (start < len && is_blank(s[start]))
        start++;
    if (start == len)
        return 0;
    size_t sp = len;
    while (sp > start && s[sp - 1] != ' ' && s[sp - 1] != '\t')
        sp--;
    if (sp == start)
        return bad_line(ps, "missing count (expected \"frame;...;frame COUNT\")", s, len);
    struct pcount count;
    const char *why = parse_count(s + sp, len - sp, &count);
    if (why)
        return bad_line(ps, why, s + sp, len - sp);
    size_t slen = sp - 1;
    while (slen > 0 && is_blank(s[slen - 1]))
        slen--;
    if (slen == 0)
        return bad_line(ps, "empty stack", NULL, 0);

    /* 1. byte prefix shared with the previous stack */
    size_t lim = slen < ps->prev_len ? slen : ps->prev_len, common = 0;
    while (common + 8 <= lim && memcmp(s + common, ps->prev + common, 8) == 0)
        common += 8;
    while (common < lim && s[common] == ps->prev[common])
        common++;

    size_t n = 0, pos = 0, blanks = 0;
    bool sharing = true;
    for (;;) {
        const char *semi;
        size_t end;
        if (sharing && n + 1 < ps->prev_n && ps->prev_end[n] < common) {
            /* inside the shared bytes the previous line's ';' is ours too */
            end = ps->prev_end[n];
            semi = s + end;
        } else {
            semi = memchr(s + pos, ';', slen - pos);
            end = semi ? (size_t)(semi - s) : slen;
        }
        if (n >= ps->cur_end_cap || n >= ps->cur_ids_cap) {
            if (grow_array(&ps->cur_end, &ps->cur_end_cap, n + 1, sizeof(*ps->cur_end)) < 0 ||
                grow_array(&ps->cur_ids, &ps->cur_ids_cap, n + 1, sizeof(*ps->cur_ids)) < 0)
                return oom(ps);
        }
        uint32_t id;
        if (sharing && n < ps->prev_n && ps->prev_end[n] == end && end <= common) {
            id = ps->prev_ids[n];
            blanks += id == BLANK_FRAME;
        } else if (is_blank_frame(s + pos, end - pos)) {
            /* "a;;b", "a; ;b", trailing ';': no frame (an empty name could
             * not be written back as a folded line) */
            sharing = false;
            id = BLANK_FRAME;
            blanks++;
        } else {
            sharing = false;
            size_t flen = end - pos;
            /* a frame's source line (FLAMEPRE_LINES), unless asked for */
            if (!ps->o.lines)
                flen -= frame_line_suffix_len(s + pos, flen);
            id = profile_intern(ps->p, s + pos, flen);
            if (id == PNAME_NONE)
                return oom(ps);
        }
        ps->cur_end[n] = end;
        ps->cur_ids[n] = id;
        n++;
        if (!semi)
            break;
        pos = end + 1;
    }
    if (grow_array(&ps->prev, &ps->prev_cap, slen, 1) < 0)
        return oom(ps);
    memcpy(ps->prev, s, slen);
    ps->prev_len = slen;
    size_t *te = ps->prev_end;
    ps->prev_end = ps->cur_end;
    ps->cur_end = te;
    size_t tc = ps->prev_end_cap;
    ps->prev_end_cap = ps->cur_end_cap;
    ps->cur_end_cap = tc;
    uint32_t *ti = ps->prev_ids;
    ps->prev_ids = ps->cur_ids;
    ps->cur_ids = ti;
    tc = ps->prev_ids_cap;
    ps->prev_ids_cap = ps->cur_ids_cap;
    ps->cur_ids_cap = tc;
    ps->prev_n = n;

    /* 2. transforms, then insertion */
    const uint32_t *ids = ps->prev_ids;
    if (blanks == n)
        return bad_line(ps, "empty stack (only empty frames)", s, len);
    bool transform = ps->o.merge_threads || ps->o.thread_re || ps->o.collapse_recursion ||
                     ps->o.reverse || blanks;
    if (transform) {
        if (ensure_name_arrays(ps) < 0)
            return oom(ps);
        if (grow_array(&ps->work, &ps->work_cap, n, sizeof(*ps->work)) < 0)
            return oom(ps);
        uint32_t *w = ps->work;
        if (blanks) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                if (ids[i] != BLANK_FRAME)
                    w[k++] = ids[i];
            n = k;
        } else {
            memcpy(w, ids, n * sizeof(*ids));
        }
        if (ps->o.thread_re && !(name_flags(ps, w[0]) & FLAG_RE_MATCH)) {
            ps->st.filtered++;
            return 0;
        }
        if (ps->o.merge_threads && (name_flags(ps, w[0]) & FLAG_THREAD)) {
            w++;
            n--;
        }
        if (ps->o.collapse_recursion)
            n = collapse(ps, w, n);
        if (ps->o.reverse)
            for (size_t i = 0; i < n / 2; i++) {
                uint32_t t = w[i];
                w[i] = w[n - 1 - i];
                w[n - 1 - i] = t;
            }
        ids = w;
    }
    ps->st.stacks++;
    return insert(ps, ids, n, &count);
}

static void parser_release(struct parser *ps)
{
    free(ps->prev);
    free(ps->prev_end);
    free(ps->prev_ids);
    free(ps->cur_end);
    free(ps->cur_ids);
    free(ps->work);
    free(ps->ipath);
    free(ps->inode);
    free(ps->flags);
    free(ps->pos);
}

static void parser_init(struct parser *ps, struct profile *p, const char *name,
                        const struct parse_opts *opts)
{
    memset(ps, 0, sizeof(*ps));
    ps->p = p;
    ps->name = name;
    if (opts)
        ps->o = *opts;
}

/* Parse every complete line in buf; returns bytes consumed or -1. */
static ssize_t parse_lines(struct parser *ps, const char *buf, size_t len, bool eof)
{
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        if (!nl && !eof)
            break;
        size_t end = nl ? (size_t)(nl - buf) : len;
        if (parse_line(ps, buf + pos, end - pos) < 0)
            return -1;
        pos = nl ? end + 1 : len;
    }
    return (ssize_t)pos;
}

static int parser_done(struct parser *ps, int rc, struct parse_stats *stats)
{
    if (stats) {
        stats->lines += ps->st.lines;
        stats->stacks += ps->st.stacks;
        stats->skipped += ps->st.skipped;
        stats->filtered += ps->st.filtered;
    }
    int e = errno;
    parser_release(ps);
    profile_finish(ps->p);
    errno = e;
    return rc;
}

int parse_folded_mem(struct profile *p, const char *buf, size_t len, const char *name,
                     const struct parse_opts *opts, struct parse_stats *stats)
{
    struct parser ps;
    parser_init(&ps, p, name, opts);
    int rc = parse_lines(&ps, buf, len, true) < 0 ? -1 : 0;
    return parser_done(&ps, rc, stats);
}

int parse_folded_fd(struct profile *p, int fd, const char *name, const struct parse_opts *opts,
                    struct parse_stats *stats)
{
    struct parser ps;
    parser_init(&ps, p, name, opts);
    size_t cap = 4u << 20, have = 0;
    char *buf = malloc(cap);
    int rc = 0;
    if (!buf)
        return parser_done(&ps, oom(&ps), stats);
    for (;;) {
        if (have == cap) {
            /* one line longer than the buffer: make room, lines have no limit */
            if (grow_array(&buf, &cap, cap + 1, 1) < 0) {
                rc = oom(&ps);
                break;
            }
        }
        ssize_t r = read(fd, buf + have, cap - have);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            rc = cli_error("%s: read: %s", name, strerror(e));
            errno = e;
            break;
        }
        have += (size_t)r;
        ssize_t used = parse_lines(&ps, buf, have, r == 0);
        if (used < 0) {
            rc = -1;
            break;
        }
        memmove(buf, buf + used, have - (size_t)used);
        have -= (size_t)used;
        if (r == 0)
            break;
    }
    free(buf);
    return parser_done(&ps, rc, stats);
}

int parse_folded_file(struct profile *p, const char *path, const struct parse_opts *opts,
                      struct parse_stats *stats)
{
    if (strcmp(path, "-") == 0)
        return parse_folded_fd(p, 0, "<stdin>", opts, stats);
    if (tl_is_path(path))
        return parse_timeline_file(p, path, opts, stats);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        cli_error("%s: %s", path, strerror(e));
        errno = e;
        return -1;
    }
    int rc = parse_folded_fd(p, fd, path, opts, stats);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}
