#!/bin/bash
# Collector-process overhead: what profiling costs a program now that its
# profile is collected by a separate process (`flamepre collect`, or
# `flamepre record` for the tree it runs), measured in one run.
#
# Benchmarks (fixed work, so wall time measures overhead; bench/collector_work.c
# is the C workload, built here with -O2 -g):
#   mutex cpu|lock  collector_work mutex 50M: uncontended pthread_mutex_lock/
#                   unlock in a single-threaded program, FLAMEPRE_EVENTS=cpu
#                   and =lock                                   (goal <= 1.10x)
#   fputc           collector_work fputc 200M: 200 MB of fputc to /dev/null,
#                   single-threaded, FLAMEPRE_EVENTS=cpu        (goal <= 1.05x)
#   bash true       bash -c 'export LD_PRELOAD FLAMEPRE_OUTPUT ...; 200 x
#                   /bin/true': every /bin/true is profiled (bash is not)
#                                                               (goal <= 1.5x)
#   make -j2        a clean `make -j2 all` (library and CLI) of this project's
#                   HEAD (git archive) in a scratch dir, plain vs
#                   `flamepre record -F 99 -o DIR --no-render -- make -j2 all`
#                                                               (goal <= 1.15x)
#   fork            collector_work fork 1000: 1000 x fork + child _exit(0) +
#                   waitpid, FLAMEPRE_HZ=99, events cpu         (goal <= 2x)
#   threads         collector_work threads 2000 10000: 2000 x pthread_create +
#                   join, one at a time, each thread 10k loop iterations,
#                   FLAMEPRE_HZ=99, events cpu                  (goal <= 1.3x)
# Every run goes through bench/runtime.c (wall time, and CPU = user+sys of the
# command and of every descendant it waited for, like /usr/bin/time but in
# microseconds) and `env`, profiled or not.
# The collector's CPU is counted in every profiled CPU figure: for the
# LD_PRELOAD runs this script starts its own collector under bench/runtime.c
# (`flamepre collect --socket NAME --idle 500`, waiting until it listens)
# and runs the workload with FLAMEPRE_SOCKET=NAME, so the profiled processes
# attach to it instead of starting a detached one; the collector's user+sys
# is added once it has idled out. Its start and idle exit are outside the
# timed region (a program's own start-up of a collector is not measured).
# For `record` the collector is record itself, inside the measured command. After
# each profiled run the script checks that every process wrote its profile
# (meta.json count; fork children that recorded no sample write none) and
# that no other collector holds the socket.
# Method: REPS repetitions; in each, every benchmark runs its configurations
# back to back, the order rotating with the repetition (plain, profiled;
# profiled, plain; ...). Ratios are paired: for each repetition profiled /
# plain of that same repetition (this VM's speed drifts by tens of percent
# over minutes, far less within seconds); reported as the median over
# repetitions [min-max]. "met" = the wall and the CPU medians are both within
# the goal; otherwise it names the one(s) that are not. One untimed plain
# warm-up run of each benchmark first. About 6 minutes on an idle 2-CPU VM
# (11 at a load of 3-4), most of it the 15 builds.
#
#   BENCH_REPS=7 bench/collector.sh
# BENCH_ONLY="fork threads" runs a subset; BENCH_MUTEX_N, BENCH_FPUTC_BYTES,
# BENCH_TRUE_N, BENCH_FORK_N, BENCH_THREAD_N, BENCH_THREAD_WORK change sizes.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
REPS=${BENCH_REPS:-7}
MUTEX_N=${BENCH_MUTEX_N:-50000000}
FPUTC_BYTES=${BENCH_FPUTC_BYTES:-200000000}
TRUE_N=${BENCH_TRUE_N:-200}
FORK_N=${BENCH_FORK_N:-1000}
THREAD_N=${BENCH_THREAD_N:-2000}
THREAD_WORK=${BENCH_THREAD_WORK:-10000}
LIB=$ROOT/build/libflamepre.so
FP=$ROOT/build/flamepre
for f in "$LIB" "$FP"; do
    [ -e "$f" ] || { echo "bench: $f is missing (make all)" >&2; exit 1; }
