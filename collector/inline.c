/*
 * Inlined frames and lines from DWARF (see inline.h).
 *
 * Model, per debug file: a Dwarf handle and a table of the compile units
 * read so far, sorted by CU offset. Per CU: `scopes`, its functions with
 * code, then, appended on a function's first address, the inlined calls
 * inside it in DIE pre-order (contiguous per function), each with its
 * parent scope, its depth and its call site (file index, line); `ranges`,
 * their code ranges in the same order; and `tops`, the ranges of the
 * out-of-line functions sorted by address for the binary search. This is
 * the per-CU cache perf (srcline.c) and heaptrack (dwarfdiecache.cpp) keep
 * for the same reason: dwarf_getscopes walks the whole CU on every call,
 * and a profile asks about thousands of addresses of a few CUs. Reading a
 * function's inlined calls only when one of its addresses is asked for
 * keeps a CU's cost to its top-level DIEs (siblings skipped through
 * DW_AT_sibling) plus the functions the profile touched.
 */
#include "collector/inline.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <libelf.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collector/inlcache.h"
#include "format/grow.h"

#define NO_SCOPE UINT32_MAX
/* Deeper nesting of inlined calls than this is cut (a stack of 64 inlined
 * calls in one function is already more than any compiler makes). */
#define MAX_DEPTH 64

struct scope {
    Dwarf_Die die;      /* for the name, read on first need */
    const char *name;   /* NULL until read (or when it has none) */
    uint32_t parent;    /* index in cu->scopes, NO_SCOPE for a top function */
    uint32_t call_file; /* inlined calls: DW_AT_call_file/line */
    uint32_t call_line;
    uint32_t rfirst, rend; /* ranges of this scope's descendants */
    uint16_t depth;
    bool inlined;
    bool name_read;
    bool built; /* a function's inlined calls are read (rfirst, rend) */
};

struct srange {
    uint64_t lo, hi;
    uint32_t scope;
};

struct cu {
    Dwarf_Off off;
    Dwarf_Die die;
    struct scope *scopes;
    size_t nscopes, capscopes;
    struct srange *ranges; /* pre-order */
    size_t nranges, capranges;
    struct srange *tops; /* ranges of depth-0 scopes, sorted by lo */
    size_t ntops;
    Dwarf_Files *files; /* NULL until asked */
    size_t nfiles;
    bool files_read;
};

struct inline_file {
    struct inline_file *next;
    char *path;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    int fd;
    Dwarf *dw;
    bool dw_tried;          /* dwarf_begin done (dw NULL: it failed) */
    struct inlcache *cache; /* NULL: no cache directory */
    struct cu **cus;        /* sorted by off */
    size_t ncus, capcus;
};

/* libdebuginfod, opened on first use (it is not a build dependency: the
 * elfutils build many systems have has it, others do without). */
typedef struct debuginfod_client debuginfod_client;
struct debuginfod_api {
    debuginfod_client *(*begin)(void);
    int (*find_debuginfo)(debuginfod_client *, const unsigned char *, int, char **);
    void (*set_progressfn)(debuginfod_client *, int (*)(debuginfod_client *, long, long));
    void (*end)(debuginfod_client *);
};

struct inliner {
    struct inline_file *files;
    char *cache_dir; /* inlcache.h; NULL: none */
    struct debuginfod_api dfd;
    void *dfd_handle;
    debuginfod_client *dfd_client;
    bool dfd_tried;  /* dlopen done (or failed) */
    bool dfd_gaveup; /* a download timed out: ask no more */
    uint64_t dwarf_read, cache_hits; /* inline.h: inliner_counts */
};

void inliner_save(struct inliner *in)
{
    for (struct inline_file *f = in->files; f; f = f->next)
        (void)inlcache_save(f->cache);
}

struct inliner *inliner_new(void)
{
    struct inliner *in = calloc(1, sizeof(struct inliner));
    if (in)
        in->cache_dir = inlcache_default_dir();
    return in;
}

