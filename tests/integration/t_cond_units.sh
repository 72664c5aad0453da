#!/bin/sh
# Issue 11's must-show case: `flamepre record -e cpu,lock` on a program
# doing 20 x 5 ms pthread_cond_timedwait. The CLI once did not know cond_ns
# (its metric table was a copy of the collector's, missing two rows) and
# summarised 106 ms of condition waits as "105,910,438 samples, 1069802.39
# s" in the hot palette. Checks: the summary line of cond_ns.folded is in
# milliseconds, 80..1000 ms; cond_count is 20; the cond_ns SVG colours the
# wait frame in the cool wait palette (blue and green above red), not hot;
# `top` shows the same unit; meta.json names the unit "nanoseconds".
. "$(dirname "$0")/lib.sh"
need_lib
[ -x "$CLI" ] || fail "$CLI not built"
cc -O2 -g -o "$TMP/cond_waits" "$HERE/progs/cond_waits.c" -lpthread || fail "cannot build cond_waits"
OUT=$TMP/out
echo "flamepre record -e cpu,lock cond_waits (20 x 5 ms pthread_cond_timedwait)"
timeout "$TMO" "$CLI" record -e cpu,lock -o "$OUT" -- "$TMP/cond_waits" >"$TMP/rec.out" 2>"$TMP/rec.err"
rc=$?
[ $rc = 0 ] || { show_head "$TMP/rec.err"; fail "record exit $rc"; }
grep -qx 'cond_waits: 20 timeouts' "$TMP/rec.out" || fail "program output: $(cat "$TMP/rec.out")"
line=$(grep -E '[0-9]+\.cond_ns\.folded: ' "$TMP/rec.err" | head -n 1)
note "summary: $line"
[ -n "$line" ] || { show_head "$TMP/rec.err"; fail "no summary line for cond_ns"; }
case $line in *sample*) fail "cond_ns summarised as samples: $line" ;; esac
ms=$(echo "$line" | sed -n 's/.*folded: \([0-9.]*\) ms .*/\1/p')
[ -n "$ms" ] || fail "cond_ns total not in ms: $line"
"$PY" -c "import sys; sys.exit(0 if 80 <= $ms <= 1000 else 1)" || fail "cond_ns total $ms ms, expected ~100"
cline=$(grep -E '[0-9]+\.cond_count\.folded: ' "$TMP/rec.err" | head -n 1)
note "summary: $cline"
echo "$cline" | grep -q 'folded: 20 condition waits ->' || fail "cond_count is not 20: $cline"

S=$(one_file "$OUT" 'cond_waits.[0-9]*.cond_ns.svg') || exit 1
F=$(one_file "$OUT" 'cond_waits.[0-9]*.cond_ns.folded') || exit 1
M=$(one_file "$OUT" 'cond_waits.[0-9]*.meta.json') || exit 1
"$PY" - "$S" "$M" <<'PYEOF' || fail "cond_ns SVG palette or meta.json"
import json, re, sys
svg = open(sys.argv[1]).read()
# every frame box: <title>NAME ...</title><rect ... fill="rgb(r,g,b)"
frames = re.findall(r'<title>([^\n<]*)[^<]*</title><rect [^>]*fill="rgb\((\d+),(\d+),(\d+)\)"', svg)
assert frames, "no frames in the SVG"
waits = [(n, int(r), int(g), int(b)) for n, r, g, b in frames if n.startswith("pthread_cond_timedwait")]
assert waits, "no pthread_cond_timedwait frame: %r" % [f[0] for f in frames]
for n, r, g, b in waits:
    print("  %s: rgb(%d,%d,%d)" % (n, r, g, b))
    assert b > r and g > r, "not the cool wait palette"
m = json.load(open(sys.argv[2]))
c = m["metrics"]["cond_ns"]
print("  meta.json cond_ns:", c)
assert c["unit"] == "nanoseconds" and 80e6 <= c["total"] <= 1e9
assert m["metrics"]["cond_count"]["total"] == 20
PYEOF
echo "flamepre top on the cond_ns file"
"$CLI" top "$F" -n 3 >"$TMP/top.out" 2>&1 || { cat "$TMP/top.out"; fail "top"; }
grep -q ' ms' "$TMP/top.out" || { cat "$TMP/top.out"; fail "top does not show ms"; }
grep -q 'sample' "$TMP/top.out" && { cat "$TMP/top.out"; fail "top shows samples"; }
echo "ok"
