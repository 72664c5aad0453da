#ifndef FLAMEPRE_FOLDED_H
#define FLAMEPRE_FOLDED_H
/*
 * Folded-stack accumulator and writer.
 *
 * Model: a multiset of stacks "root;...;leaf" with integer counts. Adding the
 * same stack twice adds the counts. Writing emits one line per distinct stack,
 * "stack COUNT\n", sorted by byte order of the stack, into `path` atomically
 * (a temp file in the same directory, then rename), so a reader never sees
 * a half-written file. Off the hot path only.
 */
#include <stddef.h>
#include <stdint.h>

struct folded;

struct folded *folded_new(void);
void folded_free(struct folded *f);

/* Add `count` to stack (len bytes, not NUL-terminated needed). Frames are
 * separated by ';'. The text is sanitized by the frame rule
 * (format/frames.h: control characters and invalid UTF-8 become '_'). Stacks with count 0 are kept only if added with nonzero count
 * later. Returns 0 or -1 (ENOMEM). */
int folded_add(struct folded *f, const char *stack, size_t len, uint64_t count);

uint64_t folded_total(const struct folded *f);
size_t folded_distinct(const struct folded *f);

/* Write sorted, merged lines to path (relative to dirfd, or AT_FDCWD)
 * atomically. Returns 0, or -1 with errno set (the temp file is removed on
 * failure). */
int folded_write_file(struct folded *f, int dirfd, const char *path);

/* Visit the distinct stacks in sorted order. */
void folded_foreach(struct folded *f, void (*fn)(const char *stack, uint64_t count, void *arg),
                    void *arg);

#endif
