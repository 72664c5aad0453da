#!/bin/bash
# A return address the CFI gets wrong never crashes the program: libgcc's
# unwinder, when no FDE covers a pc, reads the code there (looking for the
# signal trampoline); interpose_fde.c ends the walk first when that memory
# is not mapped. Without it, bogus_spin's samples took the program down
# with SIGSEGV (as node's V8 builtins did).
. "$(dirname "$0")/lib.sh"
need_lib
build bad_cfi
plain p "$TMP/bad_cfi" 40
for mode in dwarf fp; do
    FLAMEPRE_UNWIND=$mode FLAMEPRE_HZ=999 profile "$TMP/$mode" $mode "$TMP/bad_cfi" 40
    [ "$(cat "$TMP/$mode.rc")" = 0 ] || fail "$mode: exit status $(cat "$TMP/$mode.rc"): $(cat "$TMP/$mode.err")"
    cmp -s "$TMP/p.out" "$TMP/$mode.out" || fail "$mode: output '$(cat "$TMP/$mode.out")'"
    F=$(one_file "$TMP/$mode" '*.cpu.folded') || exit 1
    n=$(grep bogus_spin "$F" | awk '{ s += $NF } END { print s + 0 }')
    [ "$n" -ge 50 ] || { show_head "$F"; fail "$mode: $n samples in bogus_spin"; }
    note "$mode: $(cat "$TMP/$mode.out"); $n samples in bogus_spin of $(total "$F")"
done
