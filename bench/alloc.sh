#!/bin/bash
# Allocation-profiling overhead, measured in one run.
#
# Workload: build/examples/bench_alloc, 2 threads x PAIRS malloc/free pairs
# of 16..527 bytes (fixed work, so wall time measures overhead).
# Configurations (REPS repetitions each, rotating order, medians reported):
#   base          uninstrumented
#   off           flamepre preloaded with FLAMEPRE_EVENTS=cpu (alloc shims pass through)
#   sampled       FLAMEPRE_EVENTS=alloc, default 512k sampling, default (dwarf) unwinding
#   sampled-fp    the same with FLAMEPRE_UNWIND=fp
#   exact-fp      FLAMEPRE_ALLOC_SAMPLE=0 FLAMEPRE_UNWIND=fp
#   exact-dwarf   FLAMEPRE_ALLOC_SAMPLE=0 (libgcc unwinder per allocation)
#   heaptrack     `heaptrack` (records every call), when installed
# Ratios are median wall / median base wall; memory is peak RSS minus base's.
#
#   BENCH_REPS=5 BENCH_PAIRS=10000000 bench/alloc.sh
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
REPS=${BENCH_REPS:-5}
PAIRS=${BENCH_PAIRS:-10000000}
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
CONFIGS="base off sampled sampled-fp exact-fp exact-dwarf"
[ -n "$HT" ] && CONFIGS="$CONFIGS heaptrack"

run() {   # run CONFIG REP -> appends "config wall rss_kb" to $TMP/res
    local cfg=$1 out=$TMP/$1.$2
    mkdir -p "$out"
    local -a pre=()
    case $cfg in
        base) ;;
        off) pre=(env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out") ;;
        sampled) pre=(env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out" FLAMEPRE_EVENTS=alloc) ;;
        sampled-fp) pre=(env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out" FLAMEPRE_EVENTS=alloc FLAMEPRE_UNWIND=fp) ;;
        exact-fp) pre=(env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out" FLAMEPRE_EVENTS=alloc FLAMEPRE_ALLOC_SAMPLE=0 FLAMEPRE_UNWIND=fp) ;;
        exact-dwarf) pre=(env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out" FLAMEPRE_EVENTS=alloc FLAMEPRE_ALLOC_SAMPLE=0) ;;
        heaptrack) pre=(env -C "$out" "$HT") ;;
    esac
    local t0 t1
    t0=$(date +%s.%N)
    "$TIME" -f "%M" -o "$TMP/rss" "${pre[@]}" "$BIN" 2 "$PAIRS" >"$TMP/out" 2>"$TMP/err" ||
        { echo "bench: $cfg failed:" >&2; tail -5 "$TMP/err" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "$cfg $(echo "$t1 - $t0" | bc -l) $(tail -1 "$TMP/rss")" >>"$TMP/res"
}

echo "bench_alloc: 2 threads x $PAIRS malloc/free pairs, $REPS repetitions$([ -z "$HT" ] && echo ', heaptrack not installed')"
: >"$TMP/res"
for rep in $(seq "$REPS"); do
    for cfg in $CONFIGS; do run "$cfg" "$rep"; done
    CONFIGS="$(echo $CONFIGS | awk '{for (i = 2; i <= NF; i++) printf "%s ", $i; print $1}')"
done
python3 - "$TMP/res" <<'PYEOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    c, w, r = line.split()
    rows.setdefault(c, []).append((float(w), int(r)))
med = {c: (statistics.median(w for w, _ in v), statistics.median(r for _, r in v)) for c, v in rows.items()}
bw, br = med["base"]
print("%-12s %9s %8s %12s" % ("config", "wall s", "ratio", "extra RSS"))
for c in ["base", "off", "sampled", "sampled-fp", "exact-fp", "exact-dwarf", "heaptrack"]:
    if c in med:
        w, r = med[c]
        print("%-12s %9.3f %7.2fx %9.1f MiB" % (c, w, w / bw, (r - br) / 1024.0))
if "heaptrack" in med:
    for c in ("exact-fp", "exact-dwarf"):
        print("heaptrack / %s: %.1fx" % (c, med["heaptrack"][0] / med[c][0]))
PYEOF
