#!/bin/sh
# A program that owns the sampling signal (SIGPROF) keeps it: its handler,
# its itimer ticks, SIG_IGN and the default action (death by SIGPROF) all
# behave as without the profiler, while the profile is still recorded;
# also with the wall event (its sampler and its timed sigwait*/pause).
. "$(dirname "$0")/lib.sh"
need_lib
cc -O1 -o "$TMP/own_sigprof" "$HERE/progs/own_sigprof.c" || fail "cannot build own_sigprof"

plain p "$TMP/own_sigprof"
for ev in cpu wall; do
    echo "FLAMEPRE_EVENTS=$ev"
    FLAMEPRE_EVENTS=$ev FLAMEPRE_HZ=999 profile "$TMP/o" q "$TMP/own_sigprof"
    cat "$TMP/q.out"
    cmp -s "$TMP/p.out" "$TMP/q.out" || fail "stdout differs: $(cat "$TMP/q.out")"
    [ "$(cat "$TMP/p.rc")" = "$(cat "$TMP/q.rc")" ] ||
        fail "exit status $(cat "$TMP/q.rc") with the profiler, $(cat "$TMP/p.rc") without"
    grep -q 'handler kept: yes' "$TMP/q.out" || fail "the program's handler was not kept"
    note "exit status $(cat "$TMP/q.rc") both ways (killed by SIGPROF as the program asked)"
done
