#!/bin/bash
# Profiles survive the end of the program however it comes: SIGKILL,
# SIGTERM without a handler, SIGSEGV, abort(), `timeout`, and Ctrl-C on
# python3 (which re-raises SIGINT). With every event on, each leaves its
# files within 1 s of the death, holding >= 90% of the CPU samples of a
# clean run of the same length, with meta.json saying how it ended; the
# exit status and output are those of the unprofiled run.
. "$(dirname "$0")/lib.sh"
need_lib
build burner
ulimit -c 0
export FLAMEPRE_EVENTS=cpu,alloc,lock,io

# run NAME EXPECTED_END CMD...: CMD runs profiled in the background and is
# ended by the caller's `ender` function, given its pid.
run() {
    name=$1 want=$2
    shift 2
    out=$TMP/$name
    mkdir -p "$out"
    (
        trap - EXIT   # (a subshell runs an inherited EXIT trap: it would remove $TMP)
        "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
        p=$!
        # Its user CPU time, read until it is gone (the load of the machine
        # varies: samples are compared per CPU second).
        # (`timeout` runs the program as its child: that child's.)
        ( trap - EXIT; while :; do
              c=$(awk '{print $1; exit}' /proc/$p/task/$p/children 2>/dev/null)
              u=
              [ -n "$c" ] && u=$(awk '{print $14}' /proc/$c/stat 2>/dev/null)
              [ -n "$u" ] || u=$(awk '{print $14}' /proc/$p/stat 2>/dev/null)
              [ -n "$u" ] || break
              echo "$u" >"$TMP/$name.utime"
              sleep 0.02
          done ) &
        w=$!
        ender $p
        wait $p
        echo $? >"$TMP/$name.rc"
        wait $w
    )
    wait_for "$out/*.meta.json" 1000 || fail "$name: no meta.json within 1 s: $(ls "$out")"
    M=$(one_file "$out" '*.meta.json') || exit 1
    end=$(meta_get "$M" end)
    [ "$end" = "$want" ] || fail "$name: end is \"$end\", expected \"$want\""
    [ "$(meta_get "$M" collector)" = process ] || fail "$name: not collected by a collector process"
    for m in cpu alloc_bytes lock_ns io_ns; do
        [ -f "${M%.meta.json}.$m.folded" ] || fail "$name: no $m.folded"
    done
    # samples per user CPU second (clock ticks of 1/100 s)
    awk -v n="$(total "${M%.meta.json}.cpu.folded")" -v u="$(cat "$TMP/$name.utime")" \
        'BEGIN { printf "%d %d\n", n, (u > 0 ? n * 100 / u : 0) }'
}

ender() { sleep 2; kill -"$SIG" "$1"; }

# The clean run of the same length.
SIG=0
r=$(run clean exit env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/clean" "$TMP/burner" exit 2) || exit 1
set -- $r
clean=$2
note "clean run: $1 samples, $clean per CPU second"
[ "$1" -gt 30 ] || fail "clean run has only $1 samples"

check_run() {   # check_run NAME "SAMPLES PER_CPU_S" PLAIN_RC
    _n=${2% *} _rate=${2#* }
    [ "$_rate" -ge $((clean * 9 / 10)) ] ||
        fail "$1: $_n samples, $_rate per CPU second: fewer than 90% of the clean run's $clean"
    [ "$(cat "$TMP/$1.rc")" = "$3" ] || fail "$1: exit status $(cat "$TMP/$1.rc"), unprofiled $3"
    grep -qx ready "$TMP/$1.out" || fail "$1: output changed: $(cat "$TMP/$1.out")"
    note "$1: $_n samples ($_rate per CPU second), exit status $3"
}

SIG=KILL
n=$(run kill "signal SIGKILL" env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/kill" "$TMP/burner" wait) || exit 1
check_run kill "$n" 137
SIG=TERM
n=$(run term "signal SIGTERM" env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/term" "$TMP/burner" wait) || exit 1
check_run term "$n" 143

ender() { :; }
n=$(run segv "signal SIGSEGV" env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/segv" "$TMP/burner" segv 2) || exit 1
check_run segv "$n" 139
n=$(run abort "signal SIGABRT" env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/abort" "$TMP/burner" abort 2) || exit 1
check_run abort "$n" 134
n=$(run timeout "signal SIGTERM" timeout 2 env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/timeout" "$TMP/burner" wait) || exit 1
check_run timeout "$n" 124

# python3: Ctrl-C raises KeyboardInterrupt; unhandled, python re-raises
# SIGINT with the default action and dies of it.
cat >"$TMP/spin.py" <<'PY'
import signal, sys, time
# A background job of a script starts with SIGINT ignored; a python run
# from a terminal has its KeyboardInterrupt handler: put it back.
signal.signal(signal.SIGINT, signal.default_int_handler)
print("ready", flush=True)
t = time.time() + float(sys.argv[1])
while time.time() < t or sys.argv[1] == "0":
    sum(range(1000))
PY
SIG=0
ender() { :; }
r=$(run pyclean exit env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/pyclean" "$SYSPY" "$TMP/spin.py" 2) || exit 1
pclean=${r#* }
ender() { sleep 2; kill -INT "$1"; }
r=$(run pyint "signal SIGINT" env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/pyint" "$SYSPY" "$TMP/spin.py" 0) || exit 1
[ "${r#* }" -ge $((pclean * 9 / 10)) ] ||
    fail "python SIGINT: ${r% *} samples, ${r#* } per CPU second, fewer than 90% of $pclean"
[ "$(cat "$TMP/pyint.rc")" = 130 ] || fail "python SIGINT: exit status $(cat "$TMP/pyint.rc")"
note "python3 Ctrl-C: ${r% *} samples (${r#* } per CPU second, clean $pclean)"
