#!/bin/sh
# (a) cpu_hotspot (frame pointers, FLAMEPRE_UNWIND=fp) at 999 Hz: the true
# 50/30/20 split of burn_a/burn_b/burn_c within +-3 percentage points; one
# "[name tid=N]" root frame per thread, right for a thread that renamed itself
# and for one that exited early; no root frames for threads the program does
# not have. Then FLAMEPRE_THREADS=0 merges threads (no thread frames).
. "$(dirname "$0")/lib.sh"
need_lib
need_example cpu_hotspot

echo "cpu_hotspot 3 s, 2 workers + main + renamer + early-exit, 999 Hz, fp"
FLAMEPRE_HZ=999 FLAMEPRE_UNWIND=fp profile "$TMP/a" run "$EX/cpu_hotspot" 3 2 1
[ "$(cat "$TMP/run.rc")" = 0 ] || { show_head "$TMP/run.err"; fail "exit code $(cat "$TMP/run.rc")"; }
F=$(one_file "$TMP/a" 'cpu_hotspot.*.cpu.folded') || exit 1
PID=$(sed -n 's/^cpu_hotspot: thread cpu_hotspot tid=\([0-9]*\)$/\1/p' "$TMP/run.err")
case $F in *".$PID.cpu.folded") ;; *) fail "folded file $F not named for pid $PID";; esac
check split "$F" --tol 3 burn_a=50 burn_b=30 burn_c=20
check threads "$F" "$TMP/run.err" --renamed renamer-old renamed-new --exited early-exit

echo "FLAMEPRE_THREADS=0"
FLAMEPRE_HZ=999 FLAMEPRE_THREADS=0 profile "$TMP/b" run0 "$EX/cpu_hotspot" 1 1 0
[ "$(cat "$TMP/run0.rc")" = 0 ] || fail "exit code $(cat "$TMP/run0.rc")"
F=$(one_file "$TMP/b" 'cpu_hotspot.*.cpu.folded') || exit 1
check nothreads "$F"
check has "$F" --frame burn_a --min-share 30
