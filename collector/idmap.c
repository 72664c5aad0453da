/*
 * Id pairing map (see idmap.h). Keys are non-zero ids; 0 marks an empty
 * slot. Load factor kept under 1/2.
 */
#include "collector/idmap.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    uint64_t id;
    uint64_t bytes;
    uint32_t entry;   /* IDMAP_PENDING_FREE: a free waiting for its alloc */
};

struct idmap {
    struct slot *s;
    size_t cap, used, pending;
};

static size_t home(const struct idmap *m, uint64_t id)
{
    uint64_t h = id * 0x9e3779b97f4a7c15ull;
    return (size_t)(h ^ (h >> 29)) & (m->cap - 1);
}

struct idmap *idmap_new(void)
{
    return calloc(1, sizeof(struct idmap));
}

void idmap_free(struct idmap *m)
{
    if (m) {
        free(m->s);
        free(m);
    }
}

void idmap_clear(struct idmap *m)
{
    if (m->s)
        memset(m->s, 0, m->cap * sizeof *m->s);
    m->used = m->pending = 0;
}

static int grow(struct idmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 4096;
    struct slot *n = calloc(cap, sizeof *n);
    if (!n)
        return -1;
    struct slot *old = m->s;
    size_t oldcap = m->cap;
    m->s = n;
    m->cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].id)
            continue;
        size_t j = home(m, old[i].id);
        while (n[j].id)
            j = (j + 1) & (cap - 1);
        n[j] = old[i];
    }
    free(old);
    return 0;
}

/* Index of id, or of the empty slot where it would go. */
static size_t find(const struct idmap *m, uint64_t id)
{
    size_t j = home(m, id);
    while (m->s[j].id && m->s[j].id != id)
        j = (j + 1) & (m->cap - 1);
    return j;
}

static void erase(struct idmap *m, size_t i)
{
    /* Backward-shift: pull later members of the probe run into the hole. */
    size_t mask = m->cap - 1, j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->s[j].id)
            break;
        size_t h = home(m, m->s[j].id);
        /* Move j into i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
        if (stays)
            continue;
        m->s[i] = m->s[j];
        i = j;
    }
    m->s[i].id = 0;
    m->used--;
}

static int insert(struct idmap *m, uint64_t id, uint32_t entry, uint64_t bytes)
{
    if ((m->used + 1) * 2 > m->cap && grow(m) < 0)
        return -1;
    size_t j = find(m, id);
    m->s[j] = (struct slot){id, bytes, entry};
    m->used++;
    return 0;
}

int idmap_alloc(struct idmap *m, uint64_t id, uint32_t entry, uint64_t bytes)
{
    if (m->cap) {
        size_t j = find(m, id);
        if (m->s[j].id == id && m->s[j].entry == IDMAP_PENDING_FREE) {
            erase(m, j);
            m->pending--;
            return 0;
        }
    }
    return insert(m, id, entry, bytes) < 0 ? -1 : 1;
}

bool idmap_free_id(struct idmap *m, uint64_t id, uint32_t *entry, uint64_t *bytes, bool *oom)
{
    *oom = false;
    if (m->cap) {
        size_t j = find(m, id);
        if (m->s[j].id == id && m->s[j].entry != IDMAP_PENDING_FREE) {
            *entry = m->s[j].entry;
            *bytes = m->s[j].bytes;
            erase(m, j);
            return true;
        }
        if (m->s[j].id == id)
            return false;   /* a second free of one id: cannot happen; ignore */
    }
    if (insert(m, id, IDMAP_PENDING_FREE, 0) < 0)
        *oom = true;
    else
        m->pending++;
    return false;
}

size_t idmap_live(const struct idmap *m)
{
    return m->used - m->pending;
}

size_t idmap_pending(const struct idmap *m)
{
    return m->pending;
}
