#!/bin/sh
# (g) Bad FLAMEPRE_* values: each prints exactly one stderr line naming the
# variable, and the program runs with unchanged stdout and exit code. A
# misspelled variable (FLAMEPRE_HX) is named along with its nearest valid
# name (FLAMEPRE_HZ). An unwritable FLAMEPRE_OUTPUT says so (naming the
# directory or the variable) and the program still runs.
. "$(dirname "$0")/lib.sh"
need_lib

i=0
for kv in FLAMEPRE_HZ=abc FLAMEPRE_EVENTS=bogus FLAMEPRE_UNWIND=xyz \
          FLAMEPRE_DEPTH=-1 FLAMEPRE_THREADS=maybe FLAMEPRE_LOG=loud FLAMEPRE_HX=99; do
    i=$((i + 1))
    var=${kv%%=*}
    timeout "$TMO" env "$kv" LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/o$i" \
        sh -c 'echo out; exit 5' >"$TMP/$i.out" 2>"$TMP/$i.err"
    rc=$?
    [ $rc = 5 ] || fail "$kv: exit code $rc, want 5"
    [ "$(cat "$TMP/$i.out")" = out ] || fail "$kv: stdout changed: $(cat "$TMP/$i.out")"
    lines=$(wc -l <"$TMP/$i.err")
    [ "$lines" = 1 ] || { show_head "$TMP/$i.err"; fail "$kv: $lines stderr lines, want exactly 1"; }
    grep -q "$var" "$TMP/$i.err" || fail "$kv: stderr does not name $var: $(cat "$TMP/$i.err")"
    [ "$var" = FLAMEPRE_HX ] && { grep -q FLAMEPRE_HZ "$TMP/$i.err" || fail "FLAMEPRE_HX: no suggestion of FLAMEPRE_HZ: $(cat "$TMP/$i.err")"; }
    note "$kv -> $(cat "$TMP/$i.err")"
done

: >"$TMP/notadir"
timeout "$TMO" env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/notadir/sub" \
    sh -c 'echo out; exit 5' >"$TMP/u.out" 2>"$TMP/u.err"
rc=$?
[ $rc = 5 ] || fail "unwritable output: exit code $rc, want 5"
[ "$(cat "$TMP/u.out")" = out ] || fail "unwritable output: stdout changed"
[ -s "$TMP/u.err" ] || fail "unwritable FLAMEPRE_OUTPUT: nothing on stderr"
grep -q -e "notadir/sub" -e FLAMEPRE_OUTPUT "$TMP/u.err" || fail "unwritable output: message names neither the directory nor FLAMEPRE_OUTPUT: $(cat "$TMP/u.err")"
note "unwritable FLAMEPRE_OUTPUT -> $(cat "$TMP/u.err")"
