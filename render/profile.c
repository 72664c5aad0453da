/*
 * Profile trie and name table (see profile.h for the model).
 *
 * Two open-addressing hash tables do all lookups:
 *  - names: bytes -> name id. Names live back to back in one pool, each
 *    NUL-terminated, addressed by offset so the pool can grow by realloc;
 *  - edges: (parent node, name id) -> child node, one 64-bit key per edge.
 * Both use power-of-two capacities, linear probing and resize at 1/2 load.
 * No per-name or per-node malloc: a 200,000-stack file must not turn into
 * millions of small allocations.
 */
#include "render/profile.h"
#include "render/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct pname {
    uint64_t off;  /* in pool */
    uint64_t hash; /* table hash (intern_hash), not the color hash */
    uint32_t len;
};

/* The slot keeps 32 bits of the hash: a probe rejects other names without
 * touching the name array. */
struct name_slot {
    uint32_t id;
    uint32_t tag;
};

/* Key and value side by side (one cache line per probe), 12 bytes: the
 * 64-bit key is stored as two words so that no padding is added. */
struct edge {
    uint32_t k[2];
    uint32_t val;
};

static inline uint64_t ekey(const struct edge *e)
{
    uint64_t k;
    memcpy(&k, e->k, 8);
    return k;
}

static inline void set_ekey(struct edge *e, uint64_t k)
{
    memcpy(e->k, &k, 8);
}

struct profile {
    /* name table */
    char *pool;
    size_t pool_len, pool_cap;
    struct pname *names; /* by id */
    size_t nnames, names_cap;
    struct name_slot *name_slots; /* id PNAME_NONE = empty */
    size_t name_slots_cap;
    uint32_t *ranks;

    /* trie */
    struct pnode *nodes;
    size_t nnodes, nodes_cap;
    uint32_t *last_child; /* append children in O(1), keeps insertion order */
    size_t last_cap;
    uint32_t *nkids; /* number of children of each node */
    size_t nkids_cap;
    struct pcount *counts; /* exact self counts, column 0 */
    size_t counts_cap;
    uint64_t sum[2];    /* integer counts added, per column */
    struct edge *edges; /* key UINT64_MAX = empty */
    size_t edge_cap, nedges;
    uint32_t max_depth;

    int column;
    double *self2, *total2;
    size_t col2_cap;
};

static inline uint64_t edge_key(uint32_t parent, uint32_t name)
{
    return ((uint64_t)parent << 32) | name;
}

static inline size_t edge_slot(uint64_t key, size_t mask)
{
    key ^= key >> 31;
    key *= 0x7fb5d329728ea185ULL;
    key ^= key >> 27;
    return (size_t)key & mask;
}

static int edges_resize(struct profile *p, size_t ncap)
{
    struct edge *e = malloc(ncap * sizeof(*e));
    if (!e) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < ncap; i++)
        set_ekey(&e[i], UINT64_MAX);
    for (size_t i = 0; i < p->edge_cap; i++) {
        if (ekey(&p->edges[i]) == UINT64_MAX)
            continue;
        size_t s = edge_slot(ekey(&p->edges[i]), ncap - 1);
        while (ekey(&e[s]) != UINT64_MAX)
            s = (s + 1) & (ncap - 1);
        e[s] = p->edges[i];
    }
    free(p->edges);
    p->edges = e;
    p->edge_cap = ncap;
    return 0;
}

static int names_resize(struct profile *p, size_t ncap)
{
    struct name_slot *slots = malloc(ncap * sizeof(*slots));
    if (!slots) {
        errno = ENOMEM;
        return -1;
    }
    memset(slots, 0xff, ncap * sizeof(*slots));
    for (size_t id = 0; id < p->nnames; id++) {
        uint64_t h = p->names[id].hash;
        size_t s = (size_t)h & (ncap - 1);
        while (slots[s].id != PNAME_NONE)
            s = (s + 1) & (ncap - 1);
        slots[s].id = (uint32_t)id;
        slots[s].tag = (uint32_t)(h >> 32);
    }
    free(p->name_slots);
    p->name_slots = slots;
    p->name_slots_cap = ncap;
    return 0;
}

