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
 * libunwind (per-thread caching, opened with dlopen only then) otherwise.
 * Code without CFI (JIT frames) is crossed by its frame-pointer chain, and
 * the CFI walk resumes at the first return address CFI covers. Both
 * unwinders are primed once in normal context, so the handler does no lazy
 * initialisation.
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
 * Stack room. A walk runs on the program's stack, below the frame it
 * interrupted or was called from: threads with 16 KiB stacks, small
 * sigaltstacks and coroutine stacks without a guard page have too little
 * of it for a DWARF unwinder (SIGSEGV on the guard page, or silent writes
 * into whatever lies below a malloc'd stack). Before walking, the room left
 * is measured against the stack the walk runs on: the thread's (bounds
 * recorded at registration) or, in the handler, the signal stack the
 * kernel reports in the ucontext. A walk whose measured need (UNWIND_NEED_*,
 * bytes below unwind_capture's frame, plus a margin) does not fit, and a
 * DWARF walk outside the thread's known bounds (a coroutine: its room
 * cannot be known), records the leaf alone with UNW_F_LOW_STACK. A thread
 * whose bounds are not known at all (one that predates the library) is
 * walked as any thread. The fp walk needs a
 * few hundred bytes, no more than a leaf record, so it runs on unknown
 * stacks too, reading every frame there with process_vm_readv (an
 * unreadable address is an error, not a fault).
 *
 * unwind_init: normal context, once. unwind_capture: async-signal-safe.
 * unwind_capture_here: normal context.
 */
#include <stdint.h>
#include <ucontext.h>

#include "preload/config.h"

enum unwind_flags {
    UNW_F_TRUNCATED = 1u << 0, /* more frames than the depth limit */
    UNW_F_FAILED = 1u << 1,    /* the unwinder stopped on an error */
    UNW_F_SHALLOW = 1u << 2,   /* not unwound: in the loader or unwinder */
    UNW_F_LOW_STACK = 1u << 3, /* not unwound: too little room on the stack,
                                 * or a stack of unknown size (see above) */
};

/* Bytes a walk needs below unwind_capture's (or unwind_capture_here's)
 * frame, measured with tests/hazards/progs/small_stacks.c `paint`,
 * `paintjit` and `paintbase` (t_small_stacks.sh prints the figures; x86_64,
 * glibc 2.36, Debian's libunwind 1.6), rounded up with a margin for CFI
 * programs and code paths the measurement did not take. The whole
 * handler, on top of the kernel's signal frame (~3 KiB with AVX-512):
 *  - fp walk: ~0.4 KiB;
 *  - libgcc's unwinder (the handler's DWARF walk): ~1.9 KiB;
 *  - libunwind (glibc without _dl_find_object only): ~5 KiB, with its
 *    cursor kept off the stack (UNWIND_CURSOR_BYTES; 6 KiB before). */
#define UNWIND_NEED_FP 768u
#define UNWIND_NEED_GCC 3072u
#define UNWIND_NEED_LIBUNWIND 6144u

/* Thread-private memory the handler's libunwind walk keeps its cursor in
 * (1 KiB that would otherwise sit on the program's stack): a slot's, never
 * shared with another thread or with normal context. */
#define UNWIND_CURSOR_BYTES 1024u

int unwind_init(enum unwind_mode mode);

/* Fill pcs[0..max) with the interrupted pc then return addresses, leaf
 * first. stack_lo/stack_hi bound the thread's stack (0 if unknown); the
 * signal stack comes from uc->uc_stack. cursor: UNWIND_CURSOR_BYTES of
 * the thread's own memory, 8-aligned. Returns the number of frames;
 * *flags gets UNW_F_* bits. */
unsigned unwind_capture(const ucontext_t *uc, uintptr_t stack_lo, uintptr_t stack_hi, void *cursor,
                        uintptr_t *pcs, unsigned max, unsigned *flags);

/* Capture the calling thread's stack from normal context (the allocation
 * interposers), leaf first, leaving out every frame of libflamepre.so, so
 * the first pc is the return address into the program's code that called
 * the interposer. `caller` is that return address as the interposer saw it
 * (__builtin_return_address(0)): it alone is recorded, with UNW_F_SHALLOW,
 * when the thread is inside the dynamic loader (tstate.in_loader), where
 * libunwind could re-enter the loader's lock; it alone is recorded with
 * UNW_F_LOW_STACK when the stack is short or unknown (see above). Not for
 * signal handlers. */
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

/* Are the len (<= 16) bytes at addr readable? Asked of the kernel
 * (process_vm_readv), so an unmapped address answers false instead of
 * faulting. Async-signal-safe; errno kept. */
bool unwind_readable(uintptr_t addr, size_t len);

/* Is addr inside libflamepre.so's own code? */
int unwind_is_self(uintptr_t addr);

/* pc is in libunwind's code (its descriptors are the profiler's).
 * Handler-safe. */
bool unwind_pc_in_libunwind(uintptr_t pc);

#endif
