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
 * Counts exist twice. The exact self count (struct pcount, beside the trie)
 * is what the parser read: 64-bit integers, summed without loss, because a
 * double stops counting at 2^53 and `convert --to folded` turned
 * 9007199254740993 into ...992 and 2^64-1 into 2^64. The self and total
 * doubles of struct pnode are the drawn view of the same counts, for
 * geometry and percentages, where 53 bits are plenty; the differential
 * graph widens them (profile_add_width) without touching the exact ones.
 *
 * Invariants:
 *  - a child's id is greater than its parent's id (nodes are only appended),
 *    so a reverse scan of the node array is a valid bottom-up order;
 *  - name id 0 is "all", the root's name;
 *  - exact counts: the integer counts of a column sum to at most 2^64-1
 *    (profile_count_fits), so no node's exact count can overflow; decimal
 *    counts add their integer part there and their fraction apart;
 *  - drawn counts are non-negative doubles, (double)n + frac of the exact
 *    ones unless widened;
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
    double self;           /* drawn view, see above */
    double total;
};

/* An exact count: the sum of the integer parts of the counts added, and
 * apart from it the sum of their fractional parts ("2.5" adds 2 and 0.5). */
struct pcount {
    uint64_t n;
    double frac;
};

/* c rounded to the nearest integer (halves up). Returns 0, or -1 when the
 * result does not fit in 64 bits. Pure. */
int pcount_round(const struct pcount *c, uint64_t *out);

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

/* Child of `parent` named `name`, created if missing (the parser's fast
 * path when consecutive stacks share a prefix). PNODE_NONE on ENOMEM. */
uint32_t profile_child_add(struct profile *p, uint32_t parent, uint32_t name);
/* True if n more can be added to the current column without its integer
 * counts summing past 2^64-1 (the parser rejects the line otherwise). */
bool profile_count_fits(const struct profile *p, uint64_t n);
/* Add the count n + frac (frac in [0, 1), from a decimal) to a node's self
 * count in the current column, exact and drawn. Returns 0, or -1 (errno
 * EOVERFLOW, nothing added) when profile_count_fits(p, n) is false. */
int profile_add_count(struct profile *p, uint32_t node, uint64_t n, double frac);
/* Add w to a node's drawn self count (column 0) only: the widths of a
 * differential graph. The exact count does not change. */
void profile_add_width(struct profile *p, uint32_t node, double w);
/* The exact self count of a node (column 0). */
const struct pcount *profile_count(const struct profile *p, uint32_t node);

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

/* Call fn for every node with a nonzero exact self count (column 0), with
 * the name ids of its path from the outermost frame (root excluded), depth
 * first. Returns 0, -1 on ENOMEM, or fn's first nonzero return value. */
int profile_walk_stacks(const struct profile *p,
                        int (*fn)(const uint32_t *names, size_t n, const struct pcount *self,
                                  void *arg),
                        void *arg);

/* Rank of each name in byte order (rank[id]); computed on first call and
 * cached until the next intern. NULL on ENOMEM. Sorting children by rank is
 * sorting them by name. */
const uint32_t *profile_name_ranks(struct profile *p);

#endif
