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

# Allocation profiling alone starts no drain thread (allocations never go
# through the rings): the process keeps its own thread count, and each
# exiting thread recycles its slot itself, so more threads than there are
# slots (4096) over a run are all profiled.
echo "alloc only: no extra thread"
FLAMEPRE_EVENTS=alloc profile "$TMP/alloc-tasks" t "$SYSPY" -c 'import os; print(len(os.listdir("/proc/self/task")))'
[ "$(cat "$TMP/t.out")" = 1 ] || fail "alloc-only run has $(cat "$TMP/t.out") threads, want 1"
echo "alloc only: 4500 threads, batches of 64"
FLAMEPRE_EVENTS=alloc profile "$TMP/alloc-churn" r "$EX/many_threads" 4500 64
[ "$(cat "$TMP/r.rc")" = 0 ] || { show_head "$TMP/r.err"; fail "exit code $(cat "$TMP/r.rc")"; }
M=$(one_file "$TMP/alloc-churn" '*.meta.json') || exit 1
"$PY" - "$M" <<'PYEOF' || fail "thread accounting of the alloc-only churn run"
import json, sys
m = json.load(open(sys.argv[1]))
print("  threads_seen %d, threads_unprofiled %d" % (m["threads_seen"], m["threads_unprofiled"]))
assert m["threads_seen"] >= 4501 and m["threads_unprofiled"] == 0
PYEOF
