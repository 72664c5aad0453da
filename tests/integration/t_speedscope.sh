#!/bin/sh
# `flamepre convert --to speedscope` checked against the file-format schema
# shipped in the npm package `speedscope` (dist/release/file-format-schema.json,
# validated with python3-jsonschema), plus what the schema cannot say: frame
# indices in range, one weight per sample, endValue = sum of weights, one
# sampled profile per "[name tid=N]" thread root; the unit of each metric
# (nanoseconds for cpu with a known period and *_ns, bytes, none). Skips (exit 0) only when
# the package cannot be installed (no network) or jsonschema is missing.
. "$(dirname "$0")/lib.sh"
[ -x "$CLI" ] || fail "$CLI not built (make cli)"
IN=$ROOT/tests/golden/in
SCHEMA=${SPEEDSCOPE_SCHEMA:-}
if [ -z "$SCHEMA" ]; then
    if ! (cd "$TMP" && timeout 180 npm install --no-save --no-audit --no-fund speedscope \
            >"$TMP/npm.log" 2>&1); then
        tail -5 "$TMP/npm.log"
        echo "SKIP: npm install speedscope failed (offline?)"
        exit 0
    fi
    SCHEMA=$TMP/node_modules/speedscope/dist/release/file-format-schema.json
fi
[ -f "$SCHEMA" ] || fail "no schema at $SCHEMA"
$PY -c 'import jsonschema' 2>/dev/null || { echo "SKIP: python3 jsonschema missing"; exit 0; }

for f in app.4242.cpu hostile svc.77.alloc_bytes empty; do
    "$CLI" convert "$IN/$f.folded" --to speedscope -o "$TMP/$f.json" || fail "convert $f"
done
$PY - "$SCHEMA" "$TMP" <<'PYEOF' || fail "speedscope output invalid"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
d = sys.argv[2]
want_threads = {"app.4242.cpu": ["[main tid=4242]", "[worker-1 tid=4243]", "[worker-2 tid=4244]"],
                "svc.77.alloc_bytes": ["[svc tid=77]", "[svc tid=78]"]}
for f in ["app.4242.cpu", "hostile", "svc.77.alloc_bytes", "empty"]:
    doc = json.load(open(f"{d}/{f}.json"))
    jsonschema.validate(doc, schema)
    nframes = len(doc["shared"]["frames"])
    names = []
    for p in doc["profiles"]:
        assert p["type"] == "sampled", p["type"]
        assert len(p["samples"]) == len(p["weights"]), f
        for s in p["samples"]:
            assert s and all(0 <= i < nframes for i in s), (f, s)
        assert abs(p["endValue"] - sum(p["weights"])) < 1e-6, (f, p["name"])
        names.append(p["name"])
    if f in want_threads:
        assert names == want_threads[f], (f, names)
        # thread frames are the profiles, not frames of their stacks
        tids = {i for i, fr in enumerate(doc["shared"]["frames"]) if " tid=" in fr["name"]}
        assert not any(i in tids for p in doc["profiles"] for s in p["samples"] for i in s)
    print(f"  {f}: {len(doc['profiles'])} profile(s), {nframes} frames: schema OK")
PYEOF
echo "speedscope output valid against speedscope's schema; one profile per thread"

# The unit follows the metric: sampled time is time when meta.json gives the
# period (weights = samples x period_ns), *_ns nanoseconds, *_bytes bytes,
# counts of events "none".
mkdir -p "$TMP/u"
cp "$IN/lock_contention.3319.meta.json" "$IN/lock_contention.3319.cpu.folded" \
    "$IN/lock_contention.3319.lock_ns.folded" "$TMP/u/"
sed 's/ [0-9]*$/ 3/' "$IN/lock_contention.3319.lock_ns.folded" >"$TMP/u/lock_contention.3319.lock_count.folded"
cp "$IN/app.4242.cpu.folded" "$TMP/u/nometa.4242.cpu.folded"
for m in cpu lock_ns lock_count; do
    "$CLI" convert "$TMP/u/lock_contention.3319.$m.folded" --to speedscope -o "$TMP/u/$m.json" ||
        fail "convert $m"
done
"$CLI" convert "$TMP/u/nometa.4242.cpu.folded" --to speedscope -o "$TMP/u/nometa.json" ||
    fail "convert (no meta.json)"
$PY - "$TMP" <<'PYEOF' || fail "speedscope units wrong"
import json, sys
d = sys.argv[1]
want = {"u/cpu": ("nanoseconds", 109 * 10101010), "u/lock_ns": ("nanoseconds", None),
        "u/lock_count": ("none", None), "u/nometa": ("none", 205),
        "svc.77.alloc_bytes": ("bytes", None)}
for f, (unit, total) in want.items():
    doc = json.load(open(f"{d}/{f}.json"))
    units = {p["unit"] for p in doc["profiles"]}
    assert units == {unit}, (f, units, unit)
    if total is not None:
        got = sum(p["endValue"] for p in doc["profiles"])
        assert got == total, (f, got, total)
    print(f"  {f}: unit {unit}")
PYEOF
echo "speedscope units: nanoseconds for timed samples and *_ns, bytes, none for counts"
