#!/bin/sh
# Fork children that end before the collector's first tick (50 ms): a
# child that burned 30 ms and left by _exit, and one SIGKILLed after 30 ms,
# get their profiles, symbolized (the collector reads a child's maps while
# it lives), with how they ended; one that recorded nothing writes none.
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -o "$TMP/fork_kids" "$HERE/progs/fork_kids.c" || fail "cannot build fork_kids"
FLAMEPRE_HZ=999 profile "$TMP/o" k "$TMP/fork_kids" burn kill idle burn kill
[ "$(cat "$TMP/k.rc")" = 0 ] || fail "exit status $(cat "$TMP/k.rc"): $(cat "$TMP/k.err")"
grep -q '^done$' "$TMP/k.out" || fail "the program did not finish: $(cat "$TMP/k.out")"
# the collector writes a killed child's files after the death: give it 1 s
sleep 1
while read -r mode pid; do
    [ "$mode" = done ] && continue
    M="$TMP/o/fork_kids.$pid.meta.json"
    F="$TMP/o/fork_kids.$pid.cpu.folded"
    case $mode in
    idle)
        # (at 999 Hz its few hundred microseconds may hold a sample)
        if [ -e "$M" ]; then
            n=$(meta_get "$M" samples)
            [ "$n" -gt 0 ] || fail "an idle fork child that recorded nothing left files"
            note "idle child $pid: $n samples, so files"
        else
            note "idle child $pid: no files"
        fi ;;
    burn | kill)
        [ -f "$M" ] || fail "$mode child $pid has no meta.json: $(ls "$TMP/o")"
        [ -f "$F" ] || fail "$mode child $pid has no cpu.folded"
        fn=kid_burn
        [ "$mode" = kill ] && fn=kid_spin
        n=$(awk -v f="$fn" '$0 ~ f {s += $NF} END {print s + 0}' "$F")
        end=$(meta_get "$M" end)
        note "$mode child $pid: $n samples in $fn, end \"$end\""
        [ "$n" -ge 10 ] || { cat "$F"; fail "$mode child: $n samples in $fn"; }
        if [ "$mode" = kill ]; then
            # (its parent reaps it at once, and /proc/<pid>/stat, where the
            # collector reads how it ended, goes with it: a race)
            case $end in "signal SIGKILL" | "gone (status unknown)") ;;
            *) fail "killed child's end is \"$end\"" ;; esac
        else
            case $end in signal*) fail "burn child's end is \"$end\"" ;; esac
        fi ;;
    esac
done <"$TMP/k.out"