static uint32_t new_node(struct profile *p, uint32_t parent, uint32_t name)
{
    if (p->nnodes >= PNODE_NONE - 1) {
        errno = ENOMEM;
        return PNODE_NONE;
    }
    if ((p->nnodes >= p->nodes_cap || p->nnodes >= p->last_cap || p->nnodes >= p->nkids_cap ||
         p->nnodes >= p->counts_cap) &&
        (grow_array(&p->nodes, &p->nodes_cap, p->nnodes + 1, sizeof(*p->nodes)) < 0 ||
         grow_array(&p->last_child, &p->last_cap, p->nnodes + 1, sizeof(*p->last_child)) < 0 ||
         grow_array(&p->nkids, &p->nkids_cap, p->nnodes + 1, sizeof(*p->nkids)) < 0 ||
         grow_array(&p->counts, &p->counts_cap, p->nnodes + 1, sizeof(*p->counts)) < 0))
        return PNODE_NONE;
    if (p->self2) {
        size_t cap2 = p->col2_cap;
        if (grow_array(&p->self2, &cap2, p->nnodes + 1, sizeof(double)) < 0)
            return PNODE_NONE;
        size_t cap3 = p->col2_cap;
        if (grow_array(&p->total2, &cap3, p->nnodes + 1, sizeof(double)) < 0)
            return PNODE_NONE;
        /* both grew from the same capacity by the same rule */
        p->col2_cap = cap2 < cap3 ? cap2 : cap3;
        p->self2[p->nnodes] = 0;
        p->total2[p->nnodes] = 0;
    }
    uint32_t id = (uint32_t)p->nnodes++;
    struct pnode *n = &p->nodes[id];
    n->name = name;
    n->parent = parent;
    n->first_child = PNODE_NONE;
    n->next_sibling = PNODE_NONE;
    n->depth = parent == PNODE_NONE ? 0 : p->nodes[parent].depth + 1;
    n->self = 0;
    n->total = 0;
    p->last_child[id] = PNODE_NONE;
    p->nkids[id] = 0;
    p->counts[id] = (struct pcount){0, 0};
    if (n->depth > p->max_depth)
        p->max_depth = n->depth;
    if (parent != PNODE_NONE) {
        uint32_t last = p->last_child[parent];
        if (last == PNODE_NONE)
            p->nodes[parent].first_child = id;
        else
            p->nodes[last].next_sibling = id;
        p->last_child[parent] = id;
        p->nkids[parent]++; /* NKIDS_INDEXED is bit 31: out of reach */
    }
    return id;
}

struct profile *profile_new(void)
{
    struct profile *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    if (names_resize(p, 1024) < 0 || edges_resize(p, 1024) < 0 ||
        profile_intern(p, "all", 3) != 0 || new_node(p, PNODE_NONE, 0) != 0) {
        profile_free(p);
        return NULL;
    }
    return p;
}

void profile_free(struct profile *p)
{
    if (!p)
        return;
    free(p->pool);
    free(p->names);
    free(p->name_slots);
    free(p->ranks);
    free(p->nodes);
    free(p->last_child);
    free(p->nkids);
    free(p->counts);
    free(p->edges);
    free(p->self2);
    free(p->total2);
    free(p);
}

