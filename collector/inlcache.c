/*
 * Persistent inlined-call tables (see inlcache.h for the model and the
 * file format).
 */
#include "collector/inlcache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/atomic_file.h"
#include "format/grow.h"

/* Bounds on what one file keeps (a cache, not an archive): past them new
 * functions are not added, lookups still work. */
#define MAX_SCOPES (1u << 20)
#define MAX_FILE_BYTES (64u << 20)

struct ic_func {
    uint64_t lo, hi;
    uint32_t s0, ns; /* scopes[s0 .. s0 + ns) */
    uint32_t r0, nr; /* ranges[r0 .. r0 + nr) */
    bool none;       /* DWARF knows no function here */
};

struct ic_scope {
    int32_t parent; /* within the function, -1 for none */
    uint16_t depth;
    bool inlined;
    uint32_t line;
    char *name;
};

struct ic_range {
    uint64_t lo, hi;
    uint32_t scope; /* within the function */
};

struct inlcache {
    char *dir, *file, *path; /* dir NULL: memory only */
    struct ic_func *f;
    size_t nf, capf;
    struct ic_scope *s;
    size_t ns, caps;
    struct ic_range *r;
    size_t nr, capr;
    bool sorted, dirty, loaded;
};

static void clear(struct inlcache *c)
{
    for (size_t i = 0; i < c->ns; i++)
        free(c->s[i].name);
    c->nf = c->ns = c->nr = 0;
    c->sorted = true;
    c->loaded = false;
}

struct inlcache *inlcache_new_memory(void)
{
    struct inlcache *c = calloc(1, sizeof *c);
    if (c)
        c->sorted = true;
    return c;
}

void inlcache_free(struct inlcache *c)
{
    if (!c)
        return;
    clear(c);
    free(c->f);
    free(c->s);
    free(c->r);
    free(c->dir);
    free(c->file);
    free(c->path);
    free(c);
}

bool inlcache_loaded(const struct inlcache *c)
{
    return c && c->loaded;
}

/* ---- adding ---- */

