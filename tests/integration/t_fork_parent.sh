#!/bin/sh
# A process keeps its own CPU samples after it forks. The fork child used
# to forget the parent's clocks before it left the parent's shared memory,
# so it stored "no clock" in the parent's own thread slots: every later
# sample of the parent was counted as samples_no_thread and dropped (45 of
# 224 kept here; a shell, make, a pre-forking server's master had nearly
# empty CPU graphs). With the perf clock and with the timer clock, the
# parent's parent_burn holds at least 85% of its CPU time x 999 Hz, and no
# sample lacks its thread.
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -o "$TMP/fork_parent" "$HERE/progs/fork_parent.c" || fail "cannot build fork_parent"
for sampler in perf timer; do
    FLAMEPRE_HZ=999 FLAMEPRE_SAMPLER=$sampler profile "$TMP/$sampler" p "$TMP/fork_parent"
    [ "$(cat "$TMP/p.rc")" = 0 ] || fail "exit status $(cat "$TMP/p.rc")"
    ms=$(tail -n 1 "$TMP/p.err")
    # the parent: the one image whose parent is not one of them
    pid=$("$PY" -c '
import glob, json, sys
ms = [json.load(open(f)) for f in glob.glob(sys.argv[1] + "/fork_parent.*.meta.json")]
pids = {m["pid"] for m in ms}
print(" ".join(str(m["pid"]) for m in ms if m.get("ppid") not in pids))' "$TMP/$sampler")
    M="$TMP/$sampler/fork_parent.$pid.meta.json"
    F="$TMP/$sampler/fork_parent.$pid.cpu.folded"
    [ -f "$M" ] && [ -f "$F" ] || fail "no profile of the parent: $(ls "$TMP/$sampler")"
    n=$(awk '/parent_burn/ {s += $NF} END {print s + 0}' "$F")
    lost=$(meta_get "$M" samples_no_thread)
    exp=$(awk -v ms="$ms" 'BEGIN {printf "%d", ms * 0.999}')
    note "$sampler: parent_burn $n samples for $ms ms at 999 Hz (about $exp); samples_no_thread $lost"
    [ "$lost" = 0 ] || fail "$sampler: $lost samples of the parent had no thread"
    awk -v n="$n" -v e="$exp" 'BEGIN {exit !(n >= 0.85 * e)}' ||
        fail "$sampler: the parent kept $n of about $exp samples after its forks"
done
