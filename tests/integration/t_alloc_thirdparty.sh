#!/bin/sh
# Real programs and allocators: python3 building a large list (its output is
# unchanged; the alloc graphs name list and int construction functions), and
# a program run with jemalloc preloaded after flamepre (recorded: calls reach
# jemalloc through us) and before it (jemalloc then binds malloc itself;
# the program must still run unchanged and flamepre must not crash).
. "$(dirname "$0")/lib.sh"
need_lib
need_example alloc_sites
AC="$PY $HERE/alloc_check.py"

CODE='import sys; l = [str(i) * 3 for i in range(2000000)]; print(len(l), sum(map(len, l)))'
plain p "$SYSPY" -c "$CODE"
echo "python3 -c (2M strings in a list), exact and sampled"
for s in 0 512k; do
    FLAMEPRE_EVENTS=alloc FLAMEPRE_ALLOC_SAMPLE=$s profile "$TMP/py$s" q "$SYSPY" -c "$CODE"
    [ "$(cat "$TMP/q.rc")" = 0 ] || { show_head "$TMP/q.err"; fail "python exit code $(cat "$TMP/q.rc")"; }
    cmp -s "$TMP/p.out" "$TMP/q.out" || fail "python stdout differs: $(cat "$TMP/q.out")"
    [ -s "$TMP/q.err" ] && { show_head "$TMP/q.err"; fail "python wrote to stderr"; }
    B=$(one_file "$TMP/py$s" '*.alloc_bytes.folded') || exit 1
    check valid "$B"
    # Debian's python3 has no symbols for its static functions (list and
    # str internals show as [python3.11+0x...]); the exported interpreter
    # path of the -c string must carry most of the bytes.
    check has "$B" --frame 'PyRun_SimpleStringFlags' --min-share 90
    check has "$B" --frame '_PyEval_EvalFrameDefault' --min-share 90
done

JE=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
[ -f "$JE" ] || fail "$JE missing (apt-get install libjemalloc2)"
plain j "$EX/alloc_sites" 16
echo "jemalloc after flamepre: LD_PRELOAD=flamepre:jemalloc, exact"
mkdir -p "$TMP/je1"
timeout "$TMO" env LD_PRELOAD="$LIB:$JE" FLAMEPRE_OUTPUT="$TMP/je1" FLAMEPRE_EVENTS=alloc FLAMEPRE_ALLOC_SAMPLE=0 \
    "$EX/alloc_sites" 16 >"$TMP/je1.out" 2>"$TMP/je1.err" || { show_head "$TMP/je1.err"; fail "exit code $?"; }
cmp -s "$TMP/j.out" "$TMP/je1.out" || fail "stdout differs"
B=$(one_file "$TMP/je1" '*.alloc_bytes.folded') || exit 1
L=$(one_file "$TMP/je1" '*.live_bytes.folded') || exit 1
$AC sum "$B" --exact site_a=50331648 site_b=25165824 site_c=8388608 leak_site=67108864 || fail "jemalloc: bytes not exact"
$AC sum "$L" --exact leak_site=67108864 || fail "jemalloc: leak not exact"

echo "jemalloc before flamepre: LD_PRELOAD=jemalloc:flamepre (jemalloc owns malloc)"
mkdir -p "$TMP/je2"
timeout "$TMO" env LD_PRELOAD="$JE:$LIB" FLAMEPRE_OUTPUT="$TMP/je2" FLAMEPRE_EVENTS=cpu,alloc \
    "$EX/alloc_sites" 16 >"$TMP/je2.out" 2>"$TMP/je2.err" || { show_head "$TMP/je2.err"; fail "exit code $?"; }
cmp -s "$TMP/j.out" "$TMP/je2.out" || fail "stdout differs"
M=$(one_file "$TMP/je2" '*.meta.json') || exit 1
note "meta.json written; $(grep -c . "$TMP/je2.err") stderr lines"
