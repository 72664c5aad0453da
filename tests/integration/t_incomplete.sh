#!/bin/bash
# A stack that stops short of an entry point says so: code without unwind
# information (an mmap'd trampoline, as JIT code is) ends the walk, and the
# stack gets the root marker [incomplete: no unwind info], counted in
# meta.json's stacks_incomplete. Stacks that reach _start get no marker.
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -o "$TMP/jit_trampoline" "$HERE/progs/jit_trampoline.c" || fail "cannot build jit_trampoline"
FLAMEPRE_HZ=499 profile "$TMP/o" j "$TMP/jit_trampoline"
[ "$(cat "$TMP/j.rc")" = 0 ] || fail "exit status $(cat "$TMP/j.rc"): $(cat "$TMP/j.err")"
F=$(one_file "$TMP/o" '*.cpu.folded') || exit 1
M=$(one_file "$TMP/o" '*.meta.json') || exit 1
jit=$(awk '/jitted_work/ {s += $NF} END {print s + 0}' "$F")
marked=$(awk '/^\[[^]]*tid=[0-9]+\];\[incomplete: no unwind info\];.*jitted_work/ {s += $NF} END {print s + 0}' "$F")
native=$(awk '/native_work/ {s += $NF} END {print s + 0}' "$F")
native_whole=$(awk '/;_start;.*;main;native_work/ && !/incomplete/ {s += $NF} END {print s + 0}' "$F")
n=$(meta_get "$M" stacks_incomplete)
note "jitted_work: $jit samples, $marked under the marker; native_work: $native, $native_whole whole; stacks_incomplete $n"
[ "$jit" -ge 100 ] || fail "too few samples in jitted_work: $jit"
[ "$marked" -ge $((jit * 9 / 10)) ] || { cat "$F"; fail "stacks through the trampoline are not marked incomplete"; }
[ "$native_whole" -ge $((native * 9 / 10)) ] || { cat "$F"; fail "whole stacks were marked"; }
[ "$n" -ge "$marked" ] || fail "stacks_incomplete $n, but $marked marked samples"

# The same code keeping a frame-pointer chain (as V8's and HotSpot's frames
# do): the walk goes on through it past the code without CFI, to main, and
# from main's CFI on to _start (the DWARF walk resumes after the chain).
FLAMEPRE_HZ=499 profile "$TMP/fp" jf "$TMP/jit_trampoline" fp
[ "$(cat "$TMP/jf.rc")" = 0 ] || fail "fp: exit status $(cat "$TMP/jf.rc"): $(cat "$TMP/jf.err")"
F=$(one_file "$TMP/fp" '*.cpu.folded') || exit 1
jit=$(awk '/jitted_work/ {s += $NF} END {print s + 0}' "$F")
through=$(awk '/;main;\[unknown\];jitted_work/ {s += $NF} END {print s + 0}' "$F")
whole=$(awk '/;_start;__libc_start_main;.*;main;\[unknown\];jitted_work/ && !/incomplete/ {s += $NF} END {print s + 0}' "$F")
note "fp chain: jitted_work $jit samples, $through of them reach main through the trampoline, $whole _start"
[ "$through" -ge $((jit * 9 / 10)) ] || { cat "$F"; fail "the frame-pointer chain past the code without CFI was not followed"; }
[ "$whole" -ge $((jit * 9 / 10)) ] || { cat "$F"; fail "the DWARF walk did not resume after the frame-pointer chain"; }

# Samples inside the code without CFI itself (a JIT's hot loop): the walk
# starts from its frame pointer, then resumes DWARF at main.
FLAMEPRE_HZ=499 profile "$TMP/spin" js "$TMP/jit_trampoline" fpspin
[ "$(cat "$TMP/js.rc")" = 0 ] || fail "fpspin: exit status $(cat "$TMP/js.rc"): $(cat "$TMP/js.err")"
F=$(one_file "$TMP/spin" '*.cpu.folded') || exit 1
leaf=$(awk '/;\[unknown\] [0-9]+$/ {s += $NF} END {print s + 0}' "$F")
whole=$(awk '/;_start;__libc_start_main;.*;main;\[unknown\] [0-9]+$/ && !/incomplete/ {s += $NF} END {print s + 0}' "$F")
note "leaf without CFI: $leaf samples, $whole of them reach _start"
[ "$leaf" -ge 50 ] || { cat "$F"; fail "too few samples in the code without CFI: $leaf"; }
[ "$whole" -ge $((leaf * 9 / 10)) ] || { cat "$F"; fail "a leaf without CFI did not unwind through its frame pointer to _start"; }