static void cu_free(struct cu *c)
{
    if (!c)
        return;
    free(c->scopes);
    free(c->ranges);
    free(c->tops);
    free(c);
}

void inliner_free(struct inliner *in)
{
    if (!in)
        return;
    for (struct inline_file *f = in->files, *next; f; f = next) {
        next = f->next;
        for (size_t i = 0; i < f->ncus; i++)
            cu_free(f->cus[i]);
        free(f->cus);
        if (f->dw)
            dwarf_end(f->dw);
        if (f->fd >= 0)
            close(f->fd);
        (void)inlcache_save(f->cache);
        inlcache_free(f->cache);
        free(f->path);
        free(f);
    }
    free(in->cache_dir);
    if (in->dfd_client)
        in->dfd.end(in->dfd_client);
    if (in->dfd_handle)
        dlclose(in->dfd_handle);
    free(in);
}

/* ---- files ---- */

static bool same_file(const struct inline_file *f, const struct stat *st)
{
    return f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size &&
           f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* The DWARF of f, opened on first need: a file whose inlined calls the
 * cache knows is not opened at all (inlcache.h says why). */
static bool dw_ready(struct inliner *in, struct inline_file *f)
{
    if (f->dw_tried)
        return f->dw != NULL;
    f->dw_tried = true;
    struct stat st;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    /* the same file as the cache was named for, or no DWARF from it */
    if (fstat(fd, &st) == 0 && same_file(f, &st)) {
        f->dw = dwarf_begin(fd, DWARF_C_READ);
        in->dwarf_read++;
    }
    /* libelf has the file mapped (or read, ELF_C_FDREAD): one descriptor
     * per debug file would add up in a collector serving many programs */
    if (f->dw)
        elf_cntl(dwarf_getelf(f->dw), ELF_C_FDREAD);
    close(fd);
    return f->dw != NULL;
}

struct inline_file *inliner_open(struct inliner *in, const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return NULL;
    for (struct inline_file *f = in->files; f; f = f->next)
        if (strcmp(f->path, path) == 0 && same_file(f, &st))
            return f->dw || (!f->dw_tried && inlcache_loaded(f->cache)) ? f : NULL;
    /* A file that has no DWARF is remembered too (dw NULL), so it is
     * opened once. */
    struct inline_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return NULL;
    }
    f->fd = -1;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->size = st.st_size;
    f->mtime = st.st_mtim;
    f->cache = inlcache_open(in->cache_dir, path, &st);
    f->next = in->files;
    in->files = f;
    if (inlcache_loaded(f->cache))
        return f;
    return dw_ready(in, f) ? f : NULL;
}

/* ---- one compile unit's scope table ---- */

/* Tags whose children may hold code scopes. Not the types: a member
 * function defined in its class has its code in a DIE at namespace level
 * (DW_AT_specification naming the declaration in the class). */
static bool may_hold_code(int tag)
{
    switch (tag) {
    case DW_TAG_subprogram:
    case DW_TAG_inlined_subroutine:
    case DW_TAG_lexical_block:
    case DW_TAG_namespace:
    case DW_TAG_module:
    case DW_TAG_try_block:
    case DW_TAG_catch_block: return true;
    default: return false;
    }
}

static uint32_t udata_attr(Dwarf_Die *die, int name)
{
    Dwarf_Attribute a;
    Dwarf_Word w;
    if (!dwarf_attr(die, name, &a) || dwarf_formudata(&a, &w) != 0 || w > UINT32_MAX)
        return 0;
    return (uint32_t)w;
}

/* Add die as a scope under `parent` if it is a function or an inlined call
 * with code. Returns its index, NO_SCOPE when it is not one, or -2 (as
 * a size_t cast) on allocation failure: see walk. */
