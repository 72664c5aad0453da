#!/bin/sh
# C++: operator new reaches malloc through libstdc++; allocations show up
# with operator new as the leaf directly under the demangled C++ caller
# (demo::Forest<int>::grow, demo::make_buffers), in exact and sampled mode.
. "$(dirname "$0")/lib.sh"
need_lib
need_example alloc_cxx
AC="$PY $HERE/alloc_check.py"
plain p "$EX/alloc_cxx" 2000
for s in 0 512k; do
    echo "alloc_cxx 2000 rounds, FLAMEPRE_ALLOC_SAMPLE=$s, dwarf"
    FLAMEPRE_EVENTS=alloc FLAMEPRE_ALLOC_SAMPLE=$s profile "$TMP/c$s" q "$EX/alloc_cxx" 2000
    [ "$(cat "$TMP/q.rc")" = 0 ] || { show_head "$TMP/q.err"; fail "exit code $(cat "$TMP/q.rc")"; }
    cmp -s "$TMP/p.out" "$TMP/q.out" || fail "stdout differs"
    B=$(one_file "$TMP/c$s" '*.alloc_bytes.folded') || exit 1
    check valid "$B"
    $AC under "$B" 'operator new.*' 'demo::Forest<int>::grow.*' || fail "operator new not under demo::Forest<int>::grow"
    $AC under "$B" 'operator new.*' '(demo::make_buffers.*|.*basic_string.*|.*vector.*)' || fail "operator new not under the buffer code"
    check has "$B" --frame 'demo::make_buffers(\(int\))?'
done
# Exact: per round grow allocates 256 nodes of 48 bytes plus its vector's
# reserve(256) of 2048 bytes: 257 allocations, 14336 bytes.
C=$(one_file "$TMP/c0" '*.alloc_count.folded') || exit 1
B=$(one_file "$TMP/c0" '*.alloc_bytes.folded') || exit 1
$AC sum "$B" --exact 'demo::Forest<int>::grow.*=28672000' || fail "grow's bytes"
$AC sum "$C" --exact 'demo::Forest<int>::grow.*=514000' || fail "grow's allocation count"
