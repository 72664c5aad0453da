#!/bin/sh
# (i) meta.json: <comm>.<pid>.meta.json next to the folded file, valid JSON
# (python3 -m json.tool), with the pid, hz 999 and its period in ns, the unwind
# mode, samples taken, dropped, unwind failures, truncated stacks and the
# sampler kind ("perf" or "timer"); and its counts agree with the folded file
# (taken - dropped - failures <= folded total <= taken). `flamepre --version`
# (and -V) prints the version meta.json names.
. "$(dirname "$0")/lib.sh"
need_lib
need_example cpu_hotspot

for unwind in fp dwarf; do
    echo "cpu_hotspot 1 s at 999 Hz, FLAMEPRE_UNWIND=$unwind"
    FLAMEPRE_HZ=999 FLAMEPRE_UNWIND=$unwind profile "$TMP/$unwind" run "$EX/cpu_hotspot" 1 1 1
    [ "$(cat "$TMP/run.rc")" = 0 ] || { show_head "$TMP/run.err"; fail "exit code"; }
    PID=$(sed -n 's/^cpu_hotspot: thread cpu_hotspot tid=\([0-9]*\)$/\1/p' "$TMP/run.err")
    M=$(one_file "$TMP/$unwind" "cpu_hotspot.$PID.meta.json") || exit 1
    F=$(one_file "$TMP/$unwind" "cpu_hotspot.$PID.cpu.folded") || exit 1
    "$PY" -m json.tool "$M" >/dev/null || { show_head "$M"; fail "meta.json is not valid JSON"; }
    check meta "$M" "$F" --hz 999 --pid "$PID"
    grep -q "\"$unwind\"" "$M" || fail "meta.json does not say unwind $unwind"
done

echo "flamepre --version and -V print meta.json's version (one constant)"
v=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' "$M") ||
    fail "meta.json has no version"
for opt in --version -V; do
    out=$("$CLI" $opt) || fail "flamepre $opt exited non-zero"
    [ "$out" = "flamepre $v" ] || fail "flamepre $opt printed \"$out\", want \"flamepre $v\""
done

# A return from main ends the process by glibc's own call of exit, which no
# interposer saw: meta.json had "end": "exit" but no exit_status (C
# programs, python3, sqlite3, node...). main now runs through a wrapper of
# __libc_start_main that takes its status.
echo "exit_status after a return from main and after exit()"
cc -O2 -g -o "$TMP/main_return" "$HERE/progs/main_return.c" || fail "cannot build main_return"
for how in return exit; do
    profile "$TMP/ret-$how" r "$TMP/main_return" 5 $how
    [ "$(cat "$TMP/r.rc")" = 5 ] || fail "main_return $how: exit code $(cat "$TMP/r.rc")"
    M=$(one_file "$TMP/ret-$how" '*.meta.json') || exit 1
    st=$(meta_get "$M" exit_status)
    note "$how: end \"$(meta_get "$M" end)\", exit_status \"$st\""
    [ "$st" = 5 ] || fail "main_return $how: exit_status \"$st\", want 5"
done