static int add_scope(struct cu *c, Dwarf_Die *die, int tag, uint32_t parent, uint32_t *out)
{
    *out = NO_SCOPE;
    if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
        return 0;
    Dwarf_Addr base, lo, hi;
    ptrdiff_t off = 0;
    size_t first = c->nranges;
    uint32_t idx = (uint32_t)c->nscopes;
    while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
        if (hi <= lo)
            continue;
        if (grow_array(&c->ranges, &c->capranges, c->nranges + 1, sizeof *c->ranges) < 0)
            return -1;
        c->ranges[c->nranges++] = (struct srange){lo, hi, idx};
    }
    if (c->nranges == first)
        return 0; /* a declaration or an abstract instance: no code */
    if (grow_array(&c->scopes, &c->capscopes, c->nscopes + 1, sizeof *c->scopes) < 0)
        return -1;
    struct scope *s = &c->scopes[c->nscopes++];
    memset(s, 0, sizeof *s);
    s->die = *die;
    s->parent = parent;
    s->depth = parent == NO_SCOPE ? 0 : (uint16_t)(c->scopes[parent].depth + 1);
    s->inlined = tag == DW_TAG_inlined_subroutine;
    if (s->inlined) {
        s->call_file = udata_attr(die, DW_AT_call_file);
        s->call_line = udata_attr(die, DW_AT_call_line);
    }
    *out = idx;
    return 0;
}

/* Pre-order walk of die's children under scope `cur`. Iterative over
 * siblings, recursive over nesting (bounded by the DIE tree's depth).
 * Without `inside`, functions are added but not entered: the CU's
 * functions are read at once, each one's inlined calls on its first
 * address (a profile touches few functions of a CU). */
static int walk(struct cu *c, Dwarf_Die *parent_die, uint32_t cur, unsigned depth, bool inside)
{
    Dwarf_Die child;
    if (depth > 256 || dwarf_child(parent_die, &child) != 0)
        return 0;
    do {
        int tag = dwarf_tag(&child);
        if (!may_hold_code(tag))
            continue;
        uint32_t idx;
        if (add_scope(c, &child, tag, cur, &idx) < 0)
            return -1;
        if (tag == DW_TAG_subprogram && (idx == NO_SCOPE || !inside))
            continue; /* no code: nothing inside has any; or not yet */
        uint32_t next = idx == NO_SCOPE ? cur : idx;
        size_t rfirst = c->nranges;
        if (next != NO_SCOPE && c->scopes[next].depth >= MAX_DEPTH)
            continue;
        if (walk(c, &child, next, depth + 1, inside) < 0)
            return -1;
        if (idx != NO_SCOPE) {
            c->scopes[idx].rfirst = (uint32_t)rfirst;
            c->scopes[idx].rend = (uint32_t)c->nranges;
            c->scopes[idx].built = true;
        }
    } while (dwarf_siblingof(&child, &child) == 0);
    return 0;
}

static int cmp_range(const void *a, const void *b)
{
    const struct srange *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static struct cu *cu_build(Dwarf_Die *cudie)
{
    struct cu *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->off = dwarf_dieoffset(cudie);
    c->die = *cudie;
    if (walk(c, cudie, NO_SCOPE, 0, false) < 0)
        goto fail;
    for (size_t i = 0; i < c->nranges; i++)
        c->ntops += c->scopes[c->ranges[i].scope].depth == 0;
    c->tops = malloc((c->ntops ? c->ntops : 1) * sizeof *c->tops);
    if (!c->tops)
        goto fail;
    size_t k = 0;
    for (size_t i = 0; i < c->nranges; i++)
        if (c->scopes[c->ranges[i].scope].depth == 0)
            c->tops[k++] = c->ranges[i];
    qsort(c->tops, c->ntops, sizeof *c->tops, cmp_range);
    return c;
fail:
    cu_free(c);
    return NULL;
}

/* The cached table of the CU cudie, built on first need. */
static struct cu *cu_get(struct inline_file *f, Dwarf_Die *cudie)
{
    Dwarf_Off off = dwarf_dieoffset(cudie);
    size_t lo = 0, hi = f->ncus;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->cus[mid]->off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < f->ncus && f->cus[lo]->off == off)
        return f->cus[lo];
    if (grow_array(&f->cus, &f->capcus, f->ncus + 1, sizeof *f->cus) < 0)
        return NULL;
    struct cu *c = cu_build(cudie);
    if (!c)
        return NULL;
    memmove(f->cus + lo + 1, f->cus + lo, (f->ncus - lo) * sizeof *f->cus);
    f->cus[lo] = c;
    f->ncus++;
    return c;
}

