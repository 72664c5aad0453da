#!/bin/sh
# The collector never stalls on a process that ended normally. Each process
# that lives past the collector's first tick gets an exit watcher; at its
# channel's EOF the main loop used to wait up to 20 ms for that watcher
# (usleep in a loop), every other client waiting meanwhile, even when the
# process had said END and its files were written: make -j2 under record
# ran 1.31x instead of 1.15x. Here `flamepre record` (the collector) runs
# eight processes of 100 ms each under strace, which follows its main
# thread only: no sleep call may appear there, and every process gets its
# profile.
. "$(dirname "$0")/lib.sh"
need_lib
command -v strace >/dev/null || fail "strace not installed (make deps-test)"
timeout "$TMO" strace -o "$TMP/ns.log" -e trace=clock_nanosleep,nanosleep \
    "$CLI" record -F 99 -o "$TMP/o" --no-render -- \
    sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 0.1; done' >"$TMP/r.out" 2>"$TMP/r.err" ||
    { show_head "$TMP/r.err"; fail "record failed"; }
n=$(grep -c nanosleep "$TMP/ns.log")
note "collector main thread: $n sleep calls"
[ "$n" = 0 ] || { show_head "$TMP/ns.log"; fail "the collector's main loop slept $n times"; }
m=$(ls "$TMP/o"/sleep.*.meta.json 2>/dev/null | wc -l)
[ "$m" = 8 ] || fail "expected 8 sleep profiles, found $m: $(ls "$TMP/o")"