done
[ "$REPS" -ge 3 ] || { echo "bench: BENCH_REPS must be >= 3" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/flamepre-bench-collector.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
for v in $(env | sed -n 's/^\(FLAMEPRE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset LD_PRELOAD
# A snapshot of the library and the CLI (record finds the library next to
# itself): a rebuild of build/ during the run cannot mix two versions.
mkdir -p "$TMP/bin"
cp "$LIB" "$FP" "$TMP/bin/"
LIB=$TMP/bin/libflamepre.so
FP=$TMP/bin/flamepre
W=$TMP/collector_work
RT=$TMP/runtime
cc -O2 -g -o "$W" bench/collector_work.c -lpthread && cc -O2 -o "$RT" bench/runtime.c ||
    { echo "bench: cannot build bench/collector_work.c or bench/runtime.c" >&2; exit 1; }
# The make benchmark builds a scratch copy of HEAD (not the working tree,
# which may hold half-done edits); a tree that is not a git checkout is copied.
SRC=$TMP/src
mkdir -p "$SRC"
if ! { git rev-parse --git-dir >/dev/null 2>&1 && git archive HEAD preload collector render format Makefile | tar -x -C "$SRC"; }; then
    rm -rf "$SRC" && mkdir -p "$SRC" && cp -r preload collector render format Makefile "$SRC"/
fi
RES=$TMP/res
NOTES=$TMP/notes
SEQ=0
: >"$NOTES"

# The workload of benchmark B as a command line (profiled configurations
# add their environment in front).
work() {
    case $1 in
        mutex) echo "$W mutex $MUTEX_N" ;;
        fputc) echo "$W fputc $FPUTC_BYTES" ;;
        fork) echo "$W fork $FORK_N" ;;
        threads) echo "$W threads $THREAD_N $THREAD_WORK" ;;
    esac
}
LOOP="for ((i = 0; i < $TRUE_N; i++)); do /bin/true; done"

# run_once BENCH CONFIG REP: one measured run; appends "bench config rep wall
# cpu" to $RES. CONFIG is plain, or cpu/lock/prof (profiled). Returns 3,
# recording nothing, when something outside killed our collector.
run_once() {
    local bench=$1 cfg=$2 rep=$3 out=$TMP/out.$1.$2.$3 sock="" cpid="" expect="" bdir=""
    mkdir -p "$out"
    local -a cmd=()
    case $bench in
        make) # a fresh build directory per run, removed at the end (see below)
              bdir=$TMP/build.$cfg.$rep.$RANDOM
              if [ "$cfg" = plain ]; then cmd=(make -C "$SRC" -j2 B="$bdir" all)
              else cmd=("$FP" record -F 99 -o "$out" --no-render -- make -C "$SRC" -j2 B="$bdir" all); fi ;;
        true) if [ "$cfg" = plain ]; then cmd=(bash -c "$LOOP")
              else cmd=(bash -c "export LD_PRELOAD=$LIB FLAMEPRE_OUTPUT=$out FLAMEPRE_HZ=99; $LOOP"); fi
              expect=$TRUE_N ;;
        *) read -r -a cmd <<<"$(work "$bench")"
           if [ "$cfg" != plain ]; then
               local ev=$cfg
               [ "$cfg" = prof ] && ev=cpu
               cmd=(LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$out" FLAMEPRE_EVENTS="$ev" FLAMEPRE_HZ=99 "${cmd[@]}")
           fi
           expect=1 ;;   # fork: the parent's; a child that recorded nothing leaves none
    esac
    if [ "$cfg" != plain ] && [ "$bench" != make ]; then
        # Our own collector, so its CPU time is ours to count.
        # A fresh name per attempt: a collector orphaned by an outside kill
        # of its runtime wrapper may still be listening on the last one.
        SEQ=$((SEQ + 1))
        sock=flamepre-bench/$$/$bench.$cfg.$rep.$SEQ
        "$RT" "$TMP/ctime" "$FP" collect --socket "$sock" --idle 500 \
            >/dev/null 2>"$TMP/cerr" &
        cpid=$!
        local tries=0
        until grep -q "@$sock\$" /proc/net/unix; do
            tries=$((tries + 1))
            [ $tries -lt 500 ] || { echo "bench: collector did not listen:" >&2; cat "$TMP/cerr" >&2; exit 1; }
            sleep 0.01
        done
        export FLAMEPRE_SOCKET=$sock
    fi
    "$RT" "$TMP/wtime" env "${cmd[@]}" >"$TMP/stdout" 2>"$TMP/stderr" ||
        { echo "bench: $bench $cfg failed:" >&2; tail -5 "$TMP/stderr" >&2; exit 1; }
    if [ "$bench" = make ] && { ! [ -x "$bdir/flamepre" ] || ! [ -f "$bdir/libflamepre.so" ]; }; then
        echo "bench: make $cfg did not build the library and the CLI:" >&2; tail -5 "$TMP/stderr" >&2; exit 1
    fi
    unset FLAMEPRE_SOCKET
    local wall cpu
    read -r wall cpu <<<"$(awk '{printf "%.6f %.6f", $1, $2 + $3}' "$TMP/wtime")"
    if [ -n "$cpid" ]; then
        local st=0
        wait "$cpid" || st=$?
        if [ $st -gt 128 ]; then
            echo "$bench $cfg rep $rep: the collector (or its runtime wrapper) was killed by signal $((st - 128)), not by this script; run repeated" >>"$NOTES"
            rm -rf "$out"
            return 3
        fi
        [ $st -eq 0 ] || { echo "bench: $bench $cfg: collector exited with status $st:" >&2
                           cat "$TMP/cerr" >&2; exit 1; }
        cpu=$(awk -v w="$cpu" '{printf "%.6f", w + $2 + $3}' "$TMP/ctime")
        if grep -q "@$sock\$" /proc/net/unix; then
            echo "$bench $cfg rep $rep: another collector listens on $sock (its CPU is not counted)" >>"$NOTES"
        fi
    fi
    if [ -n "$expect" ] && [ "$cfg" != plain ]; then
        local got
        got=$(find "$out" -name '*.meta.json' | wc -l)
        [ "$got" -eq "$expect" ] || { [ "$bench" = fork ] && [ "$got" -ge "$expect" ]; } ||
            echo "$bench $cfg rep $rep: $got profiles written, $expect expected" >>"$NOTES"
    fi
    echo "$bench $cfg $rep $wall $cpu" >>"$RES"
    # The profiles stay until the end ($TMP): on ext4 without a journal
    # (this VM's disk) a new file skips every inode deleted in the last
    # 60-360 s, one buffer lookup each, so deleting a run's 400 files made
    # the next run's file creation 3-10x dearer (35 -> 350 us a file,
    # measured); that cost was this script's, not the profiler's.
}