/* ---- lookup ---- */

static const char *scope_name(struct scope *s)
{
    if (s->name_read)
        return s->name;
    s->name_read = true;
    Dwarf_Attribute a;
    const char *n = NULL;
    /* The linkage name (through DW_AT_abstract_origin and
     * DW_AT_specification) names a C++ function as its symbol does. */
    if (dwarf_attr_integrate(&s->die, DW_AT_linkage_name, &a) ||
        dwarf_attr_integrate(&s->die, DW_AT_MIPS_linkage_name, &a))
        n = dwarf_formstring(&a);
    if (!n)
        n = dwarf_diename(&s->die);
    s->name = n;
    return n;
}

static const char *file_name(struct cu *c, uint32_t idx)
{
    if (!c->files_read) {
        c->files_read = true;
        if (dwarf_getsrcfiles(&c->die, &c->files, &c->nfiles) != 0)
            c->files = NULL;
    }
    if (!c->files || idx >= c->nfiles)
        return NULL;
    return dwarf_filesrc(c->files, idx, NULL, NULL);
}

/* The number of tops that start at or below vaddr: tops[k - 1] is the
 * one that may hold it. */
static size_t tops_upto(const struct cu *c, uint64_t vaddr)
{
    size_t lo = 0, hi = c->ntops;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->tops[mid].lo <= vaddr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The deepest scope of c holding vaddr, or NO_SCOPE. */
static uint32_t deepest_scope(struct cu *c, uint64_t vaddr)
{
    size_t lo = tops_upto(c, vaddr);
    if (lo == 0 || vaddr >= c->tops[lo - 1].hi)
        return NO_SCOPE;
    uint32_t best = c->tops[lo - 1].scope;
    if (!c->scopes[best].built) {
        /* its inlined calls, appended: contiguous, as pre-order would be */
        size_t rfirst = c->nranges;
        Dwarf_Die die = c->scopes[best].die;
        if (walk(c, &die, best, 1, true) < 0)
            c->nranges = rfirst; /* out of memory: no inlined frames */
        c->scopes[best].rfirst = (uint32_t)rfirst;
        c->scopes[best].rend = (uint32_t)c->nranges;
        c->scopes[best].built = true;
    }
    const struct scope *top = &c->scopes[best];
    for (uint32_t i = top->rfirst; i < top->rend; i++) {
        const struct srange *r = &c->ranges[i];
        if (r->lo <= vaddr && vaddr < r->hi && c->scopes[r->scope].depth > c->scopes[best].depth)
            best = r->scope;
    }
    return best;
}

/* ---- what a lookup learnt, for the cache ---- */

/* The code range of the CU holding vaddr, or [vaddr, vaddr + 1). */
static void cu_range(Dwarf_Die *cudie, uint64_t vaddr, uint64_t *lo, uint64_t *hi)
{
    *lo = vaddr;
    *hi = vaddr + 1;
    Dwarf_Addr base, a, b;
    ptrdiff_t off = 0;
    while (cudie && (off = dwarf_ranges(cudie, off, &base, &a, &b)) > 0)
        if (a <= vaddr && vaddr < b) {
            *lo = a;
            *hi = b;
            return;
        }
}

/* vaddr lies in no function of c (or in no CU: c NULL): keep the gap
 * between c's functions around it, inside the CU's range. */
static void remember_none(struct inline_file *f, struct cu *c, Dwarf_Die *cudie, uint64_t vaddr)
{
    uint64_t lo, hi;
    cu_range(cudie, vaddr, &lo, &hi);
    if (c) {
        size_t k = tops_upto(c, vaddr);
        for (size_t i = 0; i < k; i++) /* tops may overlap: every end below */
            if (c->tops[i].hi <= vaddr && c->tops[i].hi > lo)
                lo = c->tops[i].hi;
        if (k < c->ntops && c->tops[k].lo < hi)
            hi = c->tops[k].lo;
    }
    (void)inlcache_add_none(f->cache, lo, hi);
}

/* vaddr lies in the function of c whose top range holds it: keep that
 * function's table (its scope, every inlined call inside it, their
 * ranges). */
static void remember_func(struct inline_file *f, struct cu *c, uint64_t vaddr)
{
    size_t k = tops_upto(c, vaddr);
    if (k == 0 || vaddr >= c->tops[k - 1].hi)
        return;
    const struct srange *top = &c->tops[k - 1];
    const struct scope *t = &c->scopes[top->scope];
    uint32_t nr = t->rend - t->rfirst;
    int32_t *local = malloc(c->nscopes * sizeof *local);
    struct inlcache_scope *sc = malloc((nr + 1) * sizeof *sc);
    struct inlcache_range *rg = malloc((nr ? nr : 1) * sizeof *rg);
    uint32_t ns = 0;
    bool ok = local && sc && rg;
    if (ok) {
        for (size_t i = 0; i < c->nscopes; i++)
            local[i] = -1;
        local[top->scope] = 0;
        sc[ns++] = (struct inlcache_scope){-1, 0, false, 0, scope_name(&c->scopes[top->scope])};
    }
    /* Ranges come in pre-order: a scope's parent is met before it. */
    for (uint32_t i = 0; ok && i < nr; i++) {
        const struct srange *r = &c->ranges[t->rfirst + i];
        struct scope *s = &c->scopes[r->scope];
        if (local[r->scope] < 0) {
            if (s->parent == NO_SCOPE || local[s->parent] < 0 || ns > nr) {
                ok = false;
                break;
            }
            local[r->scope] = (int32_t)ns;
            sc[ns++] = (struct inlcache_scope){local[s->parent], (uint16_t)(s->depth - t->depth),
                                               s->inlined, s->call_line, scope_name(s)};
        }
        rg[i] = (struct inlcache_range){r->lo, r->hi, (uint32_t)local[r->scope]};
    }
    if (ok)
        (void)inlcache_add_func(f->cache, top->lo, top->hi, sc, ns, rg, nr);
    free(local);
    free(sc);
    free(rg);
}

int inliner_frames(struct inliner *in, struct inline_file *f, uint64_t vaddr, bool lines,
                   struct inline_frame *out, int max)
{
    if (!f || max <= 0)
        return 0;
    if (!lines) {
        int n = inlcache_find(f->cache, vaddr, out, max);
        if (n >= 0) {
            in->cache_hits++;
            return n;
        }
    }
    Dwarf_Die cudie;
    if (!dw_ready(in, f))
        return 0;
    if (!dwarf_addrdie(f->dw, vaddr, &cudie)) {
        if (!lines)
            remember_none(f, NULL, NULL, vaddr);
        return 0;
    }
    struct cu *c = cu_get(f, &cudie);
    if (!c)
        return 0;
    const char *file = NULL;
    unsigned line = 0;
    /* the line table is read only when lines are asked for */
    Dwarf_Line *l = lines ? dwarf_getsrc_die(&cudie, vaddr) : NULL;
    int ln;
    if (l && dwarf_lineno(l, &ln) == 0 && ln > 0) {
        file = dwarf_linesrc(l, NULL, NULL);
        line = (unsigned)ln;
    }
    uint32_t s = deepest_scope(c, vaddr);
    if (!lines && f->cache) {
        if (s == NO_SCOPE)
            remember_none(f, c, &cudie, vaddr);
        else
            remember_func(f, c, vaddr);
    }
    if (s == NO_SCOPE) {
        if (!file)
            return 0; /* (without lines: no function DWARF knows of) */
        out[0] = (struct inline_frame){NULL, file, line};
        return 1;
    }
    /* Innermost first; each caller's line is the call site of the callee
     * inlined into it. A nested function (GNU C) ends the chain. */
    int n = 0;
    for (;;) {
        struct scope *sc = &c->scopes[s];
        if (n == max) {
            /* keep the innermost frames and the real function last */
            n--;
        }
        out[n++] = (struct inline_frame){scope_name(sc), file, line};
        if (!sc->inlined || sc->parent == NO_SCOPE)
            break;
        file = lines ? file_name(c, sc->call_file) : NULL;
        line = sc->call_line;
        s = sc->parent;
    }
    return n;
}

/* ---- debuginfod ---- */

struct dfd_deadline {
    struct timespec end;
    bool expired;
};
static struct dfd_deadline *dfd_now; /* the download in progress */

static int dfd_progress(debuginfod_client *c, long a, long b)
{
    (void)c, (void)a, (void)b;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (dfd_now && (t.tv_sec > dfd_now->end.tv_sec ||
                    (t.tv_sec == dfd_now->end.tv_sec && t.tv_nsec >= dfd_now->end.tv_nsec))) {
        dfd_now->expired = true;
        return 1; /* abort the transfer */
    }
    return 0;
}

static bool dfd_load(struct inliner *in)
{
    if (in->dfd_tried)
        return in->dfd_client != NULL;
    in->dfd_tried = true;
    void *h = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return false;
    in->dfd.begin = (debuginfod_client * (*)(void)) dlsym(h, "debuginfod_begin");
    in->dfd.find_debuginfo = (int (*)(debuginfod_client *, const unsigned char *, int,
                                      char **))dlsym(h, "debuginfod_find_debuginfo");
    in->dfd.set_progressfn =
        (void (*)(debuginfod_client *, int (*)(debuginfod_client *, long, long)))dlsym(
            h, "debuginfod_set_progressfn");
    in->dfd.end = (void (*)(debuginfod_client *))dlsym(h, "debuginfod_end");
    if (!in->dfd.begin || !in->dfd.find_debuginfo || !in->dfd.set_progressfn || !in->dfd.end ||
        !(in->dfd_client = in->dfd.begin())) {
        dlclose(h);
        return false;
    }
    in->dfd_handle = h;
    in->dfd.set_progressfn(in->dfd_client, dfd_progress);
    return true;
}

char *inliner_debuginfod(struct inliner *in, const unsigned char *bid, size_t len)
{
    const char *urls = getenv("DEBUGINFOD_URLS");
    if (!urls || !*urls || !len || len > 64 || in->dfd_gaveup || !dfd_load(in))
        return NULL;
    struct dfd_deadline d = {.expired = false};
    clock_gettime(CLOCK_MONOTONIC, &d.end);
    d.end.tv_sec += INLINE_DEBUGINFOD_TIMEOUT_S;
    dfd_now = &d;
    char *path = NULL;
    int fd = in->dfd.find_debuginfo(in->dfd_client, bid, (int)len, &path);
    dfd_now = NULL;
    if (d.expired)
        in->dfd_gaveup = true;
    if (fd < 0) {
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}

/* ---- ops for the symbolizer ---- */

static void *op_open(void *ctx, const char *path)
{
    return inliner_open(ctx, path);
}

static int op_frames(void *ctx, void *file, uint64_t vaddr, bool lines, struct inline_frame *out,
                     int max)
{
    return inliner_frames(ctx, file, vaddr, lines, out, max);
}

static char *op_debuginfod(void *ctx, const unsigned char *bid, size_t len)
{
    return inliner_debuginfod(ctx, bid, len);
}

void inliner_counts(const struct inliner *in, uint64_t *dwarf_read, uint64_t *cache_hits)
{
    *dwarf_read = in->dwarf_read;
    *cache_hits = in->cache_hits;
}

static void op_counts(void *ctx, uint64_t *dwarf_read, uint64_t *cache_hits)
{
    inliner_counts(ctx, dwarf_read, cache_hits);
}

struct inline_ops inliner_ops(struct inliner *in)
{
    return (struct inline_ops){in, op_open, op_frames, op_debuginfod, op_counts};
}