static int cmp_func(const void *a, const void *b)
{
    const struct ic_func *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The record holding vaddr, or NULL. */
static const struct ic_func *lookup(struct inlcache *c, uint64_t vaddr)
{
    if (!c->sorted) {
        qsort(c->f, c->nf, sizeof *c->f, cmp_func);
        c->sorted = true;
    }
    size_t lo = 0, hi = c->nf;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->f[mid].lo <= vaddr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Records may nest (a range without a function around a function
     * found later): look back past the ones that end before vaddr. */
    for (size_t i = lo, k = 0; i-- > 0 && k < 8; k++)
        if (vaddr < c->f[i].hi)
            return &c->f[i];
    return NULL;
}

static int add(struct inlcache *c, uint64_t lo, uint64_t hi, bool none,
               const struct inlcache_scope *scopes, uint32_t nscopes,
               const struct inlcache_range *ranges, uint32_t nranges)
{
    if (lo >= hi || c->ns + nscopes > MAX_SCOPES)
        return -1;
    for (uint32_t i = 0; i < nscopes; i++)
        if (scopes[i].parent >= (int32_t)nscopes || scopes[i].parent < -1)
            return -1;
    for (uint32_t i = 0; i < nranges; i++)
        if (ranges[i].scope >= nscopes || ranges[i].lo >= ranges[i].hi)
            return -1;
    if (grow_array(&c->f, &c->capf, c->nf + 1, sizeof *c->f) < 0 ||
        grow_array(&c->s, &c->caps, c->ns + nscopes, sizeof *c->s) < 0 ||
        grow_array(&c->r, &c->capr, c->nr + nranges, sizeof *c->r) < 0)
        return -1;
    struct ic_func *f = &c->f[c->nf];
    *f = (struct ic_func){lo, hi, (uint32_t)c->ns, nscopes, (uint32_t)c->nr, nranges, none};
    for (uint32_t i = 0; i < nscopes; i++) {
        char *name = NULL;
        if (scopes[i].name && !(name = strdup(scopes[i].name))) {
            for (uint32_t j = 0; j < i; j++)
                free(c->s[c->ns + j].name);
            return -1;
        }
        c->s[c->ns + i] = (struct ic_scope){scopes[i].parent, scopes[i].depth, scopes[i].inlined,
                                            scopes[i].call_line, name};
    }
    for (uint32_t i = 0; i < nranges; i++)
        c->r[c->nr + i] = (struct ic_range){ranges[i].lo, ranges[i].hi, ranges[i].scope};
    c->ns += nscopes;
    c->nr += nranges;
    c->nf++;
    c->sorted = c->nf < 2 || (c->sorted && c->f[c->nf - 2].lo <= lo);
    return 0;
}

int inlcache_add_func(struct inlcache *c, uint64_t lo, uint64_t hi,
                      const struct inlcache_scope *scopes, uint32_t nscopes,
                      const struct inlcache_range *ranges, uint32_t nranges)
{
    if (!c || nscopes == 0)
        return -1;
    const struct ic_func *old = lookup(c, lo);
    if (old && old->lo == lo && old->hi == hi && !old->none)
        return 0;
    if (add(c, lo, hi, false, scopes, nscopes, ranges, nranges) < 0)
        return -1;
    c->dirty = true;
    return 0;
}

int inlcache_add_none(struct inlcache *c, uint64_t lo, uint64_t hi)
{
    if (!c)
        return -1;
    const struct ic_func *old = lookup(c, lo);
    if (old && old->lo <= lo && hi <= old->hi)
        return 0;
    if (add(c, lo, hi, true, NULL, 0, NULL, 0) < 0)
        return -1;
    c->dirty = true;
    return 0;
}

/* ---- lookup (as inline.c's deepest_scope and inliner_frames) ---- */

int inlcache_find(struct inlcache *c, uint64_t vaddr, struct inline_frame *out, int max)
{
    if (!c || max <= 0)
        return -1;
    const struct ic_func *f = lookup(c, vaddr);
    if (!f)
        return -1;
    if (f->none)
        return 0;
    const struct ic_scope *sc = &c->s[f->s0];
    uint32_t best = 0;
    for (uint32_t i = 0; i < f->nr; i++) {
        const struct ic_range *r = &c->r[f->r0 + i];
        if (r->lo <= vaddr && vaddr < r->hi && sc[r->scope].depth > sc[best].depth)
            best = r->scope;
    }
    int n = 0;
    unsigned line = 0;
    for (uint32_t hops = 0; hops <= f->ns; hops++) {
        const struct ic_scope *s = &sc[best];
        if (n == max)
            n--; /* keep the innermost frames and the real function last */
        out[n++] = (struct inline_frame){s->name, NULL, line};
        if (!s->inlined || s->parent < 0)
            break;
        line = s->line;
        best = (uint32_t)s->parent;
    }
    return n;
}

/* ---- the file ---- */

static bool hexfield(const char **p, const char *end, uint64_t *v)
{
    const char *q = *p;
    uint64_t x = 0;
    int digits = 0;
    while (q < end && digits < 17) {
        char ch = *q;
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0)
            break;
        x = x << 4 | (uint64_t)d;
        q++;
        digits++;
    }
    /* one space before the next field, none at the end of the line */
    if (digits == 0 || digits > 16 || (q < end && (*q != ' ' || q + 1 == end)))
        return false;
    *v = x;
    *p = q < end ? q + 1 : q;
    return true;
}

static bool decfield(const char **p, const char *end, uint64_t limit, uint64_t *v)
{
    const char *q = *p;
    uint64_t x = 0;
    if (q >= end || *q < '0' || *q > '9')
        return false;
    while (q < end && *q >= '0' && *q <= '9') {
        x = x * 10 + (uint64_t)(*q - '0');
        if (x > limit)
            return false;
        q++;
    }
    if (q < end && (*q != ' ' || q + 1 == end))
        return false;
    *v = x;
    *p = q < end ? q + 1 : q;
    return true;
}

/* One "S"/"R" group of a function record, read into scratch arrays. */
struct pending {
    struct inlcache_scope *sc;
    struct inlcache_range *rg;
    char **names;
    uint32_t ns, nr, want_s, want_r;
    uint64_t lo, hi;
};

static void pending_reset(struct pending *p)
{
    for (uint32_t i = 0; i < p->ns; i++)
        free(p->names[i]);
    p->ns = p->nr = p->want_s = p->want_r = 0;
}

