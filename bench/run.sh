#!/bin/bash
# `make bench`: flamepre vs gperftools' libprofiler, measured in one run.
#
# Workload: build/examples/bench_cpu-nofp (-O2 -fomit-frame-pointer), 2 CPU-bound
# threads doing FIXED work (not a fixed duration), so wall time measures
# overhead. Configurations, run in rotating order within each repetition
# (REPS repetitions, medians reported):
#   base               uninstrumented
#   flamepre fp|dwarf  LD_PRELOAD=build/libflamepre.so FLAMEPRE_HZ=99|999 FLAMEPRE_UNWIND=fp|dwarf
#                      (through bench/with_collector.sh: its collector process
#                      runs as a child, so its CPU time is counted)
#   gperftools         LD_PRELOAD=libprofiler.so CPUPROFILE=... CPUPROFILE_FREQUENCY=99|999
# Reported as ratios: overhead = median(wall)/median(base wall) - 1 (also for
# user+sys CPU time), and delivered samples / requested, where requested =
# the threads' own CPU seconds (bench_cpu measures CLOCK_THREAD_CPUTIME_ID)
# x hz. Then peak RSS (/usr/bin/time %M) with 64 threads, profiler minus base.
# Results go to stdout and to BENCHMARKS.md.
#
#   BENCH_REPS=7 BENCH_UNITS=8000 bench/run.sh
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
REPS=${BENCH_REPS:-7}
UNITS=${BENCH_UNITS:-8000}
THREADS=2
RSS_THREADS=64
RSS_UNITS=${BENCH_RSS_UNITS:-150}
RSS_REPS=${BENCH_RSS_REPS:-5}
LIB=$ROOT/build/libflamepre.so
GPERF=${GPERFTOOLS_LIB:-/usr/lib/x86_64-linux-gnu/libprofiler.so}
BIN=$ROOT/build/examples/bench_cpu-nofp
TIME=/usr/bin/time
for f in "$LIB" "$GPERF" "$BIN" "$TIME"; do
    [ -e "$f" ] || { echo "bench: $f is missing (make bench installs and builds it)" >&2; exit 1; }
