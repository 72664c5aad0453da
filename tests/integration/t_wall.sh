#!/bin/sh
# The wall event (FLAMEPRE_EVENTS=wall): examples/wall_states runs four
# threads whose time goes to known states (computing, sleeping, waiting on
# a contended mutex, reading a slow pipe) and measures them itself. Checks:
# exit status and stdout as without the profiler; wall.folded written (and
# no cpu.folded: cpu was not asked for), every leaf a state frame; per
# thread, meta.json's split matches the program's own measurement: each
# state's fraction of the lifetime within 5 percentage points, and the
# states sum to the thread's lifetime (the program's) within 3%; the
# folded file's per-thread state totals are meta.json's; the waits sit
# under the calls that waited. Then wall,cpu writes both files.
. "$(dirname "$0")/lib.sh"
need_lib
need_example wall_states
[ -x "$CLI" ] || fail "$CLI not built"

plain base "$EX/wall_states"
echo "wall_states with FLAMEPRE_EVENTS=wall FLAMEPRE_HZ=999"
OUT=$TMP/out
FLAMEPRE_EVENTS=wall FLAMEPRE_HZ=999 profile "$OUT" wall "$EX/wall_states" "$TMP/measured"
[ "$(cat "$TMP/wall.rc")" = "$(cat "$TMP/base.rc")" ] || { show_head "$TMP/wall.err"; fail "exit status $(cat "$TMP/wall.rc"), plain $(cat "$TMP/base.rc")"; }
cmp -s "$TMP/wall.out" "$TMP/base.out" || fail "stdout differs: $(cat "$TMP/wall.out")"
F=$(one_file "$OUT" 'wall_states.[0-9]*.wall.folded') || exit 1
M=$(one_file "$OUT" 'wall_states.[0-9]*.meta.json') || exit 1
ls "$OUT" | grep -q 'cpu\.folded' && fail "cpu.folded written without cpu in FLAMEPRE_EVENTS"
sed 's/^/  measured: /' "$TMP/measured"
"$PY" - "$F" "$M" "$TMP/measured" <<'PYEOF' || fail "wall split"
import json, re, sys
folded, meta, measured = sys.argv[1:4]
STATES = ["cpu", "lock", "cond", "io", "sleep", "wait-child", "runnable", "other"]
m = json.load(open(meta))
assert m["metrics"]["wall"]["unit"] == "nanoseconds", m["metrics"]["wall"]
assert "wall" in m["events"].split(","), m["events"]
threads = {t["name"]: t for t in m["threads"]}
# folded: every leaf a state; per-thread state totals
per = {}
for line in open(folded):
    stack, n = line.rstrip("\n").rsplit(" ", 1)
    frames = stack.split(";")
    leaf = frames[-1]
    assert leaf[0] == "[" and leaf[1:-1] in STATES, "leaf not a state: " + line
    root = re.match(r"\[(.*) tid=\d+\]$", frames[0])
    assert root, "no thread root frame: " + line
    per.setdefault(root.group(1), {}).setdefault(leaf[1:-1], 0)
    per[root.group(1)][leaf[1:-1]] += int(n)
    name = root.group(1)
    if leaf == "[sleep]" and name == "sleeper":
        assert frames[-3:-1] == ["nap", "nanosleep"], line
    if leaf == "[lock]" and name == "locker":
        assert frames[-3:-1] == ["take_lock", "pthread_mutex_lock"], line
    if leaf == "[io]" and name == "reader":
        assert frames[-3:-1] == ["read_pipe", "read [pipe]"], line
bad = []
for line in open(measured):
    name, *kv = line.split()
    kv = dict(x.split("=") for x in kv)
    life, cpu, wait = (int(kv[k]) for k in ("lifetime_ns", "cpu_ns", "wait_ns"))
    t = threads.get(name)
    assert t and "wall" in t, "no wall split for thread %s: %r" % (name, t)
    w = t["wall"]
    total = sum(w[s] for s in STATES)
    assert total == w["lifetime_ns"], (name, total, w)
    fw = {s: v for s, v in per.get(name, {}).items()}
    assert all(fw.get(s, 0) == w[s] for s in STATES), ("folded vs meta", name, fw, w)
    lt = w["lifetime_ns"]
    state = {"cruncher": None, "sleeper": "sleep", "locker": "lock", "reader": "io"}[name]
    exp = {"cpu": cpu / life}
    if state:
        exp[state] = wait / life
    got = {s: w[s] / lt for s in exp}
    print("  %-8s lifetime %.3f s (program %.3f s); " % (name, lt / 1e9, life / 1e9) +
          ", ".join("%s %.1f%% (program %.1f%%)" % (s, 100 * got[s], 100 * exp[s]) for s in exp) +
          "; runnable %.1f%%, other %.1f%%" % (100 * w["runnable"] / lt, 100 * w["other"] / lt))
    if abs(lt - life) > 0.03 * life:
        bad.append("%s: states sum to %d ns, lifetime %d ns" % (name, lt, life))
    for s in exp:
        if abs(got[s] - exp[s]) > 0.05:
            bad.append("%s: %s %.1f%%, expected %.1f%%" % (name, s, 100 * got[s], 100 * exp[s]))
assert not bad, bad
PYEOF

