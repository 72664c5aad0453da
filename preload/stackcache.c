/*
 * Verified per-thread cache of DWARF-unwound allocation stacks (see
 * stackcache.h for the model and why a hit is the same stack).
 */
#include "preload/stackcache.h"

#include <string.h>
#include <sys/mman.h>

#include "preload/unwind.h"

struct stackcache *stackcache_new(void)
{
    void *m = mmap(NULL, sizeof(struct stackcache), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return m == MAP_FAILED ? NULL : m;
}

__attribute__((noinline)) uintptr_t stackcache_sp0(uintptr_t caller, uintptr_t lo, uintptr_t hi)
{
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
    /* A handful of this library's frames lie between here and the program. */
    for (int k = 0; k < 16; k++) {
        if (fp < lo || fp > hi - 16 || (fp & 7))
            return 0;
        const uintptr_t *frame = (const uintptr_t *)fp;
        uintptr_t next = frame[0], ra = frame[1];
        if (ra == caller)
            return fp + 16;
        if (!unwind_is_self(ra) || next <= fp)
            return 0;
        fp = next;
    }
    return 0;
}

static struct stackcache_entry *way(struct stackcache *c, uintptr_t caller, uintptr_t sp0)
{
    uint64_t h =
        ((uint64_t)caller * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)(sp0 >> 3) * 0xbf58476d1ce4e5b9ull);
    return &c->e[(h >> 32) % STACKCACHE_WAYS];
}

struct stackcache_entry *stackcache_find(struct stackcache *c, uint64_t serial, uintptr_t caller,
                                         uintptr_t sp0, uintptr_t lo, uintptr_t hi, unsigned max)
{
    struct stackcache_entry *e = way(c, caller, sp0);
    if (e->caller != caller || e->sp0 != sp0 || e->serial != serial || e->n > max)
        return NULL;
    for (unsigned i = 1; i < e->n; i++) {
        uintptr_t slot = e->slot[i];
        /* Checked when stored; checked again: the bounds are the thread's. */
        if (slot < sp0 || slot < lo || slot > hi - 8 || *(const uintptr_t *)slot != e->pc[i])
            return NULL;
    }
    return e;
}

struct stackcache_entry *stackcache_put(struct stackcache *c, uint64_t serial, uintptr_t caller,
                                        uintptr_t sp0, uintptr_t lo, uintptr_t hi,
                                        const uintptr_t *pcs, unsigned n, unsigned flags)
{
    /* libgcc reports with each return address the CFA of the frame that
     * returns there: the address above the slot holding it. The first is
     * the interposer's own CFA, sp0. */
    if (n == 0 || n > STACKCACHE_FRAMES || (flags & ~(unsigned)UNW_F_TRUNCATED) != 0 ||
        pcs[0] != caller || c->cfas[0] != sp0)
        return NULL;
    struct stackcache_entry *e = way(c, caller, sp0);
    for (unsigned i = 1; i < n; i++) {
        uintptr_t slot = c->cfas[i] - 8;
        /* Every slot lies above the program's stack pointer, in bounds, and
         * holds its return address right now. */
        if (slot < sp0 || slot < lo || slot > hi - 8 || (slot & 7) ||
            *(const uintptr_t *)slot != pcs[i]) {
            e->caller = 0;
            return NULL;
        }
        e->slot[i] = slot;
    }
    memcpy(e->pc, pcs, n * sizeof *pcs);
    e->caller = caller;
    e->sp0 = sp0;
    e->serial = serial;
    e->n = n;
    e->flags = flags;
    e->tag = 0;
    return e;
}
