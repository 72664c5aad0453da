#ifndef FLAMEPRE_COLLECTOR_INLCACHE_H
#define FLAMEPRE_COLLECTOR_INLCACHE_H
/*
 * A persistent cache of inlined-call tables, one file per debug file, so a
 * collector answers inliner_frames (inline.h) without opening the DWARF
 * again. Opening it is the dear part: libdw inflates every compressed
 * .debug_* section at dwarf_begin (libc6-dbg's: ~85 ms), and a collector
 * lives only as long as its programs, so every short run paid it again.
 *
 * What is kept: for each function a lookup met, its code range with every
 * inlined call inside it (ranges, nesting, name, call line), as inline.c
 * built it from DWARF; and the ranges where DWARF knows no function. A
 * lookup inside a kept function is answered from the file, at any address
 * in it; one outside everything kept is a miss (the caller reads the DWARF
 * and adds what it learnt). Source lines are not kept: a lookup that wants
 * lines always reads the DWARF.
 *
 * Files live in `dir` (FLAMEPRE_CACHE_DIR; default
 * $XDG_CACHE_HOME/flamepre or ~/.cache/flamepre), named by a hash of the
 * debug file's path, size, inode and modification time (a new build of a
 * file is a new cache file), written atomically at save. The text format,
 * version 1, one record a line, fields separated by one space, the name
 * last (it may hold spaces):
 *
 *   flamepre-inline-cache 1 <path>      (first line; path as given)
 *   F <lo> <hi> <nscopes> <nranges>     a function: [lo, hi) in hex, then
 *   S <parent> <depth> <inl> <line> <name>   nscopes scopes (0 is the
 *                                       function; parent a scope index
 *                                       or -, inl 1 for an inlined call,
 *                                       name - when unknown) and
 *   R <lo> <hi> <scope>                 nranges ranges of inlined calls
 *   N <lo> <hi>                         no function here
 *
 * A file that does not parse is ignored whole (and rewritten at save).
 * Not thread-safe; normal context only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "collector/inline.h" /* struct inline_frame */

struct inlcache;

/* The cache of the debug file at path (stat st), from dir; NULL when
 * there is no dir or no memory. An existing file is read now. */
struct inlcache *inlcache_open(const char *dir, const char *path, const struct stat *st);
void inlcache_free(struct inlcache *c);

/* Did the file hold anything (so the DWARF may stay closed)? */
bool inlcache_loaded(const struct inlcache *c);

/* Frames at vaddr as inliner_frames gives them without lines (file NULL):
 * the count (0: no function there), or -1 when the cache does not know. */
int inlcache_find(struct inlcache *c, uint64_t vaddr, struct inline_frame *out, int max);

/* One scope of a function being added: its parent (index among the
 * function's scopes, -1 for none), depth, whether it is an inlined call,
 * the line it was called from, its name (copied; NULL when unknown). */
struct inlcache_scope {
    int32_t parent;
    uint16_t depth;
    bool inlined;
    uint32_t call_line;
    const char *name;
};
struct inlcache_range {
    uint64_t lo, hi;
    uint32_t scope;
};

/* Add a function [lo, hi): scopes[0] is the function itself, ranges are
 * its inlined calls' code ranges. Indices are checked. 0, or -1. */
int inlcache_add_func(struct inlcache *c, uint64_t lo, uint64_t hi,
                      const struct inlcache_scope *scopes, uint32_t nscopes,
                      const struct inlcache_range *ranges, uint32_t nranges);
/* Add a range [lo, hi) where DWARF knows no function. 0, or -1. */
int inlcache_add_none(struct inlcache *c, uint64_t lo, uint64_t hi);

/* Write the file if anything was added since it was read. 0, or -1. */
int inlcache_save(struct inlcache *c);

/* The default directory from the environment (FLAMEPRE_CACHE_DIR, "off"
 * for none; else $XDG_CACHE_HOME/flamepre, else $HOME/.cache/flamepre):
 * malloc'd, or NULL. */
char *inlcache_default_dir(void);

/* Parse a cache file's text (for tests and the fuzzer): 0 when it parses
 * whole, -1 otherwise (c is then left empty). */
int inlcache_parse(struct inlcache *c, const char *text, size_t len);
/* An empty cache that is never saved (tests). */
struct inlcache *inlcache_new_memory(void);

#endif
