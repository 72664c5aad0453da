#!/bin/bash
# The wall event's overhead (issue 13). Each workload runs uninstrumented
# and under the profiler with FLAMEPRE_EVENTS=cpu (the reference), wall,
# and wall,cpu, REPS times in rotating order; every profiled run has its
# collector process as a child (bench/with_collector.sh), so wall time
# includes all profiling costs. Reported per workload: the median wall
# time (or the program's own ns/op) and ratios to the uninstrumented run:
#   cpu-bound   build/examples/bench_cpu-nofp 2 threads x UNITS units: the
#               sampler's cost (wall runs it even without cpu)
#   contended   bench_lockio contended 4 200000: 4 threads on one mutex,
#               tiny critical section (ns per lock/unlock pair): every
#               contended acquisition timed
#   pipe        bench_lockio pipe 300000: 1-byte write+read (ns per call):
#               every I/O call timed
#   threads     many_threads 300 8: thread churn (two schedstat reads per
#               thread with wall)
# FLAMEPRE_HZ is the default (99).
#
#   BENCH_WALL_REPS=5 BENCH_WALL_UNITS=2000 bench/wall.sh
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
LIB=$ROOT/build/libflamepre.so
EXB=$ROOT/build/examples
REPS=${BENCH_WALL_REPS:-5}
UNITS=${BENCH_WALL_UNITS:-2000}
for f in "$LIB" "$EXB/bench_cpu-nofp" "$EXB/bench_lockio" "$EXB/many_threads"; do
    [ -e "$f" ] || { echo "bench: $f is missing (make all examples)" >&2; exit 1; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/flamepre-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
for v in $(env | sed -n 's/^\(FLAMEPRE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
RES=$TMP/res
: >"$RES"

# one WORKLOAD CONFIG: a run; appends "workload config value" (value: the
# program's ns/op for bench_lockio, else wall seconds)
one() {
    local w=$1 cfg=$2 out=$TMP/o.$1.$2
    local -a cmd envs=() with=()
    case $w in
        cpu-bound) cmd=("$EXB/bench_cpu-nofp" 2 "$UNITS") ;;
        contended) cmd=("$EXB/bench_lockio" contended 4 200000) ;;
        pipe) cmd=("$EXB/bench_lockio" pipe 300000) ;;
        threads) cmd=("$EXB/many_threads" 300 8) ;;
    esac
    if [ "$cfg" != none ]; then
        mkdir -p "$out"
        envs=(LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out" FLAMEPRE_EVENTS="$cfg")
        with=(bench/with_collector.sh)
    fi
    local t0=$EPOCHREALTIME
    local v
    v=$("${with[@]}" env "${envs[@]}" "${cmd[@]}" 2>/dev/null) || { echo "bench: $w $cfg failed" >&2; return 1; }
    local t1=$EPOCHREALTIME
    case $w in
        contended | pipe) ;;
        *) v=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", b - a}') ;;
    esac
    echo "$w $cfg $v" >>"$RES"
    rm -rf "$out"
}

CONFIGS=(none cpu wall wall,cpu)
for w in cpu-bound contended pipe threads; do
    one "$w" none   # warm-up, not counted
    sed -i "/^$w /d" "$RES"
    for ((r = 1; r <= REPS; r++)); do
        for ((i = 0; i < ${#CONFIGS[@]}; i++)); do
            one "$w" "${CONFIGS[$(((i + r) % ${#CONFIGS[@]}))]}"
        done
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); $REPS repetitions, medians"
python3 - "$RES" <<'PYEOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    w, c, v = line.split()
    rows.setdefault(w, {}).setdefault(c, []).append(float(v))
unit = {"contended": "ns/pair", "pipe": "ns/call"}
print("%-10s %15s %15s %15s %15s   %s" % ("workload", "none", "cpu", "wall", "wall,cpu",
                                          "ratios to none: cpu, wall, wall,cpu"))
for w, c in rows.items():
    m = {k: statistics.median(v) for k, v in c.items()}
    u = unit.get(w, "s")
    f = (lambda x: "%.1f %s" % (x, u)) if u != "s" else (lambda x: "%.3f s" % x)
    print("%-10s %15s %15s %15s %15s   %.2fx, %.2fx, %.2fx" % (
        w, f(m["none"]), f(m["cpu"]), f(m["wall"]), f(m["wall,cpu"]),
        m["cpu"] / m["none"], m["wall"] / m["none"], m["wall,cpu"] / m["none"]))
PYEOF
