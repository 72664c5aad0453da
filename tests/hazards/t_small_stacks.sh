#!/bin/bash
# Small stacks survive a 10 kHz sampler in both unwind modes and with both
# samplers: threads with 16 and 32 KiB stacks used up to the kernel's
# signal frame + 1 KiB, a signal handler on a small sigaltstack, a
# makecontext coroutine on a malloc'd 16 KiB stack without a guard page
# (canaries on both sides), and, for the fp walker, rbp pointing into a
# PROT_NONE page. Each run exits 0 with the output of the unprofiled run;
# where a DWARF walk does not fit, the sample is the leaf under
# `[not unwound: low stack]` (counted in meta.json samples_low_stack),
# while threads with room keep whole stacks. Before the fix the DWARF
# runs died of SIGSEGV or clobbered the canaries, and the fp walker
# faulted on the PROT_NONE page (mincore calls such a page resident).
#
# It also measures the sampling handler's stack use: a handler running on
# a painted 1 MiB sigaltstack burns while sampled; the bytes touched below
# it, less those of an empty handler's (the kernel's signal frame), are the
# handler's. Each figure must stay within preload/unwind.h's UNWIND_NEED_*
# (which the handler's room check relies on).
. "$(dirname "$0")/lib.sh"
need_lib
# Frame pointers (the burners keep theirs: see small_stacks.c), so the fp
# runs see whole stacks where they have the room.
cc -O2 -g -fno-omit-frame-pointer -o "$TMP/small_stacks" \
    "$HAZ/progs/small_stacks.c" -lpthread || fail "cannot build small_stacks"
P=$TMP/small_stacks
N=100000000
export FLAMEPRE_HZ=10000

# share FILE THREAD LEAF [FRAME]: percent of THREAD's samples in LEAF whose
# stack also holds FRAME (every one of them if FRAME is empty).
share() {
    awk -v t="[$2 tid=" -v leaf="$3" -v fr="${4:-}" '
        index($0, t) == 1 {
            n = $NF; s = $0; sub(/ [0-9]+$/, "", s)
            k = split(s, f, ";")
            if (f[k] != leaf) next
            all += n
            if (fr == "" || index(s ";", ";" fr ";")) hit += n
        }
        END { printf "%d\n", all ? hit * 100 / all : -1 }' "$1"
}

# expect FILE THREAD LEAF FRAME: most of THREAD's LEAF samples show FRAME.
expect() {
    _s=$(share "$1" "$2" "$3" "$4")
    [ "$_s" -ge 90 ] || fail "$RUN: $2: $_s% of $3 samples under $4 (want >= 90%):
$(grep -F "[$2 tid=" "$1" | sort -t' ' -k2 -nr | head -n 5)"
}

# expect_not FILE THREAD LEAF FRAME: none of THREAD's LEAF samples shows FRAME.
expect_not() {
    _s=$(share "$1" "$2" "$3" "$4")
    [ "$_s" -le 0 ] || fail "$RUN: $2: $_s% of $3 samples under $4 (want none):
$(grep -F "[$2 tid=" "$1" | sort -t' ' -k2 -nr | head -n 5)"
}

LOW='[not unwound: low stack]'

# run MODE UNWIND SAMPLER: profile `small_stacks MODE`; same output and
# status as unprofiled; sets F (folded) and M (meta.json).
run() {
    RUN="$1 $2 $3"
    out=$TMP/o-$1-$2-$3
    FLAMEPRE_UNWIND=$2 FLAMEPRE_SAMPLER=$3 profile "$out" r "$P" "$1" $N
    rc=$(cat "$TMP/r.rc")
    [ "$rc" = 0 ] || fail "$RUN: exit status $rc (unprofiled 0): $(cat "$TMP/r.out" "$TMP/r.err" | head -n 5)"
    cmp -s "$TMP/plain-$1.out" "$TMP/r.out" || fail "$RUN: output differs:
$(diff "$TMP/plain-$1.out" "$TMP/r.out")"
    F=$(one_file "$out" '*.cpu.folded') || exit 1
    M=$(one_file "$out" '*.meta.json') || exit 1
    low=$(meta_get "$M" samples_low_stack)
    [ -n "$low" ] || fail "$RUN: meta.json has no samples_low_stack"
}

