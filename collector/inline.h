#ifndef FLAMEPRE_INLINE_H
#define FLAMEPRE_INLINE_H
/*
 * Inlined frames and source lines from DWARF (libdw), for the symbolizer.
 *
 * Model: one open DWARF file per debug file (the module itself when it
 * carries .debug_info, else its separate debug file: the symbolizer finds
 * which, symbolize.h), and per compile unit, read once on its first
 * address, a table of the code ranges of its functions and of every
 * inlined call inside them (DW_TAG_subprogram, DW_TAG_inlined_subroutine),
 * nested as in the source. A lookup is a binary search for the function,
 * then a scan of that function's inlined ranges for the deepest one that
 * holds the address; the chain of enclosing inlined calls gives the
 * frames. Lines come from the CU's line table (libdw caches it).
 *
 * Only the collector process and the CLI link this (libdw); the preload
 * library never does: the symbolizer reaches it through the function
 * pointers of struct inline_ops, which nothing in the library sets.
 *
 * Off the hot path: allocates, opens files. Not thread-safe.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One frame of an address: its function's name as DWARF has it (a linkage
 * name, mangled, where there is one; NULL when unknown) and the source
 * line being executed in it (file NULL when unknown). */
struct inline_frame {
    const char *name;
    const char *file;
    unsigned line;
};

struct inliner;

struct inliner *inliner_new(void);
void inliner_free(struct inliner *in);

/* The DWARF of the ELF file at path, opened once (reopened when the file
 * at path changed). NULL when it has no usable DWARF. Valid until
 * inliner_free. */
struct inline_file *inliner_open(struct inliner *in, const char *path);

/* Frames at ELF virtual address vaddr (the caller subtracts 1 from return
 * addresses): out[0] the innermost (inlined) function with the line of
 * vaddr, each next one the function that inlined it with the line of that
 * call, the last one the real (out-of-line) function. At most max
 * frames, the innermost kept. Lines only with `lines` (file NULL
 * otherwise: the line tables are not read). Returns the count: 0 when
 * DWARF says nothing about vaddr, 1 when no call is inlined there.
 * Strings live until inliner_free. */
int inliner_frames(struct inliner *in, struct inline_file *f, uint64_t vaddr, bool lines,
                   struct inline_frame *out, int max);

/* A debug file for build-id bid from debuginfod (libdebuginfod, loaded on
 * first use), asked only when DEBUGINFOD_URLS is set, each download
 * bounded by INLINE_DEBUGINFOD_TIMEOUT_S seconds, and no more once one
 * has timed out. malloc'd path, or NULL. */
#define INLINE_DEBUGINFOD_TIMEOUT_S 5
char *inliner_debuginfod(struct inliner *in, const unsigned char *bid, size_t len);

/* Write what the persistent cache learnt (inlcache.h); inliner_free does
 * too. */
void inliner_save(struct inliner *in);

/* Over the inliner's life: debug files whose DWARF was opened, and
 * lookups answered by the persistent cache without it (inlcache.h). */
void inliner_counts(const struct inliner *in, uint64_t *dwarf_read, uint64_t *cache_hits);

/* The calls above as the symbolizer takes them (symbolize.h). */
struct inline_ops {
    void *ctx;
    void *(*open)(void *ctx, const char *path);
    int (*frames)(void *ctx, void *file, uint64_t vaddr, bool lines, struct inline_frame *out,
                  int max);
    char *(*debuginfod)(void *ctx, const unsigned char *bid, size_t len);
    void (*counts)(void *ctx, uint64_t *dwarf_read, uint64_t *cache_hits);
};
/* Ops over `in` (which must outlive their use). */
struct inline_ops inliner_ops(struct inliner *in);

#endif
