#!/bin/sh
# Exact mode attributes every allocation to its own path when one call site
# is reached through different callers at the same stack depth, and through
# recursion at varying depths (alloc_paths): the dwarf unwinder's stack
# cache (preload/stackcache.h) must never hand one path's stack to another.
# Counts and bytes per path are exact, with both unwinders and both builds,
# and with stacks cut at FLAMEPRE_DEPTH=4 (cut stacks are cached too: the
# cut must stay where the unwinder put it).
. "$(dirname "$0")/lib.sh"
need_lib
need_example alloc_paths
need_example alloc_paths-nofp
AC="$PY $HERE/alloc_check.py"
R=5000
plain p "$EX/alloc_paths" $R
for spec in "alloc_paths-nofp dwarf 128" "alloc_paths dwarf 128" "alloc_paths fp 128" \
    "alloc_paths dwarf 4" "alloc_paths fp 4"; do
    set -- $spec
    echo "$1 $R rounds, exact, FLAMEPRE_UNWIND=$2 FLAMEPRE_DEPTH=$3"
    rm -rf "$TMP/$1"
    FLAMEPRE_EVENTS=alloc FLAMEPRE_ALLOC_SAMPLE=0 FLAMEPRE_UNWIND=$2 FLAMEPRE_DEPTH=$3 \
        profile "$TMP/$1" q "$EX/$1" $R
    [ "$(cat "$TMP/q.rc")" = 0 ] || { show_head "$TMP/q.err"; fail "exit code $(cat "$TMP/q.rc")"; }
    cmp -s "$TMP/p.out" "$TMP/q.out" || fail "stdout differs"
    B=$(one_file "$TMP/$1" '*.alloc_bytes.folded') || exit 1
    C=$(one_file "$TMP/$1" '*.alloc_count.folded') || exit 1
    L=$(one_file "$TMP/$1" '*.live_bytes.folded') || exit 1
    check valid "$B" "$C"
    $AC sum "$C" --exact path_a=$((3 * R)) path_b=$((2 * R)) path_c=$R rec=$R || fail "counts per path not exact"
    $AC sum "$B" --exact path_a=$((72 * R)) path_b=$((80 * R)) path_c=$((56 * R)) rec=$((72 * R)) || fail "bytes per path not exact"
    $AC none "$L" path_a path_b path_c rec || fail "freed blocks in live_bytes"
    if [ "$3" = 4 ]; then
        M=$(one_file "$TMP/$1" '*.meta.json') || exit 1
        "$PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); print("  stacks_truncated", m["stacks_truncated"]); assert m["stacks_truncated"] >= 7 * int(sys.argv[2])' "$M" $R ||
            fail "stacks cut at depth 4 not counted as truncated"
    fi
done