static inline uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* 64x64->128 multiply folded to 64 bits (wyhash's "mum"). */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * Hash for the name table only, in the style of wyhash: 16 bytes per
 * multiply, overlapping loads instead of byte loops for the tail. It depends
 * on the host byte order and may change freely; colors use hash_bytes().
 */
static inline uint64_t intern_hash(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    const uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL;
    uint64_t seed = k0 ^ (len * k1), a, b;
    if (len <= 16) {
        if (len >= 8) {
            a = rd64(p);
            b = rd64(p + len - 8);
        } else if (len >= 4) {
            a = rd32(p);
            b = rd32(p + len - 4);
        } else if (len) {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = len;
        while (i > 16) {
            seed = mum(rd64(p) ^ k1, rd64(p + 8) ^ seed);
            p += 16;
            i -= 16;
        }
        a = rd64(p + i - 16);
        b = rd64(p + i - 8);
    }
    return mum(k1 ^ len, mum(a ^ k1, b ^ seed));
}

uint32_t profile_intern(struct profile *p, const char *s, size_t len)
{
    uint64_t h = intern_hash(s, len);
    uint32_t tag = (uint32_t)(h >> 32);
    size_t mask = p->name_slots_cap - 1;
    size_t slot = (size_t)h & mask;
    for (;;) {
        struct name_slot e = p->name_slots[slot];
        if (e.id == PNAME_NONE)
            break;
        if (e.tag == tag && p->names[e.id].len == len &&
            memcmp(p->pool + p->names[e.id].off, s, len) == 0)
            return e.id;
        slot = (slot + 1) & mask;
    }
    if (p->nnames >= PNAME_NONE - 1 || len > UINT32_MAX) {
        errno = ENOMEM;
        return PNAME_NONE;
    }
    if (grow_array(&p->pool, &p->pool_cap, p->pool_len + len + 1, 1) < 0 ||
        grow_array(&p->names, &p->names_cap, p->nnames + 1, sizeof(*p->names)) < 0)
        return PNAME_NONE;
    uint32_t id = (uint32_t)p->nnames++;
    memcpy(p->pool + p->pool_len, s, len);
    p->pool[p->pool_len + len] = '\0';
    p->names[id].off = p->pool_len;
    p->names[id].len = (uint32_t)len;
    p->names[id].hash = h;
    p->pool_len += len + 1;
    p->name_slots[slot].id = id;
    p->name_slots[slot].tag = tag;
    free(p->ranks);
    p->ranks = NULL;
    if (p->nnames * 2 > p->name_slots_cap && names_resize(p, p->name_slots_cap * 2) < 0) {
        /* The name is stored; the table is merely fuller than we like, and
         * linear probing still terminates while any slot is empty. */
        if (p->nnames + 1 >= p->name_slots_cap)
            return PNAME_NONE;
    }
    return id;
}

const char *profile_name(const struct profile *p, uint32_t id, size_t *len)
{
    if (len)
        *len = p->names[id].len;
    return p->pool + p->names[id].off;
}

size_t profile_name_count(const struct profile *p)
{
    return p->nnames;
}

uint64_t profile_name_hash(const struct profile *p, uint32_t id)
{
    return hash_bytes(p->pool + p->names[id].off, p->names[id].len);
}

static uint32_t edge_find(const struct profile *p, uint64_t key, size_t *slot)
{
    size_t mask = p->edge_cap - 1;
    for (size_t s = edge_slot(key, mask);; s = (s + 1) & mask) {
        if (ekey(&p->edges[s]) == key)
            return p->edges[s].val;
        if (ekey(&p->edges[s]) == UINT64_MAX) {
            *slot = s;
            return PNODE_NONE;
        }
    }
}

static int edge_insert(struct profile *p, uint32_t parent, uint32_t child)
{
    size_t s = 0;
    uint64_t key = edge_key(parent, p->nodes[child].name);
    if (edge_find(p, key, &s) != PNODE_NONE)
        return 0;
    set_ekey(&p->edges[s], key);
    p->edges[s].val = child;
    if (++p->nedges * 2 > p->edge_cap && edges_resize(p, p->edge_cap * 2) < 0)
        return p->nedges + 1 >= p->edge_cap ? -1 : 0;
    return 0;
}

/*
 * Child lookup without the edge table for most nodes. Folded files are
 * normally sorted, so a node's children arrive in increasing byte order of
 * their names; while they do (the node is not "indexed"), a name that sorts
 * after the last child cannot be among the earlier children, and a new child
 * is appended with no table probe at all (a probe is one cache miss in a
 * table of the size of the profile: the parser's main cost). The first name
 * that sorts before the last child puts all of the node's children into the
 * edge table and marks the node indexed; from then on lookups go through it.
 * Nodes with fewer than two children never need the table.
 */
#define NKIDS_INDEXED 0x80000000u
#define NKIDS_COUNT 0x7fffffffu

static int name_cmp(const struct profile *p, uint32_t x, uint32_t y)
{
    size_t lx = p->names[x].len, ly = p->names[y].len;
    int c = memcmp(p->pool + p->names[x].off, p->pool + p->names[y].off, lx < ly ? lx : ly);
    if (c)
        return c;
    return lx < ly ? -1 : lx > ly;
}

uint32_t profile_child(const struct profile *p, uint32_t parent, uint32_t name)
{
    uint32_t lc = p->last_child[parent];
    if (lc != PNODE_NONE && p->nodes[lc].name == name)
        return lc;
    uint32_t nk = p->nkids[parent];
    if ((nk & NKIDS_COUNT) < 2)
        return PNODE_NONE;
    if (nk & NKIDS_INDEXED) {
        size_t s;
        return edge_find(p, edge_key(parent, name), &s);
    }
    /* sorted children, not indexed: walk them up to the name's place */
    if (name_cmp(p, name, p->nodes[lc].name) > 0)
        return PNODE_NONE;
    for (uint32_t c = p->nodes[parent].first_child; c != lc; c = p->nodes[c].next_sibling) {
        if (p->nodes[c].name == name)
            return c;
        if (name_cmp(p, p->nodes[c].name, name) > 0)
            break;
    }
    return PNODE_NONE;
}

/* Put every child of parent into the edge table. */
static int index_children(struct profile *p, uint32_t parent)
{
    for (uint32_t c = p->nodes[parent].first_child; c != PNODE_NONE; c = p->nodes[c].next_sibling)
        if (edge_insert(p, parent, c) < 0)
            return -1;
    p->nkids[parent] |= NKIDS_INDEXED;
    return 0;
}

uint32_t profile_child_add(struct profile *p, uint32_t parent, uint32_t name)
{
    uint32_t lc = p->last_child[parent];
    if (lc != PNODE_NONE && p->nodes[lc].name == name)
        return lc;
    if (lc != PNODE_NONE) {
        if (!(p->nkids[parent] & NKIDS_INDEXED) && name_cmp(p, name, p->nodes[lc].name) < 0 &&
            index_children(p, parent) < 0)
            return PNODE_NONE;
        if (p->nkids[parent] & NKIDS_INDEXED) {
            size_t s;
            uint32_t c = edge_find(p, edge_key(parent, name), &s);
            if (c != PNODE_NONE)
                return c;
        }
    }
    uint32_t id = new_node(p, parent, name);
    if (id == PNODE_NONE)
        return PNODE_NONE;
    if ((p->nkids[parent] & NKIDS_INDEXED) && edge_insert(p, parent, id) < 0)
        return PNODE_NONE;
    return id;
}

int pcount_round(const struct pcount *c, uint64_t *out)
{
    /* frac is a sum of fractions, far below 2^53: its rounding is exact
     * enough, and only the integer addition can overflow */
    double r = floor(c->frac + 0.5);
    if (!(r >= 0) || r >= 18446744073709551616.0)
        return -1;
    return __builtin_add_overflow(c->n, (uint64_t)r, out) ? -1 : 0;
}

bool profile_count_fits(const struct profile *p, uint64_t n)
{
    return n <= UINT64_MAX - p->sum[p->column];
}

int profile_add_count(struct profile *p, uint32_t node, uint64_t n, double frac)
{
    if (!profile_count_fits(p, n)) {
        errno = EOVERFLOW;
        return -1;
    }
    p->sum[p->column] += n;
    double drawn = (double)n + frac;
    if (p->column == 1) {
        p->self2[node] += drawn;
    } else {
        /* within the column's sum: cannot overflow */
        p->counts[node].n += n;
        p->counts[node].frac += frac;
        p->nodes[node].self += drawn;
    }
    return 0;
}

void profile_add_width(struct profile *p, uint32_t node, double w)
{
    p->nodes[node].self += w;
}

const struct pcount *profile_count(const struct profile *p, uint32_t node)
{
    return &p->counts[node];
}

void profile_set_column(struct profile *p, int column)
{
    if (column == 1 && !p->self2) {
        size_t cap = p->nodes_cap;
        p->self2 = calloc(cap, sizeof(double));
        p->total2 = calloc(cap, sizeof(double));
        if (!p->self2 || !p->total2) {
            free(p->self2);
            free(p->total2);
            p->self2 = p->total2 = NULL;
            /* Stay on column 0; callers check profile_has_column2(). */
            return;
        }
        p->col2_cap = cap;
    }
    p->column = column == 1 ? 1 : 0;
}

bool profile_has_column2(const struct profile *p)
{
    return p->self2 != NULL;
}

double profile_self2(const struct profile *p, uint32_t node)
{
    return p->self2 ? p->self2[node] : 0;
}

double profile_total2(const struct profile *p, uint32_t node)
{
    return p->total2 ? p->total2[node] : 0;
}

void profile_finish(struct profile *p)
{
    for (size_t i = 0; i < p->nnodes; i++) {
        p->nodes[i].total = p->nodes[i].self;
        if (p->self2)
            p->total2[i] = p->self2[i];
    }
    /* children have larger ids than their parents: one reverse pass */
    for (size_t i = p->nnodes; i-- > 1;) {
        uint32_t par = p->nodes[i].parent;
        p->nodes[par].total += p->nodes[i].total;
        if (p->self2)
            p->total2[par] += p->total2[i];
    }
}

size_t profile_node_count(const struct profile *p)
{
    return p->nnodes;
}

const struct pnode *profile_node(const struct profile *p, uint32_t id)
{
    return &p->nodes[id];
}

double profile_total(const struct profile *p)
{
    return p->nodes[0].total;
}

uint32_t profile_max_depth(const struct profile *p)
{
    return p->max_depth;
}

static const struct profile *rank_profile; /* qsort has no context argument */

static int cmp_name_ids(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const struct profile *p = rank_profile;
    size_t lx = p->names[x].len, ly = p->names[y].len;
    int c = memcmp(p->pool + p->names[x].off, p->pool + p->names[y].off, lx < ly ? lx : ly);
    if (c)
        return c;
    return lx < ly ? -1 : lx > ly;
}

const uint32_t *profile_name_ranks(struct profile *p)
{
    if (p->ranks)
        return p->ranks;
    uint32_t *order = malloc(p->nnames * sizeof(*order));
    uint32_t *ranks = malloc(p->nnames * sizeof(*ranks));
    if (!order || !ranks) {
        free(order);
        free(ranks);
        return NULL;
    }
    for (size_t i = 0; i < p->nnames; i++)
        order[i] = (uint32_t)i;
    rank_profile = p;
    qsort(order, p->nnames, sizeof(*order), cmp_name_ids);
    for (size_t i = 0; i < p->nnames; i++)
        ranks[order[i]] = (uint32_t)i;
    free(order);
    p->ranks = ranks;
    return ranks;
}

int profile_walk_stacks(const struct profile *p,
                        int (*fn)(const uint32_t *names, size_t n, const struct pcount *self,
                                  void *arg),
                        void *arg)
{
    /* iterative: real stacks can be deeper than the C stack allows */
    uint32_t *path = malloc((p->max_depth + 1) * sizeof(*path));
    if (!path)
        return -1;
    int rc = 0;
    uint32_t node = p->nodes[0].first_child;
    while (node != PNODE_NONE && rc == 0) {
        const struct pnode *nd = &p->nodes[node];
        path[nd->depth - 1] = nd->name;
        const struct pcount *c = &p->counts[node];
        if (c->n != 0 || c->frac != 0)
            rc = fn(path, nd->depth, c, arg);
        if (nd->first_child != PNODE_NONE) {
            node = nd->first_child;
            continue;
        }
        while (node != PNODE_NONE && p->nodes[node].next_sibling == PNODE_NONE)
            node = p->nodes[node].parent == 0 ? PNODE_NONE : p->nodes[node].parent;
        if (node != PNODE_NONE)
            node = p->nodes[node].next_sibling;
    }
    free(path);
    return rc;
}
