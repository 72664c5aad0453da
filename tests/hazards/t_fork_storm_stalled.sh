#!/bin/sh
# A fork storm while the collector is busy (here: stopped) must not hold
# the children up. Every fork child hands its channel to the collector on
# the channel it inherited from its parent, one send buffer for them all:
# with blocking sends, the children past the first ~270 of 500 waited in
# their fork handler until the collector read again. Now a child whose
# send would block connects by name instead.
. "$(dirname "$0")/lib.sh"
need_lib
build fork_storm
sock=flamepre-test/$$/storm
"$CLI" collect --socket "$sock" --idle 500 >/dev/null 2>"$TMP/cerr" &
cpid=$!
i=0
until grep -q "@$sock\$" /proc/net/unix; do
    i=$((i + 1))
    [ $i -lt 500 ] || fail "the collector did not listen: $(cat "$TMP/cerr")"
    sleep 0.01
done
# The collector stops from 1.5 s to 7.5 s; the storm starts at 2 s: 500
# children, each sleeping 1 s.
(sleep 1.5; kill -STOP $cpid; sleep 6; kill -CONT $cpid) &
stopper=$!
# (Lock waits only: the children take none, so none has files to wait
# for; a child that records a CPU sample rightly waits for its files.)
FLAMEPRE_SOCKET=$sock FLAMEPRE_EVENTS=lock profile "$TMP/o" s "$TMP/fork_storm" 500 1000 2000
kill -CONT $cpid 2>/dev/null
wait $stopper
[ "$(cat "$TMP/s.rc")" = 0 ] || fail "exit status $(cat "$TMP/s.rc"): $(cat "$TMP/s.out" "$TMP/s.err")"
ms=$(sed -n 's/^reaped 500 of 500 in \([0-9]*\) ms$/\1/p' "$TMP/s.out")
[ -n "$ms" ] || fail "unexpected output: $(cat "$TMP/s.out")"
note "500 children of 1 s reaped in $ms ms while the collector was stopped"
[ "$ms" -lt 4000 ] || fail "the children took $ms ms: they waited for the stopped collector"
wait $cpid