for m in threads altstack coro fpnone; do
    plain "plain-$m" "$P" $m $N
    [ "$(cat "$TMP/plain-$m.rc")" = 0 ] || fail "unprofiled $m: exit status $(cat "$TMP/plain-$m.rc")"
done

for s in perf timer; do
    # DWARF: the walk does not fit on the small stacks; leaf-only samples
    # there, whole stacks where there is room.
    run threads dwarf $s
    expect "$F" small16 burn_small16 "$LOW"
    expect "$F" small32 burn_small32 "$LOW"
    expect "$F" roomy16 burn_roomy16 thread_main
    expect "$F" small_stacks burn_main main
    expect_not "$F" roomy16 burn_roomy16 "$LOW"
    [ "$low" -gt 0 ] || fail "$RUN: samples_low_stack is $low"
    note "$RUN: ok, samples_low_stack $low"
    run altstack dwarf $s
    expect "$F" altstack burn_altstack "$LOW"
    note "$RUN: ok, canaries intact, samples_low_stack $low"
    run coro dwarf $s
    expect "$F" small_stacks burn_coro "$LOW"
    note "$RUN: ok, canaries intact, samples_low_stack $low"
    run fpnone dwarf $s
    note "$RUN: ok"

    # fp: the walk needs a few hundred bytes; it runs on the small stacks
    # and, with fault-proof reads, on the coroutine's.
    run threads fp $s
    expect "$F" roomy16 burn_roomy16 thread_main
    expect "$F" small_stacks burn_main main
    for t in small16 small32; do
        grep -qF "[$t tid=" "$F" || fail "$RUN: no samples of $t"
    done
    note "$RUN: ok, small16 under thread_main: $(share "$F" small16 burn_small16 thread_main)%"
    run altstack fp $s
    note "$RUN: ok, canaries intact"
    run coro fp $s
    expect "$F" small_stacks burn_coro coro_body
    note "$RUN: ok, canaries intact, coroutine frames walked"
    run fpnone fp $s
    grep -q 'burn_badfp' "$F" || fail "$RUN: no samples in burn_badfp"
    note "$RUN: ok, walk stopped at the PROT_NONE frame"
done

# ---- the handler's stack use ----
need() {
    sed -n "s/^#define $1 \([0-9]*\)u.*/\1/p" "$ROOT/preload/unwind.h"
}
touched() {   # touched ERRFILE: bytes the paint run reports
    sed -n 's/^paint[a-z]*: touched \([0-9]*\) bytes.*/\1/p' "$1"
}
plain pbase "$P" paintbase $N
base=$(touched "$TMP/pbase.err")
[ -n "$base" ] || fail "paintbase: no figure: $(cat "$TMP/pbase.err")"
note "kernel signal frame + empty handler: $base bytes"
for ev in cpu cpu,alloc,lock,io; do
    for c in "paint fp UNWIND_NEED_FP" "paint dwarf UNWIND_NEED_GCC" "paintjit dwarf UNWIND_NEED_LIBUNWIND"; do
        set -- $c
        FLAMEPRE_EVENTS=$ev FLAMEPRE_UNWIND=$2 profile "$TMP/$1-$2" pr "$P" "$1" $N
        [ "$(cat "$TMP/pr.rc")" = 0 ] || fail "$1 $2: exit status $(cat "$TMP/pr.rc")"
        t=$(touched "$TMP/pr.err")
        [ -n "$t" ] || fail "$1 $2: no figure: $(cat "$TMP/pr.err")"
        use=$((t - base)) lim=$(need "$3")
        [ "$use" -le "$lim" ] || fail "$1 $2 (events $ev): the handler used $use bytes, more than $3 = $lim"
        note "handler stack use, events $ev, $2$([ "$1" = paintjit ] && echo ' (libunwind fallback)'): $use bytes ($3 = $lim)"
    done
done
