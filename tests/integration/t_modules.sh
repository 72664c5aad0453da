#!/bin/bash
# Unresolved code grouped by module: a stripped copy of cpu_hotspot runs
# under `flamepre record`. meta.json lists it among the modules without
# debug symbols and gives its self weight by module (metrics.cpu.modules);
# `flamepre top --by module` ranks it first with its weight unresolved; the
# record summary shows its [..+0x...] frames as one row and names it; with
# a thread filter, top says modules come from frame names only.
. "$(dirname "$0")/lib.sh"
need_lib
need_example cpu_hotspot
strip -o "$TMP/hot_stripped" "$EX/cpu_hotspot" || fail "strip failed"

timeout "$TMO" "$CLI" record -F 499 -o "$TMP/r" -- "$TMP/hot_stripped" 1 1 0 \
    >"$TMP/rec.out" 2>"$TMP/rec.err" || { cat "$TMP/rec.err"; fail "record failed"; }
F=$(one_file "$TMP/r" 'hot_stripped.[0-9]*.cpu.folded') || exit 1
M=$(one_file "$TMP/r" 'hot_stripped.[0-9]*.meta.json') || exit 1

"$PY" - "$M" "$TMP/hot_stripped" <<'PYEOF' || fail "meta.json module keys"
import json, sys
m = json.load(open(sys.argv[1]))
sym = m['symbolizer']
assert isinstance(sym['modules_without_symbols'], int), 'count key kept'
lst = sym['modules_without_debug_symbols']
print('  modules_without_debug_symbols:', lst)
assert sys.argv[2] in lst, 'the stripped binary is not listed'
cpu = m['metrics']['cpu']
mods = cpu['modules']
print('  metrics.cpu.modules:', mods[:3])
assert sum(r['self'] for r in mods) <= cpu['total']
top = mods[0]
assert top['name'] == 'hot_stripped', 'heaviest module is %s' % top['name']
assert top['self'] >= cpu['total'] * 0.8, 'hot_stripped holds less than 80%% of self'
assert top['unresolved'] >= top['self'] * 0.9, 'its code is not unresolved'
assert all(r['unresolved'] <= r['self'] for r in mods)
PYEOF

"$CLI" top --by module --format csv "$F" >"$TMP/top.csv" 2>"$TMP/top.err" || fail "top --by module: $(cat "$TMP/top.err")"
sed 's/^/    | /' "$TMP/top.csv" | head -5
sed -n 2p "$TMP/top.csv" | grep -q '^"hot_stripped",' || fail "top --by module: hot_stripped is not the first row"
"$PY" -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1])))[0]; sys.exit(float(r["unresolved_pct"]) < 70)' "$TMP/top.csv" ||
    fail "top --by module: hot_stripped's unresolved share below 70%"

grep -q '^ *[0-9.]*% self  \[hot_stripped+0x\.\.\.\] (no symbols: [0-9]* addresses)$' "$TMP/rec.err" ||
    { cat "$TMP/rec.err"; fail "record summary: no grouped [hot_stripped+0x...] row"; }
[ "$(grep -c 'self  \[hot_stripped+0x' "$TMP/rec.err")" -le 2 ] ||
    fail "record summary lists hot_stripped's addresses one by one"
grep -q 'unresolved code (no symbols): hot_stripped [0-9.]*%' "$TMP/rec.err" ||
    { cat "$TMP/rec.err"; fail "record summary does not name the module without symbols"; }

"$CLI" top --by module --thread worker-a "$F" >"$TMP/thr.txt" || fail "top --by module --thread"
grep -q 'modules from frame names only' "$TMP/thr.txt" || fail "--thread: no note that the summary is not used"
grep -q ' hot_stripped$' "$TMP/thr.txt" || { cat "$TMP/thr.txt"; fail "--thread: hot_stripped row missing"; }
"$CLI" top --by nothing "$F" >/dev/null 2>&1
[ $? = 2 ] || fail "--by with a bad value is not a usage error"
