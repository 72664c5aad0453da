#ifndef FLAMEPRE_PLT_H
#define FLAMEPRE_PLT_H
/*
 * PLT stubs, named as perf and objdump name them: "foo@plt".
 *
 * A call into another library goes through a 16-byte stub in .plt,
 * .plt.sec or .plt.got that jumps through a GOT slot; no symbol covers the
 * stubs, so a sample inside one would read "[libfoo.so+0x1234]". Each
 * stub's indirect jump (ff 25 disp32, maybe with a bnd prefix) names its
 * GOT slot, and the dynamic relocation that fills the slot (JUMP_SLOT or
 * GLOB_DAT) names the function. x86-64 only (elsewhere: no stubs).
 *
 * Collector side, normal context.
 */
#include <gelf.h>
#include <stdint.h>

struct plt_stub {
    uint64_t lo, hi; /* ELF virtual addresses */
    char *name;      /* the target's symbol name (malloc'd, mangled) */
};

/* The stubs of e, sorted by address, in a malloc'd array (free each name,
 * then the array: plt_free). Returns how many (0: none), -1 on error. */
long plt_stubs(Elf *e, struct plt_stub **out);
void plt_free(struct plt_stub *v, long n);

#endif
