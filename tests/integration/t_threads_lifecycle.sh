#!/bin/sh
# Threads the profiler did not see being created are still sampled (a thread
# started by another preloaded library's constructor before ours ran), with
# their own name and a complete stack; and threads shorter than a sampling
# period are sampled without bias (random first period).
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -shared -fPIC -o "$TMP/libearly.so" "$HERE/progs/early_thread.c" -lpthread ||
    fail "cannot build libearly.so"
cc -O2 -g -o "$TMP/short_threads" "$HERE/progs/short_threads.c" -lpthread ||
    fail "cannot build short_threads"

echo "thread started before the profiler's constructor"
mkdir -p "$TMP/e"
timeout "$TMO" env LD_PRELOAD="$LIB $TMP/libearly.so" FLAMEPRE_OUTPUT="$TMP/e" FLAMEPRE_HZ=999 \
    FLAMEPRE_LOG=debug sleep 6 2>"$TMP/e.err" || fail "sleep failed under the profiler"
grep -q 'predates the profiler' "$TMP/e.err" || fail "the early thread was not found as pre-existing"
cpu=$(sed -n 's/^early-bird cpu=//p' "$TMP/e.err")
[ -n "$cpu" ] || fail "the early thread did not finish its 0.3 s of CPU within 6 s"
F=$(one_file "$TMP/e" '*.cpu.folded') || exit 1
n=$(awk '/^\[early-bird tid=[0-9]+\];clone3;start_thread;run;early_spin / {s+=$NF} END{print s+0}' "$F")
exp=$(awk -v c="$cpu" 'BEGIN{printf "%d", c * 999}')
note "early-bird samples with a complete stack: $n (its CPU time x 999 Hz: $exp)"
awk -v n="$n" -v e="$exp" 'BEGIN{exit !(n >= 0.85 * e && n <= 1.1 * e)}' ||
    { cat "$F"; fail "the early thread's samples do not match its CPU time"; }

echo "2000 short-lived threads, 999 Hz"
FLAMEPRE_HZ=999 profile "$TMP/s" s "$TMP/short_threads"
[ "$(cat "$TMP/s.rc")" = 0 ] || fail "short_threads failed"
F=$(one_file "$TMP/s" '*.cpu.folded') || exit 1
ms=$(tail -n 1 "$TMP/s.err")
got=$(awk '/short_work/ {s+=$NF} END{print s+0}' "$F")
exp=$(awk -v ms="$ms" 'BEGIN{printf "%d", 2200 * ms * 0.999}')
note "short_work samples $got, expected about $exp (2200 calls x $ms ms x 999 Hz)"
awk -v g="$got" -v e="$exp" 'BEGIN{exit !(g >= 0.85 * e && g <= 1.15 * e)}' ||
    fail "short-lived threads are not sampled in proportion to their CPU time"
