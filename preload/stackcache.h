#ifndef FLAMEPRE_STACKCACHE_H
#define FLAMEPRE_STACKCACHE_H
/*
 * Stack cache for the allocation interposers: a per-thread, direct-mapped
 * table of stacks that the unwinder produced (libgcc's in dwarf mode, the
 * frame-pointer walk in fp mode), each reused only after every one of its
 * return addresses has been found again at the same stack address.
 *
 * Model: the DWARF unwind of the program's part of the stack is a function
 * of the first return address (`caller`, the program's call into the
 * interposer), the stack pointer at that call (sp0), and the stack memory
 * the unwinder reads above sp0. An entry keyed by (caller, sp0) keeps the
 * pcs and, for every frame but the first (whose return address is caller
 * itself), the stack slot that held its return address. A lookup re-reads those slots (one load
 * per frame, all inside the thread's stack bounds): if each still holds the
 * same return address, each frame has the same code address and the same
 * CFA as when the entry was made (a CFA rule depends on the code address;
 * a frame whose CFA moved would have its return address at a different
 * slot), so the unwinder would produce the same pcs again. Any mismatch is
 * a miss: the caller unwinds with libgcc and refreshes the entry. Stacks
 * whose unwind failed, or deeper than STACKCACHE_FRAMES, are not cached; a
 * stack cut at the depth limit is (its last verified frame had a caller
 * then, so it has one now: the cut is the same). Interpreters allocate
 * from 50-130 frames deep (python3), where the cache matters most. A hit costs tens of nanoseconds; libgcc's unwinder about 150 ns
 * per frame, 1-2 us per allocation stack (exact mode was 100x slower than
 * the program without this cache).
 *
 * fp mode: a frame record's saved fp is set by the prologue from the
 * caller's frame address, so the same return address at the same slot,
 * frame after frame, means the same chain. (Where a frameless function
 * breaks the chain the walk itself is unreliable; the cache then repeats
 * an equally unreliable answer rather than a different one.) A hit saves
 * the walk's checks and the site lookup.
 *
 * Entries carry the slot serial of the thread that made them, so a slot
 * reused by another thread (or a forked child's fresh identity) never hits
 * its predecessor's entries.
 *
 * Normal context only; owner thread only (no locks, no atomics).
 */
#include <stdint.h>

#include "preload/config.h"

#define STACKCACHE_WAYS 64
#define STACKCACHE_FRAMES 128

struct stackcache_entry {
    uintptr_t caller, sp0; /* key; caller 0 = empty */
    uint64_t serial;
    unsigned n, flags;
    uint32_t tag; /* the caller's own datum for this stack (the
                              * allocation site), 0 when the entry is made */
    uintptr_t pc[STACKCACHE_FRAMES];
    uintptr_t slot[STACKCACHE_FRAMES]; /* slot[i] (i >= 1) held pc[i] */
};

struct stackcache {
    uintptr_t cfas[CONFIG_MAX_DEPTH]; /* unwind_capture_here's CFAs */
    struct stackcache_entry e[STACKCACHE_WAYS];
};

/* A zeroed cache (mmap), or NULL. */
struct stackcache *stackcache_new(void);

/* The stack pointer of the program at its call into this library whose
 * return address is `caller`: the CFA of the outermost frame of this
 * library on the current stack, found by following this library's frame
 * pointers (it is built with them). 0 if not found within [lo, hi). */
uintptr_t stackcache_sp0(uintptr_t caller, uintptr_t lo, uintptr_t hi);

/* A verified hit (its pc, n and flags are the stack's), or NULL on a
 * miss. lo/hi: the thread's stack bounds. */
struct stackcache_entry *stackcache_find(struct stackcache *c, uint64_t serial, uintptr_t caller,
                                         uintptr_t sp0, uintptr_t lo, uintptr_t hi, unsigned max);

/* Remember a stack just unwound (pcs, c->cfas, n, flags) if it qualifies;
 * returns its entry (tag 0), or NULL. */
struct stackcache_entry *stackcache_put(struct stackcache *c, uint64_t serial, uintptr_t caller,
                                        uintptr_t sp0, uintptr_t lo, uintptr_t hi,
                                        const uintptr_t *pcs, unsigned n, unsigned flags);

#endif
