#!/bin/bash
# Ends that used to lose the profile or hang the program:
#  - nine threads calling exit() at once, 20 runs: 20 complete profiles
#    (meta.json parses, every metric's file is there), no temp file left;
#  - main() leaving by pthread_exit: the process ends when its last
#    thread does, as fast as unprofiled;
#  - a SIGTERM handler calling exit(42) while main is inside malloc, 20
#    runs: exit status 42 every time, no hang.
. "$(dirname "$0")/lib.sh"
need_lib
build exit_race
build main_exit
build term_in_malloc
export FLAMEPRE_EVENTS=cpu,alloc,lock,io

for i in $(seq 1 20); do
    profile "$TMP/race$i" race "$TMP/exit_race"
    [ "$(cat "$TMP/race.rc")" = 3 ] || fail "exit race run $i: exit status $(cat "$TMP/race.rc")"
    M=$(one_file "$TMP/race$i" '*.meta.json') || exit 1
    "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$M" || fail "run $i: meta.json does not parse"
    for m in cpu alloc_bytes alloc_count live_bytes lock_ns io_ns; do
        [ -f "${M%.meta.json}.$m.folded" ] || fail "exit race run $i: no $m.folded"
    done
    ls -A "$TMP/race$i" | grep -q tmp && fail "exit race run $i: temp file left: $(ls -A "$TMP/race$i")"
done
note "concurrent exit(): 20 complete profiles"

t0=$(date +%s%N)
plain mplain "$TMP/main_exit"
t1=$(date +%s%N)
profile "$TMP/mexit" mexit "$TMP/main_exit"
t2=$(date +%s%N)
[ "$(cat "$TMP/mexit.rc")" = 0 ] || fail "pthread_exit from main: exit status $(cat "$TMP/mexit.rc")"
one_file "$TMP/mexit" '*.cpu.folded' >/dev/null || exit 1
plain_ms=$(((t1 - t0) / 1000000)) prof_ms=$(((t2 - t1) / 1000000))
note "pthread_exit from main: ${prof_ms} ms profiled, ${plain_ms} ms unprofiled"
[ $prof_ms -lt $((plain_ms + 700)) ] || fail "pthread_exit from main took ${prof_ms} ms (unprofiled ${plain_ms} ms)"

for i in $(seq 1 20); do
    mkdir -p "$TMP/term$i"
    # timeout passes our SIGTERM on to the program, and kills it if it
    # hangs (exit status 137). (No watchdog subshell to kill: a bash
    # subshell killed before it runs anything runs the EXIT trap, which
    # removes $TMP.)
    timeout -s KILL 10 env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/term$i" "$TMP/term_in_malloc" \
        >"$TMP/term.out" 2>&1 &
    p=$!
    for k in $(seq 1 100); do grep -q ready "$TMP/term.out" 2>/dev/null && break; sleep 0.02; done
    sleep 0.0$((RANDOM % 9 + 1))
    kill -TERM $p
    wait $p
    rc=$?
    [ $rc = 42 ] || fail "SIGTERM handler exit during malloc, run $i: exit status $rc (137: hung)"
    one_file "$TMP/term$i" '*.meta.json' >/dev/null || exit 1
done
note "exit(42) from a SIGTERM handler during malloc: 42 in 20 of 20 runs"
