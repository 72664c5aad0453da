/*
 * Symbolizer.
 *
 * Model: three tables.
 *  - modules: registered [lo, hi) runtime ranges with a load bias, kept
 *    sorted by lo (plus a running maximum of hi, so overlapping ranges are
 *    still found) and searched by bisection;
 *  - symfiles: one per distinct ELF path (two mappings of one file share
 *    it), read once on first need into an array of non-overlapping-ish
 *    [lo, hi) function ranges in ELF virtual addresses, sorted by lo; the
 *    string table is copied so the ELF can be closed right away;
 *  - an address cache: runtime address -> final name, because a profile
 *    asks for the same return addresses over and over.
 * Display names (version suffix cut, demangled, sanitized) are made on the
 * first hit of a symbol and stored in a string arena with the fallback
 * names, so every returned pointer lives until symbolizer_free.
 *
 * Not thread-safe: one thread (the collector or the CLI) owns a symbolizer.
 */
#include "collector/symbolize.h"
#include "collector/demangle.h"
#include "collector/folded.h"
#include "collector/inline.h"
#include "collector/perfmap.h"
#include "collector/plt.h"
#include "format/frames.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEBUG_ROOT "/usr/lib/debug"

struct sym {
    uint64_t lo, hi;     /* ELF vaddr range */
    const char *display; /* arena; NULL until first asked */
    uint32_t name;       /* offset into symfile->strs */
};

struct symfile {
    struct symfile *next;
    char *path; /* NULL for in-memory images */
    dev_t dev;  /* identity of the file read, so a symbolizer */
    ino_t ino;  /* reused across processes never names a */
    off_t size; /* rebuilt binary with its old symbols */
    struct timespec mtime;
    struct sym *syms;
    size_t n;
    char *strs;
    bool no_table;    /* no symbol table: syms holds PLT stubs at most */
    bool undebugged;  /* no .symtab in the file or a debug file */
    char *debug_path; /* the separate debug file the table came from */
    char *dwarf_path; /* the file with its DWARF, once looked for */
    void *dwarf;      /* iops.open's handle of it; NULL: none */
    bool dwarf_tried;
};

struct module {
    char *path;  /* NULL: image instead */
    char *name;  /* sanitized basename for fallback frames */
    char *shown; /* the path as the process names it */
    void *image; /* in-memory ELF copy (vDSO) */
    size_t image_size;
    uintptr_t bias, lo, hi;
    uint32_t ep_lo, ep_hi; /* module-map epochs it was mapped in */
    struct symfile *file;  /* NULL until loaded, or when nothing loads */
    bool tried;
    bool self;       /* the profiler's own library: one name for all */
    bool dwarf_seen; /* counted in modules_dwarf */
};

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char mem[];
};

struct cache_slot {
    uintptr_t addr; /* 0: empty */
    const char *name;
};

struct addr_cache {
    struct cache_slot *slots;
    size_t mask, n;
};

struct symbolizer {
    struct module *mods;
    size_t nmods, capmods;
    uintptr_t *maxhi; /* maxhi[i] = max(mods[0..i].hi), valid when !dirty */
    bool dirty;
    struct symfile *files;
    struct arena_chunk *arena;
    struct addr_cache cache;  /* address -> function name */
    struct addr_cache fcache; /* address -> frames (symbolizer_frames_at) */
    struct symbolizer_stats st;
    struct perfmap jit;
    bool jit_on;
    struct inline_ops iops; /* all NULL: no DWARF reader (the preload library) */
    bool want_inline, want_lines;
};

static const char unknown_name[] = FRAME_UNKNOWN;
/* Time inside the profiler's own library (its handler, its interposers'
 * own work) is one frame, so a user sees what profiling costs and no
 * caller is charged for it. */
#define SELF_MODULE "libflamepre.so"
static const char self_name[] = FRAME_SELF;

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;
static bool elf_ok;

static void elf_init(void)
{
    elf_ok = elf_version(EV_CURRENT) != EV_NONE;
}

/* ---- string arena ---- */

static char *arena_alloc(struct symbolizer *S, size_t len)
{
    struct arena_chunk *c = S->arena;

    if (!c || c->cap - c->used < len) {
        size_t cap = len > 60000 ? len : 60000;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = S->arena;
        S->arena = c;
    }
    char *p = c->mem + c->used;
    c->used += len;
    return p;
}

static const char *arena_strdup(struct symbolizer *S, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(S, n);

    if (p)
        memcpy(p, s, n);
    return p;
}

/* ---- address cache ---- */

static size_t hash_addr(uintptr_t a)
{
    uint64_t h = (uint64_t)a * 0x9e3779b97f4a7c15ULL;
    return (size_t)(h ^ (h >> 29));
}

static const char *cache_get(const struct addr_cache *C, uintptr_t addr)
{
    if (!C->slots)
        return NULL;
    for (size_t i = hash_addr(addr) & C->mask; C->slots[i].addr; i = (i + 1) & C->mask)
        if (C->slots[i].addr == addr)
            return C->slots[i].name;
    return NULL;
}

/* The cache is an optimisation: when it cannot grow, lookups just stay
 * uncached. */
static void cache_put(struct addr_cache *C, uintptr_t addr, const char *name)
{
    if (addr == 0)
        return;
    if ((C->n + 1) * 2 > (C->slots ? C->mask + 1 : 0)) {
        size_t n = C->slots ? (C->mask + 1) * 2 : 4096;
        struct cache_slot *c = calloc(n, sizeof(*c));
        if (!c)
            return;
        for (size_t i = 0; C->slots && i <= C->mask; i++) {
            if (!C->slots[i].addr)
                continue;
            size_t j = hash_addr(C->slots[i].addr) & (n - 1);
            while (c[j].addr)
                j = (j + 1) & (n - 1);
            c[j] = C->slots[i];
        }
        free(C->slots);
        C->slots = c;
        C->mask = n - 1;
    }
    size_t i = hash_addr(addr) & C->mask;
    while (C->slots[i].addr)
        i = (i + 1) & C->mask;
    C->slots[i].addr = addr;
    C->slots[i].name = name;
    C->n++;
}

static void cache_clear(struct addr_cache *C)
{
    if (C->slots)
        memset(C->slots, 0, (C->mask + 1) * sizeof(*C->slots));
    C->n = 0;
}

