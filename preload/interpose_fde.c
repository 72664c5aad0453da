/*
 * A guard around libgcc's FDE lookup, for our private copy of libgcc's
 * unwinder (linked with -Wl,--wrap=_Unwind_Find_FDE; see unwind.c).
 *
 * Why: when no FDE covers a frame's pc, libgcc's x86-64 Linux fallback
 * reads the code at that pc to recognise the signal trampoline. A return
 * address taken from a frame whose CFI does not describe it (V8's builtins
 * and JIT frames, hand-written assembly) can be any number: node died of
 * SIGSEGV reading address 3 there, inside the sampling handler. Before
 * libgcc reads a pc no FDE covers, the wrapper checks that the bytes it
 * reads are mapped (unwind_readable: one process_vm_readv, which answers
 * EFAULT instead of faulting); if not, it returns to the unwinder's caller
 * through the buffer that set tstate.gcc_escape, and the walk ends as if
 * libgcc had stopped there. libgcc holds no lock at that point (the lookup
 * returned), so leaving its frames is safe.
 *
 * Async-signal-safe: a system call and TLS only.
 */
#include <stdint.h>

#include "preload/threads.h"
#include "preload/unwind.h"

const void *__real__Unwind_Find_FDE(void *pc, void *bases);
const void *__wrap__Unwind_Find_FDE(void *pc, void *bases) __attribute__((visibility("hidden")));

/* The fallback reads the byte at the return address and 8 after it; the
 * lookup's pc is that address - 1 (or the address itself in a signal
 * frame). */
#define FALLBACK_READ 11

const void *__wrap__Unwind_Find_FDE(void *pc, void *bases)
{
    const void *fde = __real__Unwind_Find_FDE(pc, bases);
    if (!fde && tstate.gcc_escape && !unwind_readable((uintptr_t)pc, FALLBACK_READ))
        __builtin_longjmp(tstate.gcc_escape, 1);
    return fde;
}
