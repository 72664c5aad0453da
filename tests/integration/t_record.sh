#!/bin/sh
# (h) `flamepre record`: passes the exit code through; writes an .svg next to
# each folded file (well-formed XML); prints its summary on stderr and nothing
# extra on stdout (the program's stdout is byte-identical to a plain run);
# the summary hides rows of no self weight and thread frames, and with many
# processes prints one line per command and the merged tree instead.
# Fails clearly (non-zero, a message on stderr naming the problem) for a
# statically linked executable and for a command that does not exist.
. "$(dirname "$0")/lib.sh"
need_lib
need_example cpu_hotspot
[ -x "$CLI" ] || fail "$CLI not built"

echo "flamepre record -F 999 -o DIR -- cpu_hotspot 1 1 1"
timeout "$TMO" "$CLI" record -F 999 -o "$TMP/r" -- "$EX/cpu_hotspot" 1 1 1 >"$TMP/r.out" 2>"$TMP/r.err"
rc=$?
[ $rc = 0 ] || { show_head "$TMP/r.err"; fail "record exit code $rc"; }
"$EX/cpu_hotspot" 0.1 1 1 >"$TMP/plain.out" 2>/dev/null
cmp -s "$TMP/plain.out" "$TMP/r.out" || { show_head "$TMP/r.out"; fail "record changed stdout (summary must go to stderr)"; }
n=0
for f in "$TMP/r"/*.folded; do
    [ -f "$f" ] || fail "record wrote no folded file"
    b=${f%.folded}
    svg=""
    for c in "$b.svg" "$f.svg"; do [ -f "$c" ] && svg=$c; done
    [ -n "$svg" ] || fail "no .svg next to $(basename "$f"): $(ls "$TMP/r")"
    "$PY" -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg"), r.tag' "$svg" ||
        fail "$(basename "$svg") is not well-formed SVG"
    grep -q burn_a "$svg" || fail "$(basename "$svg") does not mention burn_a"
    grep -F -q "$(basename "$svg")" "$TMP/r.err" || fail "summary does not name $(basename "$svg")"
    n=$((n + 1))
done
note "$n folded file(s), each with an SVG"
grep -i -q sample "$TMP/r.err" || fail "no summary (samples) on stderr"
echo "  summary:"; sed 's/^/    | /' "$TMP/r.err" | grep -v 'cpu_hotspot: '

grep -q ' 0\.0% self' "$TMP/r.err" && fail "summary lists functions with no self weight"
grep -q 'self  \[.* tid=[0-9]*\]' "$TMP/r.err" && fail "summary lists a thread frame as a function"

echo "many processes: one summary line per command, then the merged tree"
timeout "$TMO" "$CLI" record -F 999 -o "$TMP/rm" -- sh -c \
    'for i in 1 2 3 4 5 6; do "$0" 0.05 1 1 >/dev/null 2>&1; done' "$EX/cpu_hotspot" \
    >/dev/null 2>"$TMP/rm.err" || { show_head "$TMP/rm.err"; fail "record of a shell loop failed"; }
sed 's/^/    | /' "$TMP/rm.err"
n=$(ls "$TMP/rm"/cpu_hotspot.*.cpu.folded | wc -l)
[ "$n" = 6 ] || fail "expected 6 cpu_hotspot profiles, got $n"
grep -q 'processes, by command' "$TMP/rm.err" || fail "no per-command summary for 7 processes"
[ "$(grep -c '^  cpu_hotspot  *6 processes' "$TMP/rm.err")" = 1 ] ||
    fail "not one line for the 6 cpu_hotspot processes"
grep -q 'cpu_hotspot\.[0-9]*\.cpu\.folded' "$TMP/rm.err" && fail "per-process lines with many processes"
grep -q '\.tree\.cpu\.folded: ' "$TMP/rm.err" || fail "no merged (tree) summary"
grep -q 'self  leaf_a' "$TMP/rm.err" || fail "merged summary does not show the hot function"
grep -q ' 0\.0% self\|self  \[.* pid=[0-9]*\]' "$TMP/rm.err" && fail "merged summary lists zero or process rows"
[ "$(wc -l <"$TMP/rm.err")" -le 12 ] || fail "summary of 7 processes is $(wc -l <"$TMP/rm.err") lines"

echo "exit code passthrough"
timeout "$TMO" "$CLI" record -o "$TMP/r2" -- sh -c 'echo x; exit 7' >"$TMP/r2.out" 2>"$TMP/r2.err"
rc=$?
[ $rc = 7 ] || { show_head "$TMP/r2.err"; fail "record: exit code $rc, want 7"; }
[ "$(cat "$TMP/r2.out")" = x ] || fail "record: stdout is not just the program's: $(cat "$TMP/r2.out")"
timeout "$TMO" "$CLI" record -o "$TMP/r3" -- false >"$TMP/r3.out" 2>"$TMP/r3.err"
rc=$?
[ $rc = 1 ] || fail "record false: exit code $rc, want 1"
[ -s "$TMP/r3.out" ] && fail "record false: wrote to stdout"

echo "statically linked executable"
cc -static -O2 -o "$TMP/hot_static" "$ROOT/examples/cpu_hotspot.c" -lpthread ||
    fail "cannot build a static binary (libc6-dev provides libc.a)"
file "$TMP/hot_static" | grep -q 'statically linked' || fail "test binary is not static"
timeout "$TMO" "$CLI" record -o "$TMP/r4" -- "$TMP/hot_static" 0.2 1 0 >"$TMP/r4.out" 2>"$TMP/r4.err"
rc=$?
[ $rc != 0 ] || { show_head "$TMP/r4.err"; fail "record on a static binary exited 0"; }
grep -i -q static "$TMP/r4.err" || { show_head "$TMP/r4.err"; fail "record on a static binary does not say it is static"; }
note "static: exit $rc: $(grep -i static "$TMP/r4.err" | head -n 1)"

echo "nonexistent command"
for cmd in "$TMP/no/such/prog" no-such-command-flamepre; do
    timeout "$TMO" "$CLI" record -o "$TMP/r5" -- "$cmd" >"$TMP/r5.out" 2>"$TMP/r5.err"
    rc=$?
    [ $rc != 0 ] || fail "record $cmd exited 0"
    grep -q -- "$(basename "$cmd")" "$TMP/r5.err" || { show_head "$TMP/r5.err"; fail "record $cmd: message does not name the command"; }
    [ -s "$TMP/r5.out" ] && fail "record $cmd: wrote to stdout"
    note "$cmd: exit $rc: $(head -n 1 "$TMP/r5.err")"
done
