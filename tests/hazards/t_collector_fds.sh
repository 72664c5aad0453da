#!/bin/bash
# A collector that runs out of descriptors. Each client holds a few (its
# channel, /proc stat, pidfd, its image until mapped); under a low limit:
#  - accept() failing with EMFILE left the peer waiting, the listening
#    socket stayed readable and the collector spun at 100% CPU;
#  - a HELLO whose memfd the kernel could not pass (no descriptor free)
#    got no answer: the program waited 10 s at its start;
#  - a client accepted with no descriptor left to write its files lost
#    its profile.
# Now the collector raises its soft limit to the hard one, refuses new
# clients while a reserve is all that is left (they collect in-process at
# once), and accepts-and-closes a waiting peer when accept says EMFILE.
# 12 processes of 1 s at once, against collectors limited to 16 and 48
# descriptors: every process has its profile, all done within 5 s, and the
# collector used under 0.5 s of CPU.
. "$(dirname "$0")/lib.sh"
need_lib
command -v prlimit >/dev/null || { echo "SKIP: no prlimit"; exit 0; }
cp /bin/sleep "$TMP/napper" || fail "cannot copy sleep"
for lim in 16 48; do
    S=flamepre-test/fds.$$.$lim
    prlimit --nofile=$lim:$lim "$CLI" collect --socket "$S" --idle 4000 >"$TMP/c$lim.out" 2>"$TMP/c$lim.err" &
    C=$!
    for _ in $(seq 300); do grep -q "@$S\$" /proc/net/unix && break; sleep 0.01; done
    t0=$(date +%s%N)
    pids=""
    for i in $(seq 12); do
        FLAMEPRE_SOCKET=$S LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/o$lim" timeout "$TMO" "$TMP/napper" 1 &
        pids="$pids $!"
    done
    for p in $pids; do wait "$p" || fail "limit $lim: a napper failed"; done
    ms=$((($(date +%s%N) - t0) / 1000000))
    ticks=$(awk '{print $14 + $15}' /proc/$C/stat) || fail "limit $lim: the collector is gone"
    kill $C
    wait $C
    n=$(find "$TMP/o$lim" -name 'napper.*.meta.json' | wc -l)
    note "limit $lim: 12 processes done in $ms ms, $n profiles, collector CPU $((ticks * 10)) ms: $(head -c 200 "$TMP/c$lim.err")"
    [ "$n" = 12 ] || fail "limit $lim: $n profiles for 12 processes"
    [ "$ms" -lt 5000 ] || fail "limit $lim: the processes took $ms ms"
    [ "$ticks" -lt 50 ] || fail "limit $lim: the collector used $((ticks * 10)) ms of CPU"
done