int inlcache_parse(struct inlcache *c, const char *text, size_t len)
{
    clear(c);
    struct pending p = {0};
    size_t cap_s = 0, cap_r = 0, cap_n = 0;
    const char *pos = text, *end = text + len;
    bool ok = true, header = false;
    while (ok && pos < end) {
        const char *nl = memchr(pos, '\n', (size_t)(end - pos));
        if (!nl) {
            ok = false; /* every record ends in a newline */
            break;
        }
        const char *q = pos, *le = nl;
        pos = nl + 1;
        if (!header) {
            static const char magic[] = "flamepre-inline-cache 1 ";
            ok = (size_t)(le - q) >= sizeof magic - 1 && memcmp(q, magic, sizeof magic - 1) == 0;
            header = true;
            continue;
        }
        if (le - q < 2 || q[1] != ' ') {
            ok = false;
            break;
        }
        char kind = q[0];
        q += 2;
        uint64_t a, b, x, y;
        bool in_func = p.ns < p.want_s || p.nr < p.want_r;
        if (kind == 'F' && !in_func) {
            ok = hexfield(&q, le, &a) && hexfield(&q, le, &b) && decfield(&q, le, MAX_SCOPES, &x) &&
                 decfield(&q, le, MAX_SCOPES, &y) && q == le && x > 0 && a < b;
            if (ok) {
                p.lo = a;
                p.hi = b;
                p.want_s = (uint32_t)x;
                p.want_r = (uint32_t)y;
                ok = grow_array(&p.sc, &cap_s, x, sizeof *p.sc) == 0 &&
                     grow_array(&p.names, &cap_n, x, sizeof *p.names) == 0 &&
                     grow_array(&p.rg, &cap_r, y ? y : 1, sizeof *p.rg) == 0;
            }
        } else if (kind == 'S' && p.ns < p.want_s) {
            int64_t parent = -1;
            if (le - q >= 2 && q[0] == '-' && q[1] == ' ')
                q += 2;
            else if (decfield(&q, le, MAX_SCOPES, &a))
                parent = (int64_t)a;
            else
                ok = false;
            uint64_t depth, inl, line;
            ok = ok && decfield(&q, le, 65535, &depth) && decfield(&q, le, 1, &inl) &&
                 decfield(&q, le, UINT32_MAX, &line) && q < le;
            if (ok) {
                size_t nlen = (size_t)(le - q);
                char *name = NULL;
                if (!(nlen == 1 && q[0] == '-')) {
                    if (memchr(q, 0, nlen) || !(name = strndup(q, nlen)))
                        ok = false;
                }
                if (ok) {
                    p.names[p.ns] = name;
                    p.sc[p.ns] = (struct inlcache_scope){(int32_t)parent, (uint16_t)depth, inl == 1,
                                                         (uint32_t)line, name};
                    p.ns++;
                }
            }
        } else if (kind == 'R' && p.ns == p.want_s && p.nr < p.want_r) {
            ok = hexfield(&q, le, &a) && hexfield(&q, le, &b) && decfield(&q, le, MAX_SCOPES, &x) &&
                 q == le;
            if (ok)
                p.rg[p.nr++] = (struct inlcache_range){a, b, (uint32_t)x};
        } else if (kind == 'N' && !in_func) {
            ok = hexfield(&q, le, &a) && hexfield(&q, le, &b) && q == le &&
                 add(c, a, b, true, NULL, 0, NULL, 0) == 0;
        } else {
            ok = false;
        }
        if (ok && p.want_s && p.ns == p.want_s && p.nr == p.want_r) {
            ok = add(c, p.lo, p.hi, false, p.sc, p.ns, p.rg, p.nr) == 0;
            pending_reset(&p);
        }
    }
    ok = ok && header && p.want_s == 0;
    pending_reset(&p);
    free(p.sc);
    free(p.rg);
    free(p.names);
    if (!ok) {
        clear(c);
        return -1;
    }
    c->loaded = c->nf > 0;
    c->dirty = false;
    return 0;
}

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

char *inlcache_default_dir(void)
{
    const char *d = getenv("FLAMEPRE_CACHE_DIR");
    if (d && strcmp(d, "off") == 0)
        return NULL;
    if (d && d[0] == '/')
        return strdup(d);
    const char *base = getenv("XDG_CACHE_HOME");
    char *out = NULL;
    if (base && base[0] == '/') {
        if (asprintf(&out, "%s/flamepre", base) < 0)
            out = NULL;
    } else if ((base = getenv("HOME")) && base[0] == '/') {
        if (asprintf(&out, "%s/.cache/flamepre", base) < 0)
            out = NULL;
    }
    return out;
}

