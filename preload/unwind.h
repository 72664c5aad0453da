#ifndef FLAMEPRE_UNWIND_H
#define FLAMEPRE_UNWIND_H
/*
 * Stack capture from a signal context, for the sampling handler.
 *
 * Two modes: `fp` follows the frame-pointer chain (fast; needs code built
 * with frame pointers); `dwarf` follows the .eh_frame CFI (works for -O2
 * code without frame pointers). For `dwarf` the handler uses libgcc's
 * unwinder when that is lock-free and free of system calls (glibc with
 * _dl_find_object, no frames registered through __register_frame*), and
 * libunwind (per-thread caching) otherwise or when libgcc finds no CFI past
 * the interrupted frame. Both are primed once in normal context, so the
 * handler does no lazy initialisation.
 *
 * Hazards handled here rather than risked: a sample that lands while the
 * thread is inside the dynamic loader (dlopen, dl_iterate_phdr, lazy
 * binding), libunwind or libgcc's unwinder is not unwound — the unwinder
 * would re-enter the loader's lock or its own half-updated state. The
 * record then holds only the interrupted pc and UNW_F_SHALLOW.
 *
 * Frames inside libflamepre.so itself (interposers, the thread-start
 * wrapper) are left out, so stacks read like the program's own.
 *
 * unwind_init: normal context, once. unwind_capture: async-signal-safe.
 * unwind_capture_here: normal context.
 */
#include <stdint.h>
#include <ucontext.h>

#include "preload/config.h"

enum unwind_flags {
    UNW_F_TRUNCATED = 1u << 0,  /* more frames than the depth limit */
    UNW_F_FAILED = 1u << 1,     /* the unwinder stopped on an error */
    UNW_F_SHALLOW = 1u << 2,    /* not unwound: in the loader or unwinder */
};

int unwind_init(enum unwind_mode mode);

/* Fill pcs[0..max) with the interrupted pc then return addresses, leaf
 * first. stack_lo/stack_hi bound the thread's stack for the fp walk (0 if
 * unknown). Returns the number of frames; *flags gets UNW_F_* bits. */
unsigned unwind_capture(const ucontext_t *uc, uintptr_t stack_lo, uintptr_t stack_hi,
                        uintptr_t *pcs, unsigned max, unsigned *flags);

/* Capture the calling thread's stack from normal context (the allocation
 * interposers), leaf first, leaving out every frame of libflamepre.so, so
 * the first pc is the return address into the program's code that called
 * the interposer. `caller` is that return address as the interposer saw it
 * (__builtin_return_address(0)): it alone is recorded, with UNW_F_SHALLOW,
 * when the thread is inside the dynamic loader (tstate.in_loader), where
 * libunwind could re-enter the loader's lock. Not for signal handlers. */
unsigned unwind_capture_here(uintptr_t caller, uintptr_t stack_lo, uintptr_t stack_hi,
                             uintptr_t *pcs, unsigned max, unsigned *flags, uintptr_t *cfas);
/* cfas (NULL if not wanted; else room for max words): cfas[i] gets the
 * canonical frame address of the frame returning to pcs[i], so pcs[i] sits
 * at cfas[i] - 8 (libgcc's _Unwind_GetCFA in dwarf mode; the frame
 * record's address + 16 in fp mode); cfas[0] is 0 when they are not known
 * (libunwind fallback, shallow, failed). */

/* Modules were loaded or unloaded (dlopen, dlclose): refresh the code
 * ranges the handler must not unwind from. Normal context. */
void unwind_modules_changed(void);

/* Is addr inside libflamepre.so's own code? */
int unwind_is_self(uintptr_t addr);

/* pc is in libunwind's code (its descriptors are the profiler's).
 * Handler-safe. */
bool unwind_pc_in_libunwind(uintptr_t pc);

#endif
