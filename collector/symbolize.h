#ifndef FLAMEPRE_SYMBOLIZE_H
#define FLAMEPRE_SYMBOLIZE_H
/*
 * Symbolizer: runtime instruction addresses -> function names.
 *
 * Model: a set of modules (ELF files mapped at a load bias). Each module's
 * symbol table is read once (lazily, on the first address that falls in it)
 * into a sorted array of [start, end) ranges, so a lookup is a binary search.
 * Sources, best first: .symtab of the file itself, .symtab of a separate
 * debug file (by build-id under /usr/lib/debug/.build-id/xx/yyyy.debug, then
 * by .gnu_debuglink next to the file, in its .debug/ and under
 * /usr/lib/debug/<dir>/), then .dynsym. C++ names are demangled.
 *
 * Off the hot path only: allocates, opens files, may take locks. Never call
 * it from a signal handler or an interposer. A symbolizer has no internal
 * lock: use each one from one thread at a time.
 *
 * Names returned never contain ';', newline or control characters (they are
 * replaced by '_'), so they can go straight into a folded line. Fallbacks:
 * "[<module basename>+0x<hex offset>]" where offset = address - load bias
 * (the ELF virtual address, as objdump/addr2line expect) when the module has
 * no symbol covering the address, "[unknown]" when no module maps it.
 *
 * Callers pass the address they want named. For return addresses (every
 * frame but the leaf) pass ret-1 so a call at the end of a function is
 * attributed to its caller, not to the next function.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collector/inline.h" /* struct inline_ops (no libdw here) */

struct symbolizer;

struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *sym);

/* Register one module: ELF file `path`, runtime address = ELF vaddr + bias,
 * runtime address range [lo, hi) that belongs to it. `name` is what the
 * fallback frame shows (its basename is taken); NULL means path. Returns 0,
 * or -1 on allocation failure. The file is not opened until needed. */
int symbolizer_add_module(struct symbolizer *sym, const char *path, const char *name,
                          uintptr_t bias, uintptr_t lo, uintptr_t hi);

/* Register every module of the calling process (dl_iterate_phdr; the main
 * executable is resolved through /proc/self/exe, the vDSO is included by its
 * in-memory image). Returns the number of modules added, -1 on error. */
int symbolizer_add_self_modules(struct symbolizer *sym);

/* Module-map epochs (a collector reading a process's maps again after
 * dlopen/dlclose): a module registered with [ep_lo, ep_hi] names the
 * addresses of records drained in those epochs; symbolizer_name_at picks
 * by epoch where two modules shared an address range at different times.
 * Epochs are 16-bit; EPOCH_ANY means "the latest". */
#define SYMBOLIZER_EPOCH_ANY 0xffffu
int symbolizer_add_module_epochs(struct symbolizer *sym, const char *path, const char *name,
                                 uintptr_t bias, uintptr_t lo, uintptr_t hi, uint32_t ep_lo,
                                 uint32_t ep_hi);
const char *symbolizer_name_at(struct symbolizer *sym, uintptr_t addr, uint32_t epoch);

/* Forget every module (and the names cached by address), keep the
 * symbol tables read so far: one symbolizer serves process after process
 * (a collector process), reading libc or cc1 once. A table is reused only
 * for the same file (device, inode, size and mtime), never for a binary
 * rebuilt at the same path. Counters start over. */
void symbolizer_reset_modules(struct symbolizer *sym);

/* Name addresses no module maps from pid's perf map file (perfmap.h), as
 * "<name>_[j]" (the FlameGraph convention for JIT frames). Cleared by
 * symbolizer_reset_modules. */
void symbolizer_set_jit_pid(struct symbolizer *sym, pid_t pid);

/* Register the vDSO mapped at [lo, hi) of another process: its image is
 * this process's own (one kernel, one vDSO). 1, 0 if unavailable, -1. */
int symbolizer_add_vdso(struct symbolizer *sym, uintptr_t lo, uintptr_t hi);

/* Name of the function containing `addr`; never NULL, valid until
 * symbolizer_free. */
const char *symbolizer_name(struct symbolizer *sym, uintptr_t addr);

/* Inlined frames and source lines (inline.h). `ops` reads DWARF: the
 * collector process and the CLI set it; the preload library, which does
 * not link libdw, never does, and its frames stay one per address. NULL
 * turns it off. Separate debug files are looked for as for .symtab (and,
 * with DEBUGINFOD_URLS set, through ops->debuginfod, also for .symtab). */
void symbolizer_set_inline_ops(struct symbolizer *sym, const struct inline_ops *ops);

/* What symbolizer_frames_at adds to a function's name: the functions
 * inlined at the address (FLAMEPRE_INLINE), source lines
 * (FLAMEPRE_LINES). Both off by default. True when frames_at may now
 * differ from name_at (a DWARF reader is set and something is asked). */
bool symbolizer_set_frames(struct symbolizer *sym, bool inlined, bool lines);

/* The frames of addr, root side first, joined by ';' so they go straight
 * into a folded line: the function's name as symbolizer_name_at gives it,
 * then each function inlined into it down to the innermost, marked
 * "NAME (inlined)" (FRAME_INLINED_SUFFIX); with lines, each frame ends in
 * " (FILE:LINE)" (format/frames.h: the innermost one the line of addr,
 * each other the line of the call inlined into it). Only symbolizer_name_at
 * where DWARF says nothing or neither is asked for. Valid until
 * symbolizer_free. Pass ret-1 for return addresses, as for names. */
const char *symbolizer_frames_at(struct symbolizer *sym, uintptr_t addr, uint32_t epoch);

/* Module containing addr: its basename and the [lo, hi) range, or -1. */
int symbolizer_module_of(struct symbolizer *sym, uintptr_t addr, const char **name, uintptr_t *lo,
                         uintptr_t *hi);

/* The module at addr in module-map epoch `epoch` (as symbolizer_name_at
 * picks it): its basename, valid until symbolizer_reset_modules; NULL when
 * no module maps addr. */
const char *symbolizer_module_at(struct symbolizer *sym, uintptr_t addr, uint32_t epoch);

/* Call fn once per module file read so far that has no full symbol table
 * (no .symtab, in the file or a separate debug file: only its exported
 * .dynsym names, or none), with the path the process names it by. Its
 * other functions show as "[lib+0x..]": a -dbgsym package would name them. */
void symbolizer_foreach_undebugged(const struct symbolizer *sym,
                                   void (*fn)(const char *path, void *arg), void *arg);

/* Counters for meta.json. */
struct symbolizer_stats {
    unsigned modules;        /* registered */
    unsigned modules_loaded; /* whose ELF was opened */
    unsigned modules_nosyms; /* opened but no symbol table at all */
    uint64_t lookups;
    uint64_t unresolved;    /* answered with a fallback name */
    unsigned modules_dwarf; /* whose DWARF was read (inlined frames, lines) */
    uint64_t inlined;       /* frames_at answers that had inlined frames */
    /* over the collector's life (inline.h inliner_counts) */
    uint64_t dwarf_files_read, inline_cache_hits;
};
void symbolizer_stats(const struct symbolizer *sym, struct symbolizer_stats *out);

#endif
