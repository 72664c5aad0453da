#ifndef FLAMEPRE_CFA_RULE_H
#define FLAMEPRE_CFA_RULE_H
/*
 * The CFA rule of one frame, from its function's call frame information
 * (.eh_frame CIE and FDE), evaluated without libgcc.
 *
 * Why: a DWARF walk that resumes after code without CFI (unwind.c) starts
 * from registers a frame-pointer chain gave, and the chain may lie. libgcc
 * then computes each next CFA from whatever those registers hold and reads
 * the return address below it, with no check: a fault inside the sampling
 * handler. Knowing the rule first (which register, which offset) lets the
 * handler see where libgcc would read, and end the walk instead.
 *
 * Only the CFA is tracked: DW_CFA_def_cfa*, remember/restore_state and the
 * location advances; every other instruction is decoded and skipped. All
 * reads stay inside [lo, hi) and inside the CIE's and FDE's own lengths.
 * Async-signal-safe: no allocation, no locks, no system calls.
 */
#include <stdint.h>

enum cfa_kind {
    CFA_REG,  /* CFA = register `reg` + `off` */
    CFA_EXPR, /* CFA = a DWARF expression (signal trampolines, PLT entries,
               * stack realignment) */
};

struct cfa_rule {
    enum cfa_kind kind;
    unsigned reg; /* DWARF register number (x86-64: 6 rbp, 7 rsp) */
    int64_t off;
};

/*
 * The rule at `pc` of the function starting at `func`, described by the
 * FDE at `fde` (what _Unwind_Find_FDE returns; func is its bases' func).
 * pc is the address libgcc looks up: a return address minus one, or the
 * exact pc of a frame interrupted by a signal. lo, hi bound every byte
 * read (0, UINTPTR_MAX where the FDE comes from a loaded module's
 * .eh_frame, as libgcc trusts it too). 0, or -1 when the CIE or FDE is
 * malformed or uses what this does not decode (the caller must then
 * assume nothing).
 */
int cfa_rule_at(const void *fde, uintptr_t func, uintptr_t pc, uintptr_t lo, uintptr_t hi,
                struct cfa_rule *out);

#endif
