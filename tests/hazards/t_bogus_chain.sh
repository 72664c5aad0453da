#!/bin/bash
# A frame-pointer chain that lies never crashes the program: bogus_chain's
# code without CFI points rbp at a fake frame record that returns into a
# function whose CFI takes the CFA from rbp, with 0x1000 as the rbp saved
# there. The DWARF walk resumed after the code without CFI used to compute
# the next CFA from 0x1000 and read below it, inside the sampling handler:
# SIGSEGV at every sample. Now the handler checks each resumed step's CFA
# (preload/cfa_rule.c) and ends the walk there, counting it as failed.
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -fno-omit-frame-pointer -o "$TMP/bogus_chain" "$HAZ/progs/bogus_chain.c" ||
    fail "cannot build bogus_chain"
plain p "$TMP/bogus_chain"
[ "$(cat "$TMP/p.rc")" = 0 ] || fail "unprofiled: exit status $(cat "$TMP/p.rc")"
for i in 1 2; do
    FLAMEPRE_HZ=999 profile "$TMP/o$i" r$i "$TMP/bogus_chain"
    [ "$(cat "$TMP/r$i.rc")" = 0 ] || fail "run $i: exit status $(cat "$TMP/r$i.rc") (139: SIGSEGV)"
    cmp -s "$TMP/p.out" "$TMP/r$i.out" || fail "run $i: output '$(cat "$TMP/r$i.out")'"
    F=$(one_file "$TMP/o$i" '*.cpu.folded') || exit 1
    M=$(one_file "$TMP/o$i" '*.meta.json') || exit 1
    # the samples in the spinner end at the lie, as failed unwinds
    n=$(grep -F 'framed_fn;framed_fn;[unknown]' "$F" | awk '{ s += $NF } END { print s + 0 }')
    failed=$(meta_get "$M" unwind_failed)
    [ "$n" -ge 100 ] || { show_head "$F"; fail "run $i: $n samples through the fake record"; }
    [ "${failed:-0}" -ge "$n" ] || fail "run $i: unwind_failed $failed < $n stopped walks"
    note "run $i: $n samples stopped at the lie, unwind_failed $failed"
done