done
[ "$REPS" -ge 5 ] || { echo "bench: BENCH_REPS must be >= 5" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/flamepre-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
RES=$TMP/results.tsv
: >"$RES"
for v in $(env | sed -n 's/^\(FLAMEPRE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

# run CONFIG REP THREADS UNITS: one measured run, appends a line to $RES:
# config rep wall user sys maxrss_kb thread_cpu_s samples
run() {
    local cfg=$1 rep=$2 threads=$3 units=$4 hz="" out=$TMP/$1.$2 samples=-1
    mkdir -p "$out"
    local -a envs=() with=()
    case $cfg in
        base*) ;;
        fp-*|dwarf-*|rss-flamepre)
            hz=${cfg#*-}; [ "$cfg" = rss-flamepre ] && hz=999
            local uw=${cfg%%-*}; [ "$cfg" = rss-flamepre ] && uw=dwarf
            envs=(LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out" FLAMEPRE_HZ="$hz" FLAMEPRE_UNWIND="$uw")
            # its own collector process, whose CPU time /usr/bin/time counts
            with=(bench/with_collector.sh) ;;
        bare-*)
            hz=${cfg#bare-}
            envs=(LD_PRELOAD="$BARE" BARE_HZ="$hz") ;;
        gperf-*|rss-gperf)
            hz=${cfg#gperf-}; [ "$cfg" = rss-gperf ] && hz=999
            envs=(LD_PRELOAD="$GPERF" CPUPROFILE="$out/prof" CPUPROFILE_FREQUENCY="$hz") ;;
    esac
    # /usr/bin/time (not preloaded itself) runs env, which execs the workload
    # with the profiler's variables; it reports the workload's CPU time and
    # peak RSS. Wall time is taken here with microsecond resolution.
    local t0=$EPOCHREALTIME
    "$TIME" -o "$out/time" -f '%U %S %M' "${with[@]}" env "${envs[@]}" "$BIN" "$threads" "$units" \
        >"$out/stdout" 2>"$out/stderr" || { echo "bench: $cfg run failed:" >&2; cat "$out/stderr" >&2; exit 1; }
    local t1=$EPOCHREALTIME
    local wall
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", b - a}')
    local cpu
    cpu=$(sed -n 's/^bench_cpu: cpu_seconds=//p' "$out/stderr")
    case $cfg in
        fp-*|dwarf-*|rss-flamepre) samples=$(cat "$out"/*.cpu.folded 2>/dev/null | awk '{s += $NF} END {print s + 0}') ;;
        bare-*)
            hz=${cfg#bare-}
            envs=(LD_PRELOAD="$BARE" BARE_HZ="$hz") ;;
        gperf-*|rss-gperf) samples=$(python3 bench/gperf_samples.py "$out/prof" 2>/dev/null || echo -1) ;;
    esac
    echo "$cfg $rep $wall $(cat "$out/time") $cpu $samples" >>"$RES"
    rm -rf "$out"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
case $LOAD_BEFORE in
    0.[0-4]*) ;;
    *) echo "bench: warning: load average $LOAD_BEFORE: other work on this machine makes wall times noisy" >&2 ;;
esac
# The bare mechanism (perf clock + signal, empty handler) separates the
# kernel's price for sampling from flamepre's own.
BARE=$TMP/bare_sampler.so
cc -O2 -shared -fPIC -o "$BARE" bench/bare_sampler.c -ldl || { echo "bench: cannot build bench/bare_sampler.c" >&2; exit 1; }
CONFIGS=(base fp-99 dwarf-99 gperf-99 bare-999 fp-999 dwarf-999 gperf-999)
echo "bench: $REPS repetitions x ${#CONFIGS[@]} configurations, bench_cpu-nofp $THREADS threads x $UNITS units" >&2
run base 0 "$THREADS" "$UNITS"   # warm-up, not counted
: >"$RES"
n=${#CONFIGS[@]}
for ((r = 1; r <= REPS; r++)); do
    for ((i = 0; i < n; i++)); do
        cfg=${CONFIGS[$(((i + r) % n))]}    # rotate the order each repetition
        run "$cfg" "$r" "$THREADS" "$UNITS"
    done
    echo "bench: repetition $r/$REPS done" >&2
done
echo "bench: peak RSS with $RSS_THREADS threads, $RSS_REPS repetitions" >&2
for ((r = 1; r <= RSS_REPS; r++)); do
    for cfg in rss-base rss-flamepre rss-gperf; do
        run "$cfg" "$r" "$RSS_THREADS" "$RSS_UNITS"
    done
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
python3 bench/report.py "$RES" "$REPS" "$UNITS" "$THREADS" "$RSS_THREADS" "$RSS_UNITS" \
    "$LOAD_BEFORE" "$LOAD_AFTER" >"$TMP/report.md"
cat "$TMP/report.md"
cp "$TMP/report.md" BENCHMARKS.md
# The other benchmarks, appended to the same file, each in its own section:
# allocation profiling (issue 4), lock and I/O waits (issue 5), the renderer
# (issue 3), the collector process, the symbolizer (issue 12), the wall event (issue 13).
# BENCH_SKIP="alloc render" leaves sections out.
section() {   # section NAME TITLE SCRIPT
    case " ${BENCH_SKIP:-} " in *" $1 "*) return ;; esac
    echo "bench: $2" >&2
    {
        echo
        echo "## $2"
        echo
        echo "Produced in the same run by \`$3\` (see its header for the method)."
        echo
        echo '```'
        "$3" || echo "($3 failed)"
        echo '```'
    } >>BENCHMARKS.md
}
section alloc "Allocation profiling" bench/alloc.sh
section lockio "Lock and I/O waits" bench/lockio.sh
section render "Renderer" bench/render.sh
section collector "Collector process" bench/collector.sh
section symbolize "Symbolizer throughput (inlined frames)" bench/symbolize.sh
section wall "Wall event" bench/wall.sh
echo "bench: wrote BENCHMARKS.md" >&2
