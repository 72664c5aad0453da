#!/bin/bash
# bench/with_collector.sh CMD [ARGS...]: run CMD with a collector process
# of its own (`flamepre collect`), which this script starts, waits for and
# stops right after CMD ends. The collector is this script's child, so a
# /usr/bin/time (or runtime) around the script counts its CPU time with
# CMD's: profiled figures then include everything profiling costs, the
# collector's work included. Exit status: CMD's.
CLI=$(cd "$(dirname "$0")/.." && pwd)/build/flamepre
name=flamepre-bench/$$/$RANDOM
"$CLI" collect --socket "$name" --idle 600000 </dev/null &
c=$!
for _ in $(seq 400); do
    grep -q "@$name\$" /proc/net/unix 2>/dev/null && break
    sleep 0.005
done
FLAMEPRE_SOCKET=$name "$@"
rc=$?
kill -TERM $c 2>/dev/null   # every image said END: nothing is left to write
wait $c
exit $rc