/* ---- lifetime and registration ---- */

struct symbolizer *symbolizer_new(void)
{
    pthread_once(&elf_once, elf_init);
    return calloc(1, sizeof(struct symbolizer));
}

static void module_release(struct module *m)
{
    free(m->path);
    free(m->name);
    free(m->shown);
    free(m->image);
}

void symbolizer_free(struct symbolizer *S)
{
    if (!S)
        return;
    for (size_t i = 0; i < S->nmods; i++)
        module_release(&S->mods[i]);
    free(S->mods);
    free(S->maxhi);
    perfmap_free(&S->jit);
    for (struct symfile *f = S->files, *next; f; f = next) {
        next = f->next;
        free(f->path);
        free(f->syms);
        free(f->strs);
        free(f->debug_path);
        free(f->dwarf_path);
        free(f);
    }
    for (struct arena_chunk *c = S->arena, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(S->cache.slots);
    free(S->fcache.slots);
    free(S);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int add_module(struct symbolizer *S, const char *path, const char *name, void *image,
                      size_t image_size, uintptr_t bias, uintptr_t lo, uintptr_t hi)
{
    struct module m = {0};

    if (S->nmods == S->capmods) {
        size_t cap = S->capmods ? S->capmods * 2 : 64;
        struct module *v = realloc(S->mods, cap * sizeof(*v));
        if (!v)
            return -1;
        S->mods = v;
        S->capmods = cap;
    }
    if (!name || !*name)
        name = path ? path : "[anon]";
    m.name = strdup(base_name(name));
    m.shown = strdup(name);
    m.path = path ? strdup(path) : NULL;
    if (!m.name || !m.shown || (path && !m.path)) {
        free(m.name);
        free(m.shown);
        free(m.path);
        return -1;
    }
    frame_sanitize_str(m.name);
    m.self = strcmp(m.name, SELF_MODULE) == 0;
    m.image = image;
    m.image_size = image_size;
    m.bias = bias;
    m.lo = lo;
    m.hi = hi;
    m.ep_lo = 0;
    m.ep_hi = SYMBOLIZER_EPOCH_ANY;
    S->mods[S->nmods++] = m;
    S->dirty = true;
    S->st.modules++;
    /* Names already cached may now belong to the new module. */
    cache_clear(&S->cache);
    cache_clear(&S->fcache);
    return 0;
}

int symbolizer_add_module(struct symbolizer *S, const char *path, const char *name, uintptr_t bias,
                          uintptr_t lo, uintptr_t hi)
{
    if (!path) {
        errno = EINVAL;
        return -1;
    }
    return add_module(S, path, name, NULL, 0, bias, lo, hi);
}

int symbolizer_add_module_epochs(struct symbolizer *S, const char *path, const char *name,
                                 uintptr_t bias, uintptr_t lo, uintptr_t hi, uint32_t ep_lo,
                                 uint32_t ep_hi)
{
    if (symbolizer_add_module(S, path, name, bias, lo, hi) != 0)
        return -1;
    S->mods[S->nmods - 1].ep_lo = ep_lo;
    S->mods[S->nmods - 1].ep_hi = ep_hi;
    return 0;
}

/* ---- module lookup ---- */

static int cmp_module(const void *a, const void *b)
{
    const struct module *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int prepare_modules(struct symbolizer *S)
{
    if (!S->dirty)
        return 0;
    uintptr_t *mh = realloc(S->maxhi, (S->nmods ? S->nmods : 1) * sizeof(*mh));
    if (!mh)
        return -1;
    S->maxhi = mh;
    if (S->nmods)
        qsort(S->mods, S->nmods, sizeof(*S->mods), cmp_module);
    for (size_t i = 0; i < S->nmods; i++)
        mh[i] = i && mh[i - 1] > S->mods[i].hi ? mh[i - 1] : S->mods[i].hi;
    S->dirty = false;
    return 0;
}

/* The module at addr in module-map epoch ep. Modules that shared an
 * address range at different times (a library unloaded, another loaded
 * there) are told apart by their epochs: the one mapped in ep; else the
 * first one mapped after ep (code run by dlopen itself, before the map was
 * read again); else the last one that was there. */
static struct module *find_module_at(struct symbolizer *S, uintptr_t addr, uint32_t ep)
{
    size_t lo = 0, hi = S->nmods;

    if (prepare_modules(S) != 0)
        return NULL;
    /* First module with lo > addr. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (S->mods[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Walk back over earlier ranges only while one of them could still
     * reach addr; with disjoint modules this is one step. */
    struct module *later = NULL, *last = NULL;
    for (size_t i = lo; i-- > 0 && S->maxhi[i] > addr;) {
        struct module *m = &S->mods[i];
        if (addr >= m->hi)
            continue;
        if (m->ep_lo <= ep && ep <= m->ep_hi)
            return m;
        if (m->ep_lo > ep && (!later || m->ep_lo < later->ep_lo))
            later = m;
        if (!last || m->ep_hi > last->ep_hi)
            last = m;
    }
    return later ? later : last;
}

static struct module *find_module(struct symbolizer *S, uintptr_t addr)
{
    return find_module_at(S, addr, SYMBOLIZER_EPOCH_ANY);
}

/* ---- ELF reading ---- */

static Elf_Scn *find_section_type(Elf *e, GElf_Word type)
{
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;

    while ((scn = elf_nextscn(e, scn)) != NULL)
        if (gelf_getshdr(scn, &sh) && sh.sh_type == type && sh.sh_size > 0)
            return scn;
    return NULL;
}

static Elf_Scn *find_section_name(Elf *e, const char *name)
{
    size_t shstrndx;
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;

    if (elf_getshdrstrndx(e, &shstrndx) != 0)
        return NULL;
    while ((scn = elf_nextscn(e, scn)) != NULL) {
        const char *n;
        if (gelf_getshdr(scn, &sh) && (n = elf_strptr(e, shstrndx, sh.sh_name)) &&
            strcmp(n, name) == 0)
            return scn;
    }
    return NULL;
}

/* NT_GNU_BUILD_ID descriptor; returns its length (0: none). */
static size_t read_build_id(Elf *e, unsigned char *out, size_t cap)
{
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;

    while ((scn = elf_nextscn(e, scn)) != NULL) {
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        GElf_Nhdr nh;
        size_t off = 0, noff, doff;
        if (!d || !d->d_buf)
            continue;
        while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
            if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
                memcmp((char *)d->d_buf + noff, "GNU", 4) == 0 && nh.n_descsz > 0 &&
                nh.n_descsz <= cap) {
                memcpy(out, (char *)d->d_buf + doff, nh.n_descsz);
                return nh.n_descsz;
            }
        }
    }
    return 0;
}

struct rawsym {
    uint64_t lo, size;
    uint32_t name; /* offset into the string table */
    uint16_t sec;  /* containing section (index into secinfo), 0 unknown */
    uint8_t rank;
    uint8_t uscore; /* leading underscores */
};

/* Same address: the best-ranked name first (FUNC over NOTYPE, global over
 * weak over local), then fewer leading underscores (the public name over
 * the internal one at equal rank), then byte order for determinism. Size
 * does not rank: the winner inherits the largest size of its group. */
static int cmp_rawsym(const void *a, const void *b, void *strs)
{
    const struct rawsym *x = a, *y = b;
    const char *sort_strs = strs;

    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank > y->rank ? -1 : 1;
    if (x->uscore != y->uscore)
        return x->uscore < y->uscore ? -1 : 1;
    return strcmp(sort_strs + x->name, sort_strs + y->name);
}

struct rawsym_order {
    const struct rawsym *raw;
    const char *strs;
};

static int cmp_rawsym_index(const void *a, const void *b, void *arg)
{
    const struct rawsym_order *o = arg;
    return cmp_rawsym(&o->raw[*(const uint32_t *)a], &o->raw[*(const uint32_t *)b],
                      (void *)o->strs);
}

/* The cmp_rawsym order of raw[0..n), as indices (malloc'd; NULL when
 * memory is short). A stable LSD radix sort on lo (a byte a pass; bytes
 * that are the same in every address are skipped, so a library takes three
 * passes or so), then each run of equal lo (aliases, a few entries) by the
 * full comparator: the order qsort_r gives, at a fraction of its cost. A
 * libc's debug file has thousands of function symbols, and sorting them
 * (and copying them around) was most of the exit time of a profile that
 * touches libc. Indices, not the records, move: less memory to touch. */
static uint32_t *sort_rawsyms(const struct rawsym *raw, size_t n, const char *strs)
{
    if (n == 0 || n > UINT32_MAX)
        return NULL;
    uint32_t *ord = malloc(2 * n * sizeof(*ord));
    if (!ord)
        return NULL;
    uint32_t *src = ord, *dst = ord + n;
    uint64_t all_and = ~(uint64_t)0, all_or = 0;
    for (size_t i = 0; i < n; i++) {
        src[i] = (uint32_t)i;
        all_and &= raw[i].lo;
        all_or |= raw[i].lo;
    }
    uint64_t varying = all_and ^ all_or;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t pos[256] = {0}, sum = 0;
        if (((varying >> shift) & 0xff) == 0)
            continue;
        for (size_t i = 0; i < n; i++)
            pos[(raw[src[i]].lo >> shift) & 0xff]++;
        for (size_t b = 0; b < 256; b++) {
            size_t c = pos[b];
            pos[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[pos[(raw[src[i]].lo >> shift) & 0xff]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != ord)
        memcpy(ord, src, n * sizeof(*ord));
    struct rawsym_order o = {raw, strs};
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && raw[ord[j]].lo == raw[ord[i]].lo; j++)
            ;
        if (j - i > 8) {
            qsort_r(ord + i, j - i, sizeof(*ord), cmp_rawsym_index, &o);
            continue;
        }
        /* Insertion sort: alias groups are tiny. */
        for (size_t k = i + 1; k < j; k++) {
            uint32_t v = ord[k];
            size_t m = k;
            for (; m > i && cmp_rawsym(&raw[ord[m - 1]], &raw[v], (void *)strs) > 0; m--)
                ord[m] = ord[m - 1];
            ord[m] = v;
        }
    }
    return ord;
}

struct secinfo {
    uint64_t addr, end;
    bool exec;
};

/* Read the function symbols of one symbol table section into f. Returns the
 * number of symbols kept (0 leaves f untouched), -1 on allocation failure.
 * Memory is touched sparingly (each fresh page costs a fault): the records
 * are sorted by index, and only the names of the symbols kept are copied
 * out of the string table. */
static long read_symtab(Elf *e, Elf_Scn *symscn, struct symfile *f)
{
    GElf_Shdr sh, strsh;
    Elf_Data *data, *strdata;
    Elf_Scn *strscn;
    size_t nsecs = 0, entsz, n, kept = 0;
    struct secinfo *secs = NULL;
    struct rawsym *raw = NULL;
    uint32_t *ord = NULL;
    struct sym *syms = NULL;
    char *copy = NULL, *names = NULL;
    const char *strs;
    long ret = -1;

    if (!gelf_getshdr(symscn, &sh) || !(strscn = elf_getscn(e, sh.sh_link)) ||
        !gelf_getshdr(strscn, &strsh) || strsh.sh_type != SHT_STRTAB)
        return 0;
    data = elf_getdata(symscn, NULL);
    strdata = elf_getdata(strscn, NULL);
    entsz = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
    if (!data || !strdata || !strdata->d_buf || !entsz || strdata->d_size >= UINT32_MAX)
        return 0;
    n = data->d_size / entsz;
    if (n < 2)
        return 0;

    if (elf_getshdrnum(e, &nsecs) != 0)
        nsecs = 0;
    if (nsecs > UINT16_MAX + 1)
        nsecs = UINT16_MAX + 1; /* st_shndx cannot name more */
    secs = calloc(nsecs ? nsecs : 1, sizeof(*secs));
    raw = malloc(n * sizeof(*raw));
    if (!secs || !raw)
        goto out;
    /* Names are read in place when the table ends with its terminator, as
     * ELF requires; a copy with one added otherwise. */
    if (strdata->d_size > 0 && ((const char *)strdata->d_buf)[strdata->d_size - 1] == '\0') {
        strs = strdata->d_buf;
    } else {
        copy = malloc(strdata->d_size + 1);
        if (!copy)
            goto out;
        memcpy(copy, strdata->d_buf, strdata->d_size);
        copy[strdata->d_size] = '\0';
        strs = copy;
    }
    for (size_t i = 1; i < nsecs; i++) {
        GElf_Shdr s;
        Elf_Scn *scn = elf_getscn(e, i);
        if (scn && gelf_getshdr(scn, &s) && (s.sh_flags & SHF_ALLOC)) {
            secs[i].addr = s.sh_addr;
            secs[i].end = s.sh_addr + s.sh_size;
            secs[i].exec = (s.sh_flags & SHF_EXECINSTR) != 0;
        }
    }

    for (size_t i = 1; i < n; i++) {
        GElf_Sym s;
        if (!gelf_getsym(data, (int)i, &s))
            continue;
        int type = GELF_ST_TYPE(s.st_info), bind = GELF_ST_BIND(s.st_info);
        if (s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE || s.st_value == 0 ||
            s.st_name == 0 || s.st_name >= strdata->d_size)
            continue;
        const struct secinfo *sec = s.st_shndx < nsecs ? &secs[s.st_shndx] : NULL;
        const char *name = strs + s.st_name;
        bool func = type == STT_FUNC || type == STT_GNU_IFUNC;
        /* Hand-written assembly often omits .type; such a global label in
         * code is still the best name for its bytes. Local untyped labels
         * (ARM "$x" mapping symbols, jump targets) are not functions. */
        if (!func &&
            !(type == STT_NOTYPE && bind != STB_LOCAL && sec && sec->exec && name[0] != '$'))
            continue;
        struct rawsym *r = &raw[kept++];
        r->lo = s.st_value;
        r->size = s.st_size;
        r->sec = sec ? (uint16_t)s.st_shndx : 0;
        r->name = (uint32_t)s.st_name;
        r->rank = (uint8_t)((func ? 4 : 0) + (bind == STB_GLOBAL ? 2 : bind == STB_WEAK ? 1 : 0));
        uint8_t u = 0;
        while (name[u] == '_' && u < 255)
            u++;
        r->uscore = u;
    }
    if (kept == 0) {
        ret = 0;
        goto out;
    }
    ord = sort_rawsyms(raw, kept, strs);
    if (!ord)
        qsort_r(raw, kept, sizeof(*raw), cmp_rawsym, (void *)strs);
#define RAW(k) (&raw[ord ? ord[k] : (k)])

    syms = malloc(kept * sizeof(*syms));
    if (!syms)
        goto out;
    size_t m = 0, names_len = 0;
    for (size_t i = 0; i < kept;) {
        const struct rawsym *w = RAW(i);
        size_t j = i;
        uint64_t size = w->size, cap = 0;
        /* Aliases: the winner takes the largest size of the group, so a
         * zero-size preferred alias does not lose a sized twin's extent;
         * the section end comes from the first of them inside a section. */
        for (; j < kept && RAW(j)->lo == w->lo; j++) {
            const struct rawsym *r = RAW(j);
            const struct secinfo *sec = &secs[r->sec];
            if (r->size > size)
                size = r->size;
            if (!cap && sec->end > r->lo && sec->addr <= r->lo)
                cap = sec->end;
        }
        uint64_t hi = w->lo + size;
        if (size == 0) {
            /* Zero-size symbols (assembly without .size) reach to the next
             * symbol, but never past their section: a size-0 _init must
             * not swallow the PLT that follows it. */
            hi = j < kept ? RAW(j)->lo : (cap ? cap : w->lo + 1);
            if (cap && cap < hi)
                hi = cap;
        }
        syms[m].lo = w->lo;
        syms[m].hi = hi > w->lo ? hi : w->lo + 1;
        syms[m].name = w->name;
        syms[m].display = NULL;
        names_len += strlen(strs + w->name) + 1;
        m++;
        i = j;
    }
#undef RAW
    /* Keep only the names used: a debug file's string table also holds
     * every local, object and file name. One extra NUL at the end, as the
     * full copy had: display_name looks one byte past an empty name. */
    if (names_len <= strdata->d_size) {
        names = malloc(names_len + 1);
        if (!names)
            goto out;
        size_t at = 0;
        for (size_t k = 0; k < m; k++) {
            size_t len = strlen(strs + syms[k].name) + 1;
            memcpy(names + at, strs + syms[k].name, len);
            syms[k].name = (uint32_t)at;
            at += len;
        }
        names[at] = '\0';
    } else if (copy) {
        names = copy;
        copy = NULL;
    } else {
        names = malloc(strdata->d_size + 1);
        if (!names)
            goto out;
        memcpy(names, strs, strdata->d_size);
        names[strdata->d_size] = '\0';
    }
    free(f->syms);
    free(f->strs);
    f->syms = syms;
    f->n = m;
    f->strs = names;
    syms = NULL;
    ret = (long)m;
out:
    free(secs);
    free(raw);
    free(ord);
    free(syms);
    free(copy);
    return ret;
}

/* Reads the symbol table of type `type` from e into f; >0 when found. */
static long read_table(Elf *e, GElf_Word type, struct symfile *f)
{
    Elf_Scn *scn = find_section_type(e, type);
    return scn ? read_symtab(e, scn, f) : 0;
}

struct elf_handle {
    int fd;
    Elf *e;
};

static bool elf_open(struct elf_handle *h, const char *path)
{
    h->e = NULL;
    h->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (h->fd < 0)
        return false;
    h->e = elf_begin(h->fd, ELF_C_READ_MMAP, NULL);
    if (!h->e || elf_kind(h->e) != ELF_K_ELF) {
        if (h->e)
            elf_end(h->e);
        close(h->fd);
        h->e = NULL;
        h->fd = -1;
        return false;
    }
    return true;
}

static void elf_close(struct elf_handle *h)
{
    if (h->e)
        elf_end(h->e);
    if (h->fd >= 0)
        close(h->fd);
    h->e = NULL;
    h->fd = -1;
}

/* The CRC-32 that .gnu_debuglink stores (zlib's polynomial, initial 0).
 * Our own small table version: the preload library does not link zlib. */
static uint32_t crc32_update(const uint32_t *table, uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static bool file_crc_matches(int fd, uint32_t want)
{
    uint32_t table[256];
    unsigned char buf[65536];
    uint32_t crc = 0;
    ssize_t n;

    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    if (lseek(fd, 0, SEEK_SET) != 0)
        return false;
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        crc = crc32_update(table, crc, buf, (size_t)n);
    }
    return crc == want;
}

/* True when e carries DWARF (a .debug_info with contents: a stripped
 * file's NOBITS stub does not count). */
static bool has_dwarf(Elf *e)
{
    GElf_Shdr sh;
    Elf_Scn *scn = find_section_name(e, ".debug_info");
    return scn && gelf_getshdr(scn, &sh) && sh.sh_type != SHT_NOBITS && sh.sh_size > 0;
}

/* What a separate debug file is wanted for: its symbol table (read into
 * f, f->debug_path set), or its DWARF (f->dwarf_path set). */
enum debug_want { WANT_SYMTAB, WANT_DWARF };

/* Try one separate debug file candidate. The match check is the build-id
 * when both files carry one (cheap and exact); otherwise the debuglink
 * CRC, which costs one read of the debug file, only for old toolchains. */
static long try_debug_file(const char *path, const struct stat *self, const unsigned char *bid,
                           size_t bidlen, bool check_crc, uint32_t crc, struct symfile *f,
                           enum debug_want want)
{
    struct elf_handle h;
    struct stat st;
    long got = 0;

    if (!elf_open(&h, path))
        return 0;
    if (self && fstat(h.fd, &st) == 0 && st.st_dev == self->st_dev && st.st_ino == self->st_ino)
        goto out; /* debuglink naming the file itself */
    if (bidlen) {
        unsigned char dbid[64];
        size_t dlen = read_build_id(h.e, dbid, sizeof(dbid));
        if (dlen && (dlen != bidlen || memcmp(dbid, bid, bidlen) != 0))
            goto out;
        if (dlen)
            check_crc = false;
    }
    if (check_crc && !file_crc_matches(h.fd, crc))
        goto out;
    got = want == WANT_SYMTAB ? read_table(h.e, SHT_SYMTAB, f) : has_dwarf(h.e);
    if (got > 0) {
        char **slot = want == WANT_SYMTAB ? &f->debug_path : &f->dwarf_path;
        free(*slot);
        *slot = strdup(path);
    }
out:
    elf_close(&h);
    return got;
}

static long load_by_build_id(const unsigned char *bid, size_t bidlen, struct symfile *f,
                             enum debug_want want)
{
    char path[PATH_MAX];
    size_t n;

    if (bidlen < 2)
        return 0;
    n = (size_t)snprintf(path, sizeof(path), DEBUG_ROOT "/.build-id/%02x/", bid[0]);
    for (size_t i = 1; i < bidlen && n + 3 < sizeof(path); i++)
        n += (size_t)snprintf(path + n, sizeof(path) - n, "%02x", bid[i]);
    if (n + sizeof(".debug") > sizeof(path))
        return 0;
    memcpy(path + n, ".debug", sizeof(".debug"));
    return try_debug_file(path, NULL, bid, bidlen, false, 0, f, want);
}

/* .gnu_debuglink: "name\0", padding to 4, CRC-32 in the file's byte order.
 * Searched where GDB searches: next to the (symlink-resolved) file, in its
 * .debug/ subdirectory, and under /usr/lib/debug/<dir>/. */
static long load_by_debuglink(Elf *e, int fd, const char *path, const unsigned char *bid,
                              size_t bidlen, struct symfile *f, enum debug_want want)
{
    Elf_Scn *scn = find_section_name(e, ".gnu_debuglink");
    Elf_Data *d;
    GElf_Ehdr eh;
    struct stat self;
    char *real, *dir, cand[PATH_MAX];
    long got = 0;

    if (!scn || !(d = elf_getdata(scn, NULL)) || !d->d_buf || !gelf_getehdr(e, &eh))
        return 0;
    const char *link = d->d_buf;
    size_t nlen = strnlen(link, d->d_size);
    size_t crcoff = (nlen + 4) & ~(size_t)3;
    if (nlen == 0 || nlen == d->d_size || crcoff + 4 > d->d_size || memchr(link, '/', nlen))
        return 0;
    const unsigned char *c = (const unsigned char *)d->d_buf + crcoff;
    uint32_t crc = eh.e_ident[EI_DATA] == ELFDATA2MSB
                       ? (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3]
                       : (uint32_t)c[3] << 24 | (uint32_t)c[2] << 16 | (uint32_t)c[1] << 8 | c[0];

    real = realpath(path, NULL);
    dir = real ? real : strdup(path);
    if (!dir || fstat(fd, &self) != 0) {
        free(dir);
        return 0;
    }
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    else
        strcpy(dir, ".");
    const char *fmts[] = {"%s/%.*s", "%s/.debug/%.*s", DEBUG_ROOT "%s/%.*s"};
    for (size_t i = 0; i < 3 && got == 0; i++) {
        if (i == 2 && dir[0] != '/')
            break;
        int n = snprintf(cand, sizeof(cand), fmts[i], strcmp(dir, "/") ? dir : "", (int)nlen, link);
        if (n > 0 && (size_t)n < sizeof(cand))
            got = try_debug_file(cand, &self, bid, bidlen, true, crc, f, want);
    }
    free(dir);
    return got;
}

static struct symfile *new_symfile(struct symbolizer *S, const char *path)
{
    struct symfile *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    if (path && !(f->path = strdup(path))) {
        free(f);
        return NULL;
    }
    f->next = S->files;
    S->files = f;
    return f;
}

static int cmp_sym(const void *a, const void *b)
{
    uint64_t x = ((const struct sym *)a)->lo, y = ((const struct sym *)b)->lo;
    return x < y ? -1 : x > y;
}

static struct sym *find_sym(struct symfile *f, uint64_t off);

/* The PLT stubs of e (plt.h) as symbols of f, named "foo@plt" with foo
 * demangled, where no symbol of the table read covers them. The table
 * may come from a debug file; the stubs always come from the file that
 * is mapped. */
static void add_plt_stubs(struct symbolizer *S, struct symfile *f, Elf *e)
{
    struct plt_stub *v;
    long n = plt_stubs(e, &v);
    if (n <= 0)
        return;
    struct sym *syms = realloc(f->syms, (f->n + (size_t)n) * sizeof *syms);
    if (!syms) {
        plt_free(v, n);
        return;
    }
    f->syms = syms;
    size_t m = f->n;
    for (long i = 0; i < n; i++) {
        if (find_sym(f, v[i].lo))
            continue;
        size_t len = strlen(v[i].name) - 4; /* without "@plt" */
        v[i].name[len] = 0;
        char *dem = demangle(v[i].name);
        const char *base = dem ? dem : v[i].name;
        size_t blen = strlen(base);
        char *out = arena_alloc(S, blen + 5);
        if (out) {
            memcpy(out, base, blen);
            memcpy(out + blen, "@plt", 5);
            frame_sanitize_str(out);
            syms[m++] = (struct sym){v[i].lo, v[i].hi, out, 0};
        }
        free(dem);
    }
    plt_free(v, n);
    if (m != f->n) {
        f->n = m;
        qsort(f->syms, f->n, sizeof *f->syms, cmp_sym);
    }
}

/* A separate debug file of the module open in h (path NULL: in memory),
 * found where GDB looks (by build-id, then by .gnu_debuglink), then, when
 * DEBUGINFOD_URLS is set, through debuginfod (inline.h; the collector
 * process only). >0 when found (and read, for WANT_SYMTAB). */
static long find_debug_file(struct symbolizer *S, struct elf_handle *h, const char *path,
                            const unsigned char *bid, size_t bidlen, struct symfile *f,
                            enum debug_want want)
{
    long got = load_by_build_id(bid, bidlen, f, want);
    if (got == 0 && path)
        got = load_by_debuglink(h->e, h->fd, path, bid, bidlen, f, want);
    if (got == 0 && S->iops.debuginfod && bidlen) {
        char *p = S->iops.debuginfod(S->iops.ctx, bid, bidlen);
        if (p)
            got = try_debug_file(p, NULL, bid, bidlen, false, 0, f, want);
        free(p);
    }
    return got;
}

static void load_module(struct symbolizer *S, struct module *m)
{
    struct elf_handle h = {.fd = -1, .e = NULL};
    struct symfile *f;
    unsigned char bid[64];
    size_t bidlen;

    m->tried = true;
    if (!elf_ok)
        return;
    if (m->path) {
        struct stat st;
        bool have_st = stat(m->path, &st) == 0;
        for (f = S->files; f; f = f->next) {
            if (f->path && strcmp(f->path, m->path) == 0 && have_st && f->dev == st.st_dev &&
                f->ino == st.st_ino && f->size == st.st_size &&
                f->mtime.tv_sec == st.st_mtim.tv_sec && f->mtime.tv_nsec == st.st_mtim.tv_nsec) {
                m->file = f;
                S->st.modules_loaded++;
                if (f->no_table)
                    S->st.modules_nosyms++;
                return;
            }
        }
        if (!elf_open(&h, m->path))
            return;
    } else {
        h.e = elf_memory(m->image, m->image_size);
        if (!h.e || elf_kind(h.e) != ELF_K_ELF) {
            elf_close(&h);
            return;
        }
    }
    S->st.modules_loaded++;
    f = new_symfile(S, m->path);
    if (!f) {
        elf_close(&h);
        return;
    }
    m->file = f;
    struct stat fst;
    if (h.fd >= 0 && fstat(h.fd, &fst) == 0) {
        f->dev = fst.st_dev;
        f->ino = fst.st_ino;
        f->size = fst.st_size;
        f->mtime = fst.st_mtim;
    }
    if (read_table(h.e, SHT_SYMTAB, f) == 0) {
        bidlen = read_build_id(h.e, bid, sizeof(bid));
        if (find_debug_file(S, &h, m->path, bid, bidlen, f, WANT_SYMTAB) == 0) {
            read_table(h.e, SHT_DYNSYM, f);
            f->undebugged = true;
        }
    }
    f->no_table = !f->n;
    add_plt_stubs(S, f, h.e);
    if (f->no_table)
        S->st.modules_nosyms++;
    elf_close(&h);
}

/* ---- lookup ---- */

static struct sym *find_sym(struct symfile *f, uint64_t off)
{
    size_t lo = 0, hi = f->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->syms[mid].lo <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Nested symbols (a local label-function inside a bigger one) leave the
     * outer function's tail covered only by an earlier entry; a few steps
     * back find it without building an interval tree. */
    for (size_t i = lo, steps = 0; i-- > 0 && steps < 8; steps++)
        if (off < f->syms[i].hi)
            return &f->syms[i];
    return NULL;
}

/* A symbol's (or a DWARF function's) name as a frame shows it: version
 * suffix cut, demangled, sanitized; in the arena. NULL: no memory. */
static const char *display_of(struct symbolizer *S, const char *raw)
{
    /* Versioned names in static tables ("memcpy@@GLIBC_2.14"). */
    const char *at = raw[0] ? strchr(raw + 1, '@') : NULL;
    char *plain = at ? strndup(raw, (size_t)(at - raw)) : strdup(raw);
    if (!plain)
        return NULL;
    char *dem = demangle(plain);
    char *out = (char *)arena_strdup(S, dem ? dem : plain);
    free(dem);
    free(plain);
    if (out)
        frame_sanitize_str(out);
    return out;
}

static const char *display_name(struct symbolizer *S, struct symfile *f, struct sym *s)
{
    if (!s->display)
        s->display = display_of(S, f->strs + s->name);
    return s->display;
}

static const char *fallback_name(struct symbolizer *S, const struct module *m, uintptr_t addr)
{
    char buf[64];
    size_t nlen = strlen(m->name);
    int n = snprintf(buf, sizeof(buf), "+0x%llx]", (unsigned long long)(addr - m->bias));
    char *p = arena_alloc(S, 1 + nlen + (size_t)n + 1);

    if (!p)
        return unknown_name;
    p[0] = '[';
    memcpy(p + 1, m->name, nlen);
    memcpy(p + 1 + nlen, buf, (size_t)n + 1);
    return p;
}

const char *symbolizer_name(struct symbolizer *S, uintptr_t addr)
{
    return symbolizer_name_at(S, addr, SYMBOLIZER_EPOCH_ANY);
}

const char *symbolizer_name_at(struct symbolizer *S, uintptr_t addr, uint32_t epoch)
{
    const char *name;
    struct module *m;
    /* Cached by address and epoch (user addresses fit in 48 bits). */
    uintptr_t key = addr | (uintptr_t)(epoch & 0xffffu) << 48;

    S->st.lookups++;
    if ((name = cache_get(&S->cache, key)) != NULL) {
        /* Real names never start with '[' in practice, fallbacks always. */
        if (name[0] == '[')
            S->st.unresolved++;
        return name;
    }
    m = find_module_at(S, addr, epoch);
    if (!m) {
        const char *jit = S->jit_on ? perfmap_lookup(&S->jit, addr) : NULL;
        size_t len = jit ? strlen(jit) : 0;
        char *out = jit ? arena_alloc(S, len + sizeof FRAME_JIT_SUFFIX) : NULL;
        if (!out) {
            S->st.unresolved++;
            return unknown_name;
        }
        memcpy(out, jit, len);
        memcpy(out + len, FRAME_JIT_SUFFIX, sizeof FRAME_JIT_SUFFIX);
        frame_sanitize_str(out);
        cache_put(&S->cache, key, out);
        return out;
    }
    if (m->self) {
        cache_put(&S->cache, key, self_name);
        return self_name;
    }
    if (!m->tried)
        load_module(S, m);
    name = NULL;
    if (m->file && m->file->n) {
        struct sym *s = find_sym(m->file, (uint64_t)(addr - m->bias));
        if (s)
            name = display_name(S, m->file, s);
    }
    if (!name) {
        S->st.unresolved++;
        name = fallback_name(S, m, addr);
    }
    cache_put(&S->cache, key, name);
    return name;
}

const char *symbolizer_module_at(struct symbolizer *S, uintptr_t addr, uint32_t epoch)
{
    struct module *m = find_module_at(S, addr, epoch);
    return m ? m->name : NULL;
}

void symbolizer_foreach_undebugged(const struct symbolizer *S,
                                   void (*fn)(const char *path, void *arg), void *arg)
{
    for (size_t i = 0; i < S->nmods; i++) {
        const struct module *m = &S->mods[i];
        if (!m->file || !m->file->undebugged || !m->path)
            continue;
        bool seen = false; /* two mappings of one file: named once */
        for (size_t j = 0; j < i && !seen; j++)
            seen = S->mods[j].file == m->file;
        if (!seen)
            fn(m->shown, arg);
    }
}

/* ---- inlined frames and source lines (inline.h) ---- */

void symbolizer_set_inline_ops(struct symbolizer *S, const struct inline_ops *ops)
{
    if (ops)
        S->iops = *ops;
    else
        memset(&S->iops, 0, sizeof S->iops);
    cache_clear(&S->fcache);
}

bool symbolizer_set_frames(struct symbolizer *S, bool inlined, bool lines)
{
    if (S->want_inline != inlined || S->want_lines != lines)
        cache_clear(&S->fcache);
    S->want_inline = inlined;
    S->want_lines = lines;
    return S->iops.open && (inlined || lines);
}

/* The DWARF of module m's file, looked for once per file: the file
 * itself, the debug file its symbols came from, then a debug file found
 * for the DWARF alone (find_debug_file). */
static void *module_dwarf(struct symbolizer *S, struct module *m)
{
    struct symfile *f = m->file;
    if (!f)
        return NULL;
    if (!f->dwarf_tried && m->path) {
        struct elf_handle h;
        f->dwarf_tried = true;
        if (elf_open(&h, m->path)) {
            unsigned char bid[64];
            size_t bidlen = read_build_id(h.e, bid, sizeof bid);
            if (has_dwarf(h.e))
                f->dwarf_path = strdup(m->path);
            else if (!f->debug_path ||
                     try_debug_file(f->debug_path, NULL, bid, bidlen, false, 0, f, WANT_DWARF) <= 0)
                find_debug_file(S, &h, m->path, bid, bidlen, f, WANT_DWARF);
            elf_close(&h);
        }
        if (f->dwarf_path)
            f->dwarf = S->iops.open(S->iops.ctx, f->dwarf_path);
    }
    if (f->dwarf && !m->dwarf_seen) {
        m->dwarf_seen = true;
        S->st.modules_dwarf++;
    }
    return f->dwarf;
}

struct fbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void fbuf_add(struct fbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* One frame: name, the inlined mark, the line suffix (format/frames.h). */
static void add_frame(struct symbolizer *S, struct fbuf *b, const char *name, bool inlined,
                      const struct inline_frame *at)
{
    if (b->len)
        fbuf_add(b, ";", 1);
    fbuf_add(b, name, strlen(name));
    if (inlined)
        fbuf_add(b, FRAME_INLINED_SUFFIX, sizeof FRAME_INLINED_SUFFIX - 1);
    if (S->want_lines && at->file) {
        char sfx[FRAME_LINE_SUFFIX_MAX];
        int n = frame_line_suffix(sfx, sizeof sfx, at->file, at->line);
        if (n > 0)
            fbuf_add(b, sfx, (size_t)n);
    }
}

/* Expand the frame of addr (named `name` by its symbol) with the frames
 * DWARF says were inlined there and the source lines asked for. */
static const char *expand_frames(struct symbolizer *S, uintptr_t addr, uint32_t epoch,
                                 const char *name)
{
    enum { MAX_INLINED = 32 };
    struct inline_frame fr[MAX_INLINED];
    struct module *m = find_module_at(S, addr, epoch);
    void *dw;
    int n;
    /* Fallback names ("[lib+0x..]") and the profiler's own frame stay. */
    if (!m || m->self || name[0] == '[' || !(dw = module_dwarf(S, m)) ||
        (n = S->iops.frames(S->iops.ctx, dw, (uint64_t)(addr - m->bias), S->want_lines, fr,
                            MAX_INLINED)) <= 0)
        return name;
    if (!S->want_inline)
        n = 1; /* the line of addr itself, on the function that holds it */
    struct fbuf b = {0};
    /* The real function keeps its symbol's name; its line is that of the
     * outermost inlined call (or of addr). */
    struct inline_frame outer = fr[n - 1];
    if (n == 1)
        outer = fr[0];
    add_frame(S, &b, name, false, &outer);
    for (int i = n - 1; i-- > 0;) {
        const char *dn = fr[i].name ? display_of(S, fr[i].name) : NULL;
        add_frame(S, &b, dn ? dn : FRAME_UNKNOWN, true, &fr[i]);
    }
    const char *out = b.oom || !b.p ? name : arena_strdup(S, b.p);
    free(b.p);
    return out ? out : name;
}

const char *symbolizer_frames_at(struct symbolizer *S, uintptr_t addr, uint32_t epoch)
{
    const char *name = symbolizer_name_at(S, addr, epoch);
    if (!S->iops.open || !(S->want_inline || S->want_lines))
        return name;
    uintptr_t key = addr | (uintptr_t)(epoch & 0xffffu) << 48;
    const char *out = cache_get(&S->fcache, key);
    if (!out) {
        out = expand_frames(S, addr, epoch, name);
        cache_put(&S->fcache, key, out);
    }
    if (strchr(out, ';'))
        S->st.inlined++;
    return out;
}

int symbolizer_module_of(struct symbolizer *S, uintptr_t addr, const char **name, uintptr_t *lo,
                         uintptr_t *hi)
{
    struct module *m = find_module(S, addr);

    if (!m)
        return -1;
    if (name)
        *name = m->name;
    if (lo)
        *lo = m->lo;
    if (hi)
        *hi = m->hi;
    return 0;
}

void symbolizer_stats(const struct symbolizer *S, struct symbolizer_stats *out)
{
    *out = S->st;
    if (S->iops.counts)
        S->iops.counts(S->iops.ctx, &out->dwarf_files_read, &out->inline_cache_hits);
}

/* ---- the calling process ---- */

struct self_ctx {
    struct symbolizer *S;
    uintptr_t vdso;
    int added;
    bool failed;
    bool seen_exe;
};

/* The vDSO has no file; copy its image (a complete ELF with section
 * headers, a few KB) so libelf reads it like a file. */
static int add_vdso(struct symbolizer *S, const struct dl_phdr_info *info, uintptr_t base,
                    uintptr_t lo, uintptr_t hi)
{
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
    size_t size = 0;

    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return 0;
    if (eh->e_shoff && eh->e_shnum)
        size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        if (p->p_type == PT_LOAD && p->p_offset + p->p_filesz > size)
            size = p->p_offset + p->p_filesz;
    }
    /* The image must lie inside the mapping we are about to copy; the
     * section headers sit past the last PT_LOAD byte but inside its page. */
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t map_end = (hi + page - 1) & ~(page - 1);
    if (size == 0 || base < lo || size > map_end - base)
        return 0;
    void *copy = malloc(size);
    if (!copy)
        return -1;
    memcpy(copy, eh, size);
    const char *name = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : "[vdso]";
    if (add_module(S, NULL, name, copy, size, info->dlpi_addr, lo, hi) != 0) {
        free(copy);
        return -1;
    }
    return 1;
}

static int self_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct self_ctx *c = arg;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    int r;

    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        if (p->p_type != PT_LOAD || p->p_memsz == 0)
            continue;
        if (info->dlpi_addr + p->p_vaddr < lo)
            lo = info->dlpi_addr + p->p_vaddr;
        if (info->dlpi_addr + p->p_vaddr + p->p_memsz > hi)
            hi = info->dlpi_addr + p->p_vaddr + p->p_memsz;
    }
    if (lo >= hi)
        return 0;

    const char *name = info->dlpi_name;
    if (c->vdso && c->vdso >= lo && c->vdso < hi) {
        r = add_vdso(c->S, info, c->vdso, lo, hi);
    } else if (!name || !*name) {
        /* The main program is the one nameless entry. */
        char exe[PATH_MAX];
        ssize_t n;
        if (c->seen_exe)
            return 0;
        c->seen_exe = true;
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0)
            return 0;
        exe[n] = '\0';
        /* A replaced binary still opens through /proc/self/exe; keep the
         * real name for the frames. */
        const char *del = " (deleted)";
        size_t dl = strlen(del);
        if ((size_t)n > dl && strcmp(exe + n - dl, del) == 0) {
            exe[n - dl] = '\0';
            r = add_module(c->S, "/proc/self/exe", exe, NULL, 0, info->dlpi_addr, lo, hi);
        } else {
            r = add_module(c->S, exe, NULL, NULL, 0, info->dlpi_addr, lo, hi);
        }
        r = r == 0 ? 1 : -1;
    } else {
        r = symbolizer_add_module(c->S, name, NULL, info->dlpi_addr, lo, hi) == 0 ? 1 : -1;
    }
    if (r < 0) {
        c->failed = true;
        return 1;
    }
    c->added += r;
    return 0;
}

