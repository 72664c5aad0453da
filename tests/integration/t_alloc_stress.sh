#!/bin/sh
# Stress: 16 producer threads allocate, 16 consumer threads free (and
# sometimes realloc) those blocks in another thread, for a few seconds.
# Under the profiler in exact and sampled mode the program's output is
# unchanged, it exits 0, nothing is dropped or lost, and live_bytes holds
# nothing of the stress functions (every block was freed): no sampled record
# was lost or counted twice.
. "$(dirname "$0")/lib.sh"
need_lib
need_example alloc_stress
AC="$PY $HERE/alloc_check.py"
plain p "$EX/alloc_stress" 16 200000
[ "$(cat "$TMP/p.rc")" = 0 ] || fail "alloc_stress fails without the profiler"
for s in 0 64k; do
    echo "alloc_stress 16 threads x 200000 blocks, FLAMEPRE_ALLOC_SAMPLE=$s"
    FLAMEPRE_EVENTS=cpu,alloc FLAMEPRE_HZ=999 FLAMEPRE_ALLOC_SAMPLE=$s profile "$TMP/s$s" q "$EX/alloc_stress" 16 200000
    [ "$(cat "$TMP/q.rc")" = 0 ] || { show_head "$TMP/q.err"; fail "exit code $(cat "$TMP/q.rc")"; }
    cmp -s "$TMP/p.out" "$TMP/q.out" || fail "stdout differs: $(cat "$TMP/q.out")"
    B=$(one_file "$TMP/s$s" '*.alloc_bytes.folded') || exit 1
    L=$(one_file "$TMP/s$s" '*.live_bytes.folded') || exit 1
    M=$(one_file "$TMP/s$s" '*.meta.json') || exit 1
    check valid "$B" "$L"
    if [ "$s" = 0 ]; then
        # Bytes allocated by stress_alloc: the program prints the sum.
        want=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' "$TMP/p.out")
        $AC sum "$B" --exact stress_alloc="$want" || fail "exact bytes of stress_alloc"
    else
        check has "$B" --frame stress_alloc
    fi
    $AC none "$L" stress_alloc stress_free || fail "freed blocks left in live_bytes"
    "$PY" - "$M" <<'PYEOF' || fail "meta.json counts a loss"
import json, sys
a = json.load(open(sys.argv[1]))["alloc"]
print("  alloc:", a)
assert a["dropped"] == 0 and a["untracked_live"] == 0 and a["collector_oom"] == 0
PYEOF
done
