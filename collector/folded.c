/*
 * Folded-stack multiset.
 *
 * Model: an open-addressing hash table (linear probing, power-of-two size,
 * at most half full) of slots {hash, entry*}. Each distinct stack is one
 * entry {count, len, text NUL-terminated} carved from a chunked arena, so
 * millions of adds of a few thousand distinct stacks cost one hash and one
 * memcmp each and no malloc. The hash sits in the slot so probing rarely
 * touches entry memory. Stack text is sanitized on the way in (control
 * characters and invalid UTF-8 -> '_', format/frames.h), which also guarantees no NUL inside an entry, so byte
 * order equals strcmp order. The sorted view is built on demand and kept
 * until the next new distinct stack.
 */
#include "collector/folded.h"
#include "format/atomic_file.h"
#include "format/frames.h"
#include "format/hash.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct fentry {
    uint64_t count;
    size_t len;
    char text[];
};

struct fslot {
    uint64_t hash;
    struct fentry *e; /* NULL: empty */
};

struct fchunk {
    struct fchunk *next;
    size_t used, cap;
    char mem[];
};

struct folded {
    struct fslot *slots;
    size_t mask; /* nslots - 1 */
    size_t distinct;
    uint64_t total;
    struct fchunk *chunks;
    struct fentry **sorted; /* valid when sorted_n == distinct */
    size_t sorted_n;
    char *scratch; /* sanitized copy of an incoming stack */
    size_t scratch_cap;
};

enum { FOLDED_CHUNK = 256 * 1024, FOLDED_INIT_SLOTS = 1024 };

struct folded *folded_new(void)
{
    struct folded *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    f->slots = calloc(FOLDED_INIT_SLOTS, sizeof(*f->slots));
    if (!f->slots) {
        free(f);
        return NULL;
    }
    f->mask = FOLDED_INIT_SLOTS - 1;
    return f;
}