void symbolizer_set_jit_pid(struct symbolizer *S, pid_t pid)
{
    perfmap_free(&S->jit);
    perfmap_init(&S->jit, pid);
    S->jit_on = true;
}

void symbolizer_reset_modules(struct symbolizer *S)
{
    perfmap_free(&S->jit);
    S->jit_on = false;
    for (size_t i = 0; i < S->nmods; i++)
        module_release(&S->mods[i]);
    S->nmods = 0;
    S->dirty = true;
    cache_clear(&S->cache);
    cache_clear(&S->fcache);
    memset(&S->st, 0, sizeof S->st);
}

int symbolizer_add_vdso(struct symbolizer *S, uintptr_t lo, uintptr_t hi)
{
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)getauxval(AT_SYSINFO_EHDR);
    if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return 0;
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff);
    size_t size = 0;
    uintptr_t vaddr0 = UINTPTR_MAX;
    if (eh->e_shoff && eh->e_shnum)
        size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        if (ph[i].p_offset + ph[i].p_filesz > size)
            size = ph[i].p_offset + ph[i].p_filesz;
        if (ph[i].p_offset == 0 && ph[i].p_vaddr < vaddr0)
            vaddr0 = ph[i].p_vaddr;
    }
    /* Our own vDSO is the kernel's, the same image every process maps. */
    if (vaddr0 == UINTPTR_MAX || size == 0 || size > 1u << 20)
        return 0;
    void *copy = malloc(size);
    if (!copy)
        return -1;
    memcpy(copy, eh, size);
    if (add_module(S, NULL, "[vdso]", copy, size, lo - vaddr0, lo, hi) != 0) {
        free(copy);
        return -1;
    }
    return 1;
}

int symbolizer_add_self_modules(struct symbolizer *S)
{
    struct self_ctx c = {.S = S, .vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR)};

    dl_iterate_phdr(self_cb, &c);
    return c.failed ? -1 : c.added;
}
