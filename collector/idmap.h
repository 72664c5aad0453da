#ifndef FLAMEPRE_IDMAP_H
#define FLAMEPRE_IDMAP_H
/*
 * Pairing of allocation and free records by id (see preload/alloc.h).
 *
 * Model: a map from record id to (stack table entry, live bytes) for every
 * sampled block the collector believes live, plus ids whose free arrived
 * before their allocation (they travel in different threads' rings, so
 * either order happens). An id is seen at most once as an allocation and at
 * most once as a free, so:
 *   alloc(id): a pending free of id cancels both; else id becomes live.
 *   free(id):  a live id leaves (its bytes come off its entry); else the
 *              free waits for its allocation.
 * Open addressing with linear probing and backward-shift deletion (single
 * threaded: the collector's lock). Normal context only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idmap;

#define IDMAP_PENDING_FREE UINT32_MAX

struct idmap *idmap_new(void);
void idmap_free(struct idmap *m);
void idmap_clear(struct idmap *m);

/* An allocation record: returns 1 if id is now live (entry, bytes stored),
 * 0 if a pending free cancelled it, -1 out of memory. */
int idmap_alloc(struct idmap *m, uint64_t id, uint32_t entry, uint64_t bytes);

/* A free record: returns true and the live entry and bytes it removed, or
 * false (the free is now pending; or out of memory, counted in *oom). */
bool idmap_free_id(struct idmap *m, uint64_t id, uint32_t *entry, uint64_t *bytes, bool *oom);

size_t idmap_live(const struct idmap *m);      /* live ids */
size_t idmap_pending(const struct idmap *m);   /* frees waiting for their allocation */

#endif
