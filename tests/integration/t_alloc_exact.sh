#!/bin/sh
# Allocation profiling, exact mode (FLAMEPRE_ALLOC_SAMPLE=0): alloc_sites
# with 16 units reproduces every site's bytes and counts exactly, and the
# leak (32 blocks of 2 MiB) is the only live stack of the sites; stdout and
# exit code are unchanged; meta.json lists the three metrics with nothing
# dropped. Both unwinders (fp on the frame-pointer build, dwarf on -nofp).
. "$(dirname "$0")/lib.sh"
need_lib
need_example alloc_sites
need_example alloc_sites-nofp
AC="$PY $HERE/alloc_check.py"
U=16
plain p "$EX/alloc_sites" $U
for spec in "alloc_sites fp" "alloc_sites-nofp dwarf"; do
    set -- $spec
    echo "$1 $U units, exact, FLAMEPRE_UNWIND=$2"
    FLAMEPRE_EVENTS=alloc FLAMEPRE_ALLOC_SAMPLE=0 FLAMEPRE_UNWIND=$2 profile "$TMP/$1" q "$EX/$1" $U
    [ "$(cat "$TMP/q.rc")" = 0 ] || { show_head "$TMP/q.err"; fail "exit code $(cat "$TMP/q.rc")"; }
    cmp -s "$TMP/p.out" "$TMP/q.out" || fail "stdout differs"
    B=$(one_file "$TMP/$1" '*.alloc_bytes.folded') || exit 1
    C=$(one_file "$TMP/$1" '*.alloc_count.folded') || exit 1
    L=$(one_file "$TMP/$1" '*.live_bytes.folded') || exit 1
    M=$(one_file "$TMP/$1" '*.meta.json') || exit 1
    check valid "$B" "$C" "$L"
    $AC sum "$B" --exact site_a=$((3145728 * U)) site_b=$((1572864 * U)) site_c=$((524288 * U)) leak_site=67108864 || fail "bytes not exact"
    $AC sum "$C" --exact site_a=$((1024 * U)) site_b=$((2048 * U)) site_c=$((8192 * U)) leak_site=32 || fail "counts not exact"
    $AC sum "$L" --exact leak_site=67108864 || fail "live bytes of the leak not exact"
    $AC none "$L" site_a site_b site_c || fail "freed sites in live_bytes"
    "$PY" - "$M" <<'PYEOF' || fail "meta.json"
import json, sys
m = json.load(open(sys.argv[1]))
for k in ("alloc_bytes", "alloc_count", "live_bytes"):
    assert k in m["metrics"], k
    print("  %s: %s" % (k, m["metrics"][k]))
a = m["alloc"]
print("  alloc:", a)
assert m["alloc_sample_bytes"] == 0
assert a["dropped"] == 0 and a["untracked_live"] == 0
PYEOF
done
