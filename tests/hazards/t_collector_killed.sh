#!/bin/bash
# The collector process is killed while a program runs. Nothing drains the
# program's rings any more, and a lock or I/O wait being recorded waited up
# to 2 s for room in its full ring, every time: a program of 4 s ran for
# minutes. The host now sees the collector's channel hung up (one poll, only
# when a ring is full) and stops waiting. A program that records every one
# of its writes (FLAMEPRE_WAIT_SAMPLE=0), whose collector is SIGKILLed
# 0.3 s in: same output and exit status, and at most 3x its plain time
# (+2 s).
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -o "$TMP/io_burn" "$ROOT/tests/integration/progs/io_burn.c" || fail "cannot build io_burn"
N=300000
t0=$(date +%s%N)
plain p "$TMP/io_burn" $N
plain_ms=$((($(date +%s%N) - t0) / 1000000))
S=flamepre-test/killed.$$
"$CLI" collect --socket "$S" --idle 2000 >/dev/null 2>&1 &
C=$!
for _ in $(seq 300); do grep -q "@$S\$" /proc/net/unix && break; sleep 0.01; done
t0=$(date +%s%N)
FLAMEPRE_SOCKET=$S FLAMEPRE_EVENTS=cpu,io FLAMEPRE_WAIT_SAMPLE=0 profile "$TMP/o" q "$TMP/io_burn" $N &
P=$!
sleep 0.3
kill -KILL $C
wait $C 2>/dev/null
wait $P
ms=$((($(date +%s%N) - t0) / 1000000))
note "plain $plain_ms ms; profiled, collector killed at 0.3 s: $ms ms"
[ "$(cat "$TMP/q.rc")" = "$(cat "$TMP/p.rc")" ] || fail "exit status $(cat "$TMP/q.rc")"
cmp -s "$TMP/p.out" "$TMP/q.out" || fail "output differs: $(cat "$TMP/q.out")"
[ "$ms" -le $((3 * plain_ms + 2000)) ] || fail "the program took $ms ms, plain $plain_ms ms"
