#ifndef FLAMEPRE_RENDER_PROFILE_H
#define FLAMEPRE_RENDER_PROFILE_H
/*
 * The profile: the one data structure every flamepre output is drawn from
 * (SVG, HTML, top, diff, pprof, speedscope, folded).
 *
 * Model: a trie of call stacks. Node 0 is the root ("all"); every other node
 * is one frame reached by one exact path from the root. A node holds the id of
 * its frame name in an interning table (each distinct name stored once), its
 * self count (samples whose stack ends here) and, after profile_finish(), its
 * inclusive total (self + all descendants).
 *
 * Invariants:
 *  - a child's id is greater than its parent's id (nodes are only appended),
 *    so a reverse scan of the node array is a valid bottom-up order;
 *  - name id 0 is "all", the root's name;
 *  - counts are non-negative doubles (folded files may carry decimals; they
 *    are kept exactly and rounded only for display);
 *  - totals are valid only after profile_finish() and until the next add.
 *
 * The second count column exists for differential graphs: stacks added while
 * profile_set_column(p, 1) is in effect go to self2/total2 instead.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PNODE_NONE UINT32_MAX
#define PNAME_NONE UINT32_MAX

struct pnode {
    uint32_t name;         /* id in the name table */
    uint32_t parent;       /* PNODE_NONE for the root */
    uint32_t first_child;  /* PNODE_NONE for a leaf; children in insertion order */
    uint32_t next_sibling; /* PNODE_NONE for the last child */
    uint32_t depth;        /* 0 for the root */
    double self;
    double total;
};

struct profile;

struct profile *profile_new(void);
void profile_free(struct profile *p);

/* Intern `len` bytes (need not be NUL-terminated; may contain any byte but
 * NUL ends the name as seen by profile_name's C string). Returns the id, or
 * PNAME_NONE on ENOMEM. */
uint32_t profile_intern(struct profile *p, const char *s, size_t len);
/* Name bytes for an id; *len (if not NULL) gets the length. The returned
 * pointer is valid until the next profile_intern (the pool may move). */
const char *profile_name(const struct profile *p, uint32_t id, size_t *len);
size_t profile_name_count(const struct profile *p);
/* Stable hash of the name's bytes (used for colors). */
uint64_t profile_name_hash(const struct profile *p, uint32_t id);

/* Add `count` to the stack names[0] (outermost) .. names[n-1] (leaf).
 * n == 0 adds to the root's self count. Returns 0 or -1 (ENOMEM). */
int profile_add(struct profile *p, const uint32_t *names, size_t n, double count);

/* Child of `parent` named `name`, created if missing (the parser's fast
 * path when consecutive stacks share a prefix). PNODE_NONE on ENOMEM. */
uint32_t profile_child_add(struct profile *p, uint32_t parent, uint32_t name);
/* Add `count` to a node's self count in the current column. */
void profile_add_self(struct profile *p, uint32_t node, double count);

/* Child of `parent` with frame name `name`, or PNODE_NONE. */
uint32_t profile_child(const struct profile *p, uint32_t parent, uint32_t name);

/* Select the count column (0 or 1) that profile_add writes. */
void profile_set_column(struct profile *p, int column);
/* True once anything was added to column 1. */
bool profile_has_column2(const struct profile *p);
/* Column-1 self and total of a node (0 when there is no column 1). */
double profile_self2(const struct profile *p, uint32_t node);
double profile_total2(const struct profile *p, uint32_t node);

/* Recompute every total from the self counts. Idempotent. */
void profile_finish(struct profile *p);

size_t profile_node_count(const struct profile *p);
const struct pnode *profile_node(const struct profile *p, uint32_t id);
/* Root total (column 0). Valid after profile_finish(). */
double profile_total(const struct profile *p);
uint32_t profile_max_depth(const struct profile *p);

/* Call fn for every node with a nonzero self count (column 0), with the
 * name ids of its path from the outermost frame (root excluded), depth
 * first. Returns 0, -1 on ENOMEM, or fn's first nonzero return value. */
int profile_walk_stacks(const struct profile *p,
                        int (*fn)(const uint32_t *names, size_t n, double self, void *arg),
                        void *arg);

/* Rank of each name in byte order (rank[id]); computed on first call and
 * cached until the next intern. NULL on ENOMEM. Sorting children by rank is
 * sorting them by name. */
const uint32_t *profile_name_ranks(struct profile *p);

#endif