run() {   # run BENCH CONFIG REP: run_once, again if our collector was killed
    local i
    for i in 1 2 3; do
        run_once "$@" && return 0
    done
    echo "bench: $1 $2: the collector was killed three times in a row" >&2
    exit 1
}

BENCHES=${BENCH_ONLY:-mutex fputc true make fork threads}
configs() { if [ "$1" = mutex ]; then echo "plain cpu lock"; else echo "plain prof"; fi; }
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: collector: $REPS repetitions, $(nproc) CPUs, load $LOAD_BEFORE" >&2
: >"$RES"
for b in $BENCHES; do run "$b" plain 0; done   # warm-up (page cache, cc1), not counted
: >"$RES"
for ((r = 1; r <= REPS; r++)); do
    for b in $BENCHES; do
        read -r -a cf <<<"$(configs "$b")"
        n=${#cf[@]}
        for ((i = 0; i < n; i++)); do run "$b" "${cf[$(((i + r) % n))]}" "$r"; done
    done
    echo "bench: collector: repetition $r/$REPS done" >&2
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

REV=$(git describe --always --dirty 2>/dev/null || echo "not a git checkout")
echo "command: BENCH_REPS=$REPS bench/collector.sh   (build/ of $REV)"
echo "collector process: $REPS repetitions (alternating order), $(nproc) CPUs, load $LOAD_BEFORE before, $LOAD_AFTER after"
echo "wall s, cpu s: the plain run's medians; ratio = profiled / plain of the same repetition,"
echo "median [min-max]; cpu = user+sys of every process, the collector process included"
python3 - "$RES" "$MUTEX_N" "$FPUTC_BYTES" "$TRUE_N" "$FORK_N" "$THREAD_N" "$THREAD_WORK" <<'PYEOF'
import statistics, sys
res, mutex_n, fputc_b, true_n, fork_n, thread_n, thread_w = sys.argv[1:8]
runs = {}
for line in open(res):
    b, c, rep, wall, cpu = line.split()
    runs.setdefault((b, rep), {})[c] = (float(wall), float(cpu))
rows = [
    ("mutex", "cpu", "mutex %sM, events cpu" % (int(mutex_n) // 1000000), 1.10),
    ("mutex", "lock", "mutex %sM, events lock" % (int(mutex_n) // 1000000), 1.10),
    ("fputc", "prof", "fputc %d MB to /dev/null, cpu" % (int(fputc_b) // 1000000), 1.05),
    ("true", "prof", "bash: %s x /bin/true, preloaded" % true_n, 1.5),
    ("make", "prof", "make -j2 all, flamepre record", 1.15),
    ("fork", "prof", "%s x fork+_exit, 99 Hz" % fork_n, 2.0),
    ("threads", "prof", "%s threads create+join, 99 Hz" % thread_n, 1.3),
]
def paired(b, c, k):
    v = [r[c][k] / r["plain"][k] for (bb, _), r in runs.items() if bb == b and c in r and "plain" in r]
    return statistics.median(v), min(v), max(v)
def plain(b, k):
    return statistics.median(r["plain"][k] for (bb, _), r in runs.items() if bb == b and "plain" in r)
print("%-34s %8s %8s  %-23s %-23s %6s  %s" % ("benchmark", "wall s", "cpu s", "wall ratio [range]", "cpu ratio [range]", "goal", "met?"))
def fmt(v):
    return "%5.2fx [%.2f-%.2f]" % v
for b, c, name, goal in rows:
    if not any(bb == b for bb, _ in runs):
        continue
    w, cu = paired(b, c, 0), paired(b, c, 1)
    miss = [k for k, v in (("wall", w), ("cpu", cu)) if v[0] > goal]
    print("%-34s %8.3f %8.3f  %-23s %-23s %5.2fx  %s" % (
        name, plain(b, 0), plain(b, 1), fmt(w), fmt(cu), goal,
        "yes" if not miss else "no (%s)" % ", ".join(miss)))
PYEOF
if [ -s "$NOTES" ]; then
    echo "warnings:"
    sed 's/^/  /' "$NOTES"
fi
