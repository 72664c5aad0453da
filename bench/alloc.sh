#!/bin/bash
# Allocation-profiling overhead, measured in one run.
#
# Workload: build/examples/bench_alloc, 2 threads x PAIRS malloc/free pairs
# of 16..527 bytes (fixed work, so wall time measures overhead). The default,
# 2 x 20M = 40M pairs, is issue 4's anchor ("a 2-thread program doing 40 M
# small malloc/free pairs"); base wall time is then ~0.15-0.3 s, and the
# fixed start/exit costs of the profiler (~2 ms off, ~3 ms sampled, ~10 ms
# exact: constructor, symbolization, file writes) stay under a few percent.
# Configurations (REPS repetitions each, rotating order, medians reported):
#   base          uninstrumented
#   passthrough   bench/passthrough_alloc.c preloaded: malloc/free that only
#                 forward to glibc, the floor of any malloc interposer
#   off           flamepre preloaded with FLAMEPRE_EVENTS=cpu (alloc shims pass through)
#   sampled       FLAMEPRE_EVENTS=alloc, default 512k sampling, default (dwarf) unwinding
#   sampled-fp    the same with FLAMEPRE_UNWIND=fp
#   exact-fp      FLAMEPRE_ALLOC_SAMPLE=0 FLAMEPRE_UNWIND=fp
#   exact-dwarf   FLAMEPRE_ALLOC_SAMPLE=0 (libgcc unwinder, verified stack cache)
#   heaptrack     `heaptrack` (records every call), when installed
# Columns: median wall time; ratio = the median over repetitions of that
# repetition's wall time over base's (paired: this VM's speed drifts by
# tens of percent over minutes, far less within one repetition); ns/pair =
# wall time per pair of one thread (the threads run in parallel); +ns/pair
# = (ratio - 1) x base's (the profiler's cost per malloc/free pair); cpu = user+sys
# of all threads (the collector thread included) and its paired ratio; extra RSS =
# peak RSS minus base's. The machine's other load shows as spread between
# repetitions: run with more BENCH_REPS when it is busy.
#
#   BENCH_REPS=5 BENCH_PAIRS=20000000 bench/alloc.sh
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
REPS=${BENCH_REPS:-5}
PAIRS=${BENCH_PAIRS:-20000000}
LIB=$ROOT/build/libflamepre.so
BIN=$ROOT/build/examples/bench_alloc
TIME=/usr/bin/time
for f in "$LIB" "$BIN" "$TIME"; do
    [ -e "$f" ] || { echo "bench: $f is missing (make all examples)" >&2; exit 1; }
done
HT=$(command -v heaptrack || true)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/flamepre-bench-alloc.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
for v in $(env | sed -n 's/^\(FLAMEPRE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
PASS=$TMP/passthrough_alloc.so
cc -O2 -shared -fPIC -o "$PASS" bench/passthrough_alloc.c -ldl ||
    { echo "bench: cannot build bench/passthrough_alloc.c" >&2; exit 1; }
CONFIGS="base passthrough off sampled sampled-fp exact-fp exact-dwarf"
[ -n "$HT" ] && CONFIGS="$CONFIGS heaptrack"

run() {   # run CONFIG REP -> appends "config rep wall rss_kb cpu_s" to $TMP/res
    local cfg=$1 rep=$2 out=$TMP/$1.$2
    mkdir -p "$out"
    local -a pre=()
    case $cfg in
        base) pre=(env) ;;   # the same exec path as the preloaded runs
        passthrough) pre=(env LD_PRELOAD="$PASS") ;;
        off) pre=(env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out") ;;
        sampled) pre=(env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out" FLAMEPRE_EVENTS=alloc) ;;
        sampled-fp) pre=(env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out" FLAMEPRE_EVENTS=alloc FLAMEPRE_UNWIND=fp) ;;
        exact-fp) pre=(env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out" FLAMEPRE_EVENTS=alloc FLAMEPRE_ALLOC_SAMPLE=0 FLAMEPRE_UNWIND=fp) ;;
        exact-dwarf) pre=(env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out" FLAMEPRE_EVENTS=alloc FLAMEPRE_ALLOC_SAMPLE=0) ;;
        heaptrack) pre=(env -C "$out" "$HT") ;;
    esac
    local t0 t1
    t0=$(date +%s.%N)
    # flamepre runs with a collector process of their own, whose CPU time
    # /usr/bin/time counts with the program's (bench/with_collector.sh)
    local -a with=()
    case $cfg in off|sampled*|exact*) with=(bench/with_collector.sh) ;; esac
    "$TIME" -f "%M %U %S" -o "$TMP/rss" "${with[@]}" "${pre[@]}" "$BIN" 2 "$PAIRS" >"$TMP/out" 2>"$TMP/err" ||
        { echo "bench: $cfg failed:" >&2; tail -5 "$TMP/err" >&2; exit 1; }
    t1=$(date +%s.%N)
    set -- $(tail -1 "$TMP/rss")
    echo "$cfg $rep $(echo "$t1 - $t0" | bc -l) $1 $(echo "$2 + $3" | bc -l)" >>"$TMP/res"
}

echo "bench_alloc: 2 threads x $PAIRS malloc/free pairs ($((2 * PAIRS)) total), $REPS repetitions, $(nproc) CPUs$([ -z "$HT" ] && echo ', heaptrack not installed')"
: >"$TMP/res"
for rep in $(seq "$REPS"); do
    for cfg in $CONFIGS; do run "$cfg" "$rep"; done
    CONFIGS="$(echo $CONFIGS | awk '{for (i = 2; i <= NF; i++) printf "%s ", $i; print $1}')"
done
python3 - "$TMP/res" "$PAIRS" <<'PYEOF'
import statistics, sys
rows, reps = {}, {}
pairs = int(sys.argv[2])
for line in open(sys.argv[1]):
    c, rep, w, r, cpu = line.split()
    rows.setdefault(c, []).append((float(w), int(r), float(cpu)))
    reps.setdefault(rep, {})[c] = (float(w), float(cpu))
med = {c: tuple(statistics.median(x[i] for x in v) for i in range(3)) for c, v in rows.items()}
def ratio(c, k, d="base"):
    # median over repetitions of this repetition's c / d: the machine's
    # speed drifts between repetitions, far less within one
    return statistics.median(v[c][k] / v[d][k] for v in reps.values() if c in v and d in v)
bw, br, bc = med["base"]
print("%-12s %8s %7s %8s %9s %8s %7s %10s" % ("config", "wall s", "ratio", "ns/pair", "+ns/pair", "cpu s", "ratio", "extra RSS"))
for c in ["base", "passthrough", "off", "sampled", "sampled-fp", "exact-fp", "exact-dwarf", "heaptrack"]:
    if c in med:
        w, r, cpu = med[c]
        print("%-12s %8.3f %6.2fx %8.1f %9.1f %8.3f %6.2fx %6.1f MiB" % (
            c, w, ratio(c, 0), w * 1e9 / pairs, (ratio(c, 0) - 1) * bw * 1e9 / pairs, cpu,
            ratio(c, 1), (r - br) / 1024.0))
if "passthrough" in med:
    for c in ("sampled", "sampled-fp"):
        print("%s / passthrough: %.2fx (flamepre's own share of the sampled cost)" % (
            c, ratio(c, 0, "passthrough")))
if "heaptrack" in med:
    for c in ("exact-fp", "exact-dwarf"):
        print("heaptrack / %s: %.1fx faster (wall), %.1fx (cpu)" % (
            c, ratio("heaptrack", 0, c), ratio("heaptrack", 1, c)))
PYEOF