echo "flamepre render (SVG, HTML) of the wall profile: state colors and the legend"
"$CLI" render "$F" -o "$TMP/wall.svg" 2>"$TMP/render.err" || { show_head "$TMP/render.err"; fail "render svg"; }
"$CLI" render "$F" -o "$TMP/wall.html" 2>"$TMP/render.err" || { show_head "$TMP/render.err"; fail "render html"; }
"$CLI" top --by-state --format csv "$F" >"$TMP/bystate.csv" 2>"$TMP/top.err" || { show_head "$TMP/top.err"; fail "top --by-state"; }
"$CLI" top --by-state "$F" | sed 's/^/  | /'
"$PY" - "$TMP/wall.svg" "$TMP/wall.html" "$TMP/bystate.csv" "$M" <<'PYEOF' || fail "wall rendering"
import csv, json, re, sys
svg, html, bystate, meta = (open(a).read() for a in sys.argv[1:5])
m = json.loads(meta)
# legend: every state with weight, its share as the folded totals give it
leg = re.search(r'<g id="legend"[^>]*>(.*?)</g>', svg, re.S)
assert leg, "no legend in the SVG"
items = dict(re.findall(r'>([a-z-]+) ([0-9.]+)%</text>', leg.group(1)))
print("  SVG legend:", items)
for s in ("cpu", "lock", "io", "sleep"):
    assert s in items and float(items[s]) > 1, (s, items)
hl = re.search(r'<div id="legend" class="wall">(.*?)</div>', html)
assert hl, "no legend in the HTML"
assert dict(re.findall(r'</span>([a-z-]+) ([0-9.]+)%</span>', hl.group(1))) == items, hl.group(1)
# frames: CPU warm, waits cool
fr = {n: (int(r), int(g), int(b)) for n, r, g, b in
      re.findall(r'<title>([^\n<]*)[^<]*</title><rect [^>]*fill="rgb\((\d+),(\d+),(\d+)\)"', svg)}
for n in ("compute", "[cpu]"):
    assert n in fr and fr[n][0] > fr[n][2], ("not warm", n, fr.get(n))
for n in ("nanosleep", "[sleep]", "read [pipe]", "[io]", "pthread_mutex_lock", "[lock]"):
    assert n in fr and fr[n][2] > fr[n][0], ("not cool", n, fr.get(n))
# top --by-state: the rows are meta.json's splits
rows = {r["thread"]: r for r in csv.DictReader(bystate.splitlines())}
for t in m["threads"]:
    key = "[%s tid=%d]" % (t["name"], t["tid"])
    assert key in rows, (key, list(rows))
    for s in ("cpu", "lock", "io", "sleep", "runnable", "other"):
        assert int(rows[key][s]) == t["wall"][s], (key, s, rows[key][s], t["wall"][s])
PYEOF

echo "every other interposed blocking call (C11, sleeps, child, signal, futex)"
cc -O2 -g -o "$TMP/wall_calls" "$HERE/progs/wall_calls.c" -lpthread || fail "cannot build wall_calls"
plain callsbase "$TMP/wall_calls"
OUT3=$TMP/out3
FLAMEPRE_EVENTS=wall FLAMEPRE_WAIT_SAMPLE=0 profile "$OUT3" calls "$TMP/wall_calls"
[ "$(cat "$TMP/calls.rc")" = 0 ] || { show_head "$TMP/calls.err"; fail "exit $(cat "$TMP/calls.rc")"; }
cmp -s "$TMP/calls.out" "$TMP/callsbase.out" || fail "stdout differs: $(cat "$TMP/calls.out")"
C=$(one_file "$OUT3" "wall_calls.$(cd "$OUT3" && ls | sed -n 's/^wall_calls\.\([0-9]*\)\.meta\.json$/\1/p' | sort -n | head -n 1).wall.folded") || exit 1
"$PY" - "$C" <<'PYEOF' || fail "blocking calls"
import sys
tot = {}
for line in open(sys.argv[1]):
    stack, n = line.rstrip("\n").rsplit(" ", 1)
    key = ";".join(stack.split(";")[-3:])
    tot[key] = tot.get(key, 0) + int(n)
want = ["main;thrd_sleep;[sleep]", "do_mtx_lock;mtx_lock;[lock]",
        "do_cnd_timedwait;cnd_timedwait;[cond]", "main;usleep;[sleep]",
        "main;clock_nanosleep;[sleep]", "do_waitpid;waitpid;[wait-child]",
        "do_sigtimedwait;sigtimedwait;[sleep]", "do_futex;futex;[lock]",
        "holder;thrd_sleep;[sleep]"]
bad = []
for w in want:
    got = tot.get(w, 0)
    print("  %-42s %6.1f ms" % (w, got / 1e6))
    # ~30 ms each (the lock: what the holder had left of its 30 ms)
    if not 10e6 <= got <= 300e6:
        bad.append(w)
assert not bad, "missing or wrong: %s" % bad
PYEOF

echo "FLAMEPRE_EVENTS=wall,cpu writes both files"
OUT2=$TMP/out2
FLAMEPRE_EVENTS=wall,cpu profile "$OUT2" wallcpu "$EX/wall_states" "$TMP/measured2" 0.25
[ "$(cat "$TMP/wallcpu.rc")" = 0 ] || { show_head "$TMP/wallcpu.err"; fail "exit $(cat "$TMP/wallcpu.rc")"; }
one_file "$OUT2" 'wall_states.[0-9]*.wall.folded' >/dev/null || exit 1
one_file "$OUT2" 'wall_states.[0-9]*.cpu.folded' >/dev/null || exit 1
echo "ok"