void folded_free(struct folded *f)
{
    if (!f)
        return;
    for (struct fchunk *c = f->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(f->slots);
    free(f->sorted);
    free(f->scratch);
    free(f);
}

static struct fentry *arena_entry(struct folded *f, size_t len)
{
    size_t need = (sizeof(struct fentry) + len + 1 + 7) & ~(size_t)7;
    struct fchunk *c = f->chunks;

    if (!c || c->cap - c->used < need) {
        size_t cap = need > FOLDED_CHUNK ? need : FOLDED_CHUNK;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = f->chunks;
        f->chunks = c;
    }
    struct fentry *e = (struct fentry *)(void *)(c->mem + c->used);
    c->used += need;
    return e;
}

static int grow(struct folded *f)
{
    size_t n = (f->mask + 1) * 2;
    struct fslot *slots = calloc(n, sizeof(*slots));

    if (!slots)
        return -1;
    for (size_t i = 0; i <= f->mask; i++) {
        if (!f->slots[i].e)
            continue;
        size_t j = f->slots[i].hash & (n - 1);
        while (slots[j].e)
            j = (j + 1) & (n - 1);
        slots[j] = f->slots[i];
    }
    free(f->slots);
    f->slots = slots;
    f->mask = n - 1;
    return 0;
}

/* Returns the stack text under the frame rule (format/frames.h): the
 * caller's buffer when it is clean (the common case), else a sanitized
 * scratch copy. */
static const char *sanitized(struct folded *f, const char *stack, size_t len)
{
    const unsigned char *p = (const unsigned char *)stack;
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t v, hit = 0;
    size_t i = 0;

    /* Eight bytes at a time, printable ASCII only: "some byte < 0x20" is
     * (v - 0x20..) & ~v & 0x80.. (exact as a yes/no test; bit hacks'
     * hasless), DEL is a zero byte of v ^ 0x7f..., and any byte >= 0x80
     * (UTF-8, checked character by character below) has its high bit. */
    for (; i + 8 <= len && !hit; i += 8) {
        memcpy(&v, p + i, 8);
        uint64_t d = v ^ (0x7f * ones);
        hit = ((v - 0x20 * ones) & ~v & highs) | ((d - ones) & ~d & highs) | (v & highs);
    }
    /* no hit: only the last few bytes are left to check; a hit may still
     * be valid UTF-8, which stays */
    if (hit ? frame_is_clean(stack, len, FRAME_STACK)
            : frame_is_clean(stack + i, len - i, FRAME_STACK))
        return stack;
    if (f->scratch_cap < len) {
        char *s = realloc(f->scratch, len);
        if (!s)
            return NULL;
        f->scratch = s;
        f->scratch_cap = len;
    }
    memcpy(f->scratch, stack, len);
    frame_sanitize(f->scratch, len, FRAME_STACK);
    return f->scratch;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

int folded_add(struct folded *f, const char *stack, size_t len, uint64_t count)
{
    if (count == 0)
        return 0;
    const char *s = sanitized(f, stack, len);
    if (!s) {
        errno = ENOMEM;
        return -1;
    }
    uint64_t h = hash_bytes(s, len);
    size_t i = h & f->mask;

    for (; f->slots[i].e; i = (i + 1) & f->mask) {
        struct fentry *e = f->slots[i].e;
        if (f->slots[i].hash == h && e->len == len && memcmp(e->text, s, len) == 0) {
            e->count = sat_add(e->count, count);
            f->total = sat_add(f->total, count);
            return 0;
        }
    }

    struct fentry *e = arena_entry(f, len);
    if (!e) {
        errno = ENOMEM;
        return -1;
    }
    e->count = count;
    e->len = len;
    memcpy(e->text, s, len);
    e->text[len] = '\0';
    f->slots[i].hash = h;
    f->slots[i].e = e;
    f->distinct++;
    f->total = sat_add(f->total, count);
    /* Growing after the insert keeps the entry even if growth fails; the
     * table stays correct at a higher load and growth is retried. */
    if (f->distinct * 2 > f->mask + 1)
        grow(f);
    return 0;
}

uint64_t folded_total(const struct folded *f)
{
    return f->total;
}

size_t folded_distinct(const struct folded *f)
{
    return f->distinct;
}

static int cmp_entry(const void *a, const void *b)
{
    const struct fentry *x = *(const struct fentry *const *)a;
    const struct fentry *y = *(const struct fentry *const *)b;
    return strcmp(x->text, y->text);
}

static int sort_entries(struct folded *f)
{
    if (f->sorted && f->sorted_n == f->distinct)
        return 0;
    struct fentry **v = realloc(f->sorted, (f->distinct ? f->distinct : 1) * sizeof(*v));
    if (!v)
        return -1;
    f->sorted = v;
    size_t n = 0;
    for (size_t i = 0; i <= f->mask; i++)
        if (f->slots[i].e)
            v[n++] = f->slots[i].e;
    qsort(v, n, sizeof(*v), cmp_entry);
    f->sorted_n = n;
    return 0;
}

/* Unsigned decimal without stdio; returns the length written into buf. */
static size_t fmt_u64(char *buf, uint64_t v)
{
    char tmp[20];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

int folded_write_file(struct folded *f, int dirfd, const char *path)
{
    struct atomic_file af;
    char num[24];

    if (sort_entries(f) != 0) {
        errno = ENOMEM;
        return -1;
    }
    if (atomic_file_openat(&af, dirfd, path, 0644) != 0)
        return -1;
    for (size_t i = 0; i < f->sorted_n; i++) {
        const struct fentry *e = f->sorted[i];
        num[0] = ' ';
        size_t n = 1 + fmt_u64(num + 1, e->count);
        num[n++] = '\n';
        atomic_file_write(&af, e->text, e->len);
        atomic_file_write(&af, num, n);
    }
    return atomic_file_commit(&af);
}

void folded_foreach(struct folded *f, void (*fn)(const char *stack, uint64_t count, void *arg),
                    void *arg)
{
    if (sort_entries(f) == 0) {
        for (size_t i = 0; i < f->sorted_n; i++)
            fn(f->sorted[i]->text, f->sorted[i]->count, arg);
        return;
    }
    /* Out of memory for the sorted view: still visit everything, unsorted,
     * rather than silently dropping data. */
    for (size_t i = 0; i <= f->mask; i++)
        if (f->slots[i].e)
            fn(f->slots[i].e->text, f->slots[i].e->count, arg);
}
