#!/bin/sh
# (j) Thread churn: a program that creates and joins 200 short-lived threads
# 8 at a time (and 600 threads 64 at a time) runs correctly under the
# profiler at 999 Hz, with fp and dwarf unwinding: same stdout and exit code,
# a valid folded file with the threads' work in it.
. "$(dirname "$0")/lib.sh"
need_lib
need_example many_threads

for spec in "many_threads fp 200 8" "many_threads-nofp dwarf 200 8" "many_threads fp 600 64"; do
    set -- $spec
    echo "$1 $3 threads, batches of $4, FLAMEPRE_UNWIND=$2"
    plain p "$EX/$1" "$3" "$4"
    FLAMEPRE_HZ=999 FLAMEPRE_UNWIND=$2 profile "$TMP/$1-$3" q "$EX/$1" "$3" "$4"
    [ "$(cat "$TMP/q.rc")" = 0 ] || { show_head "$TMP/q.err"; fail "exit code $(cat "$TMP/q.rc")"; }
    cmp -s "$TMP/p.out" "$TMP/q.out" || fail "stdout differs: $(cat "$TMP/q.out")"
    [ -s "$TMP/q.err" ] && { show_head "$TMP/q.err"; fail "profiler wrote to stderr"; }
    F=$(one_file "$TMP/$1-$3" '*.cpu.folded') || exit 1
    check has "$F" --frame short_work --min-share 50
    roots=$(cut -d';' -f1 "$F" | sort -u | wc -l)
    note "$roots distinct thread root frames"
    [ "$roots" -ge 20 ] || fail "only $roots thread root frames for $3 threads"
done
