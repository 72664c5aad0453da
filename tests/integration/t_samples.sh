#!/bin/sh
# (c) The requested rate is delivered: a 2-thread CPU-bound program
# (bench_cpu, fixed work, ~2 CPU seconds per thread) at FLAMEPRE_HZ=999 gets
# within 5% of (CPU seconds of its threads, measured by the program itself with
# CLOCK_THREAD_CPUTIME_ID) x 999 samples. Then the same at the default 99 Hz.
. "$(dirname "$0")/lib.sh"
need_lib
need_example bench_cpu

for hz in 999 99; do
    echo "bench_cpu 2 threads at FLAMEPRE_HZ=$hz"
    units=6000
    [ $hz = 99 ] && units=12000   # more CPU time so that 99 Hz gives enough samples
    FLAMEPRE_HZ=$hz profile "$TMP/$hz" run$hz "$EX/bench_cpu" 2 $units
    [ "$(cat "$TMP/run$hz.rc")" = 0 ] || { show_head "$TMP/run$hz.err"; fail "exit code"; }
    CPU=$(sed -n 's/^bench_cpu: cpu_seconds=//p' "$TMP/run$hz.err")
    [ -n "$CPU" ] || fail "bench_cpu printed no cpu_seconds"
    F=$(one_file "$TMP/$hz" '*.cpu.folded') || exit 1
    check rate "$F" "$CPU" $hz --tol 5
done
