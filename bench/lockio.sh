#!/bin/sh
# Lock and I/O profiling overhead (issue 5). Prints one line per benchmark
# with the ratio or the added nanoseconds:
#   uncontended lock/unlock pair, multi-threaded process: lock on / no profiler
#     (goal <= 1.2x); also the single-threaded case, where glibc skips atomics
#     while a process has one thread and any loaded profiler (its collector
#     thread) ends that fast path
#   contended lock (4 threads, tiny critical section): lock on / none
#   non-sampled I/O call: ns added per read on /dev/zero and per call on a pipe
#   redis-benchmark throughput (SET,GET; 100000 requests, 50 clients):
#     io,lock / no profiler (goal >= 0.95x)
# bench_lockio reports the best of 5 repetitions; this script the median of 3.
set -u
cd "$(dirname "$0")/.."
LIB=$PWD/build/libflamepre.so
B=build/examples/bench_lockio
OUT=$(mktemp -d "${TMPDIR:-/tmp}/flamepre-bench.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
[ -x "$B" ] && [ -f "$LIB" ] || { echo "build first: make all examples"; exit 1; }
med() { sort -n | sed -n 2p; }
run() {   # run EVENTS ARGS... -> median ns/op ("none" = no profiler)
    ev=$1
    shift
    for i in 1 2 3; do
        if [ "$ev" = none ]; then "$B" "$@"; else
            LD_PRELOAD=$LIB FLAMEPRE_EVENTS=$ev FLAMEPRE_OUTPUT=$OUT "$B" "$@"; fi
    done | med
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
diffns() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.0f ns", a - b}'; }

a=$(run none contended 1 20000000); b=$(run lock contended 1 20000000)
echo "uncontended lock/unlock (multi-threaded process): none $a ns, lock $b ns: $(ratio "$b" "$a")"
a=$(run none mutex 20000000); c=$(run cpu mutex 20000000); b=$(run lock mutex 20000000)
echo "uncontended lock/unlock (single-threaded process): none $a ns, profiler loaded (cpu) $c ns, lock $b ns: $(ratio "$b" "$a") (lock vs loaded: $(ratio "$b" "$c"))"
a=$(run none contended 4 500000); b=$(run lock contended 4 500000)
echo "contended lock/unlock, 4 threads: none $a ns, lock $b ns: $(ratio "$b" "$a")"
a=$(run none zero 2000000); b=$(run io zero 2000000)
echo "read(/dev/zero, 64): none $a ns, io $b ns: $(diffns "$b" "$a") per call"
a=$(run none pipe 1000000); b=$(run io pipe 1000000)
echo "pipe write+read: none $a ns, io $b ns: $(diffns "$b" "$a") per call"

if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
    rps() {   # rps EVENTS -> summed requests/s of SET and GET
        PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        if [ "$1" = none ]; then
            redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$OUT" >/dev/null 2>&1 &
        else
            LD_PRELOAD=$LIB FLAMEPRE_EVENTS=$1 FLAMEPRE_OUTPUT=$OUT \
                redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$OUT" >/dev/null 2>&1 &
        fi
        srv=$!
        until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.1; done
        redis-benchmark -h 127.0.0.1 -p "$PORT" -q -n 100000 -c 50 -t set,get --csv 2>/dev/null |
            awk -F'"' 'NR > 1 {s += $4} END {printf "%.0f\n", s}'
        redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1
        wait $srv
    }
    a=$( (rps none; rps none; rps none) | med); b=$( (rps io,lock; rps io,lock; rps io,lock) | med)
    echo "redis-benchmark SET+GET: none $a req/s, io,lock $b req/s: $(ratio "$b" "$a")"
else
    echo "redis-benchmark: skipped (redis-server not installed)"
fi
