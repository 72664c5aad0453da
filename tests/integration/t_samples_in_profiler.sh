#!/bin/sh
# A CPU sample that lands while the profiler records a lock or I/O wait is
# kept. The wait recorder held the thread's ring for the whole of its stack
# walk, so the sampling handler, finding it held, dropped its sample and
# counted it as samples_dropped ("buffer full"): 515 of 1203 samples of a
# program that writes a byte 300000 times with every write recorded
# (FLAMEPRE_WAIT_SAMPLE=0), 14-25% of a redis or nginx worker's with the
# default sampling. The ring is now held only while the record is written:
# such a sample is recorded under [flamepre] (or leaf-only inside the
# unwinder, counted in stacks_not_unwound), as the profiler's own time.
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -o "$TMP/io_burn" "$HERE/progs/io_burn.c" || fail "cannot build io_burn"
FLAMEPRE_HZ=999 FLAMEPRE_EVENTS=cpu,io FLAMEPRE_WAIT_SAMPLE=0 profile "$TMP/o" r "$TMP/io_burn" 150000
[ "$(cat "$TMP/r.rc")" = 0 ] && [ "$(cat "$TMP/r.out")" = ok ] || fail "io_burn failed: $(cat "$TMP/r.err")"
M=$(one_file "$TMP/o" '*.meta.json') || exit 1
n=$(meta_get "$M" samples)
kept=$(meta_get "$M" samples_recorded)
dropped=$(meta_get "$M" samples_dropped)
note "samples $n, recorded $kept, dropped $dropped, not unwound $(meta_get "$M" stacks_not_unwound)"
[ "$n" -ge 100 ] || fail "only $n samples"
awk -v d="$dropped" -v n="$n" 'BEGIN {exit !(d <= 0.05 * n)}' ||
    fail "$dropped of $n samples dropped while the profiler recorded waits"
F=$(one_file "$TMP/o" '*.cpu.folded') || exit 1
check has "$F" --frame main --min-share 30