struct inlcache *inlcache_open(const char *dir, const char *path, const struct stat *st)
{
    if (!dir || !path || !st)
        return NULL;
    struct inlcache *c = inlcache_new_memory();
    if (!c)
        return NULL;
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv(h, path, strlen(path));
    int64_t ids[5] = {(int64_t)st->st_size, (int64_t)st->st_ino, (int64_t)st->st_dev,
                      (int64_t)st->st_mtim.tv_sec, (int64_t)st->st_mtim.tv_nsec};
    h = fnv(h, ids, sizeof ids);
    if (!(c->dir = strdup(dir)) || !(c->path = strdup(path)) ||
        asprintf(&c->file, "%s/inline-%016" PRIx64 ".v1", dir, h) < 0) {
        c->file = NULL;
        inlcache_free(c);
        return NULL;
    }
    int fd = open(c->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return c;
    struct stat fst;
    char *text = NULL;
    size_t len = 0;
    if (fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode) && fst.st_uid == geteuid() &&
        fst.st_size > 0 && fst.st_size <= MAX_FILE_BYTES && (text = malloc((size_t)fst.st_size))) {
        while (len < (size_t)fst.st_size) {
            ssize_t n = read(fd, text + len, (size_t)fst.st_size - len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            len += (size_t)n;
        }
    }
    close(fd);
    /* The header names the file it was made for: a hash collision (or a
     * copied cache) reads as empty. */
    size_t plen = strlen(path);
    static const char magic[] = "flamepre-inline-cache 1 ";
    size_t hl = sizeof magic - 1;
    if (text && len > hl + plen && memcmp(text + hl, path, plen) == 0 && text[hl + plen] == '\n')
        (void)inlcache_parse(c, text, len);
    free(text);
    return c;
}

static void put_name(struct atomic_file *af, const char *name)
{
    if (!name || !name[0] || strchr(name, '\n')) {
        atomic_file_puts(af, "-");
        return;
    }
    atomic_file_puts(af, name);
}

int inlcache_save(struct inlcache *c)
{
    if (!c || !c->dirty || !c->dir || !c->file)
        return 0;
    /* mkdir -p, private */
    char *d = strdup(c->dir);
    if (!d)
        return -1;
    for (char *s = d + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        (void)mkdir(d, 0700);
        *s = '/';
    }
    (void)mkdir(d, 0700);
    free(d);
    struct atomic_file af;
    if (atomic_file_openat(&af, AT_FDCWD, c->file, 0600) < 0) {
        atomic_file_abort(&af);
        return -1;
    }
    atomic_file_printf(&af, "flamepre-inline-cache 1 %s\n", c->path);
    for (size_t i = 0; i < c->nf; i++) {
        const struct ic_func *f = &c->f[i];
        if (f->none) {
            atomic_file_printf(&af, "N %" PRIx64 " %" PRIx64 "\n", f->lo, f->hi);
            continue;
        }
        atomic_file_printf(&af, "F %" PRIx64 " %" PRIx64 " %u %u\n", f->lo, f->hi, f->ns, f->nr);
        for (uint32_t k = 0; k < f->ns; k++) {
            const struct ic_scope *s = &c->s[f->s0 + k];
            if (s->parent < 0)
                atomic_file_puts(&af, "S - ");
            else
                atomic_file_printf(&af, "S %d ", (int)s->parent);
            atomic_file_printf(&af, "%u %u %u ", (unsigned)s->depth, s->inlined ? 1u : 0u,
                               (unsigned)s->line);
            put_name(&af, s->name);
            atomic_file_puts(&af, "\n");
        }
        for (uint32_t k = 0; k < f->nr; k++) {
            const struct ic_range *r = &c->r[f->r0 + k];
            atomic_file_printf(&af, "R %" PRIx64 " %" PRIx64 " %u\n", r->lo, r->hi, r->scope);
        }
    }
    if (atomic_file_commit(&af) < 0)
        return -1;
    c->dirty = false;
    return 0;
}
