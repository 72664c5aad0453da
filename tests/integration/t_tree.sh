#!/bin/sh
# `flamepre record` of a process tree: each process gets its own files
# (written by record itself, the collector of the tree), plus
# <name>.tree.<metric>.folded, in which every stack is rooted at
# [<comm> pid=<pid>] under its parent's frames, holding exactly the sum of
# the per-process profiles.
. "$(dirname "$0")/lib.sh"
need_lib
need_example cpu_hotspot
timeout "$TMO" "$CLI" record -F 499 --no-render -o "$TMP/r" -- \
    sh -c "\"$EX/cpu_hotspot\" 0.3 1 0 >/dev/null; \"$EX/cpu_hotspot\" 0.3 1 0 >/dev/null" \
    >"$TMP/r.out" 2>"$TMP/r.err" || { show_head "$TMP/r.err"; fail "record failed"; }
T=$(one_file "$TMP/r" 'sh.tree.cpu.folded') || exit 1
"$PY" - "$TMP/r" "$T" <<'PYEOF' || fail "tree profile wrong"
import glob, json, os, re, sys
d, tree = sys.argv[1], sys.argv[2]
procs = {}
for m in glob.glob(os.path.join(d, "*.meta.json")):
    j = json.load(open(m))
    assert j["collector"] == "process", (m, j["collector"])
    procs[m[:-len(".meta.json")]] = j
roots = [p for p, j in procs.items() if j["comm"] == "sh"]
assert len(roots) == 1, roots
sh = procs[roots[0]]
per = 0
for p, j in procs.items():
    f = p + ".cpu.folded"
    if os.path.exists(f):
        per += sum(int(l.rsplit(" ", 1)[1]) for l in open(f) if l.strip())
hot = [j for j in procs.values() if j["comm"] == "cpu_hotspot"]
assert len(hot) == 2, [j["comm"] for j in procs.values()]
total, under = 0, 0
pat = re.compile(r"^\[sh pid=%d\];\[cpu_hotspot pid=(\d+)\];" % sh["pid"])
kids = set()
for l in open(tree):
    stack, n = l.rstrip("\n").rsplit(" ", 1)
    total += int(n)
    m = pat.match(stack)
    if m:
        under += int(n)
        kids.add(int(m.group(1)))
print("  tree total %d, per-process sum %d, under [sh]->[cpu_hotspot] %d, children %s"
      % (total, per, under, sorted(kids)))
assert total == per, (total, per)
assert kids == {j["pid"] for j in hot}, kids
assert under >= 0.8 * total, (under, total)
PYEOF

# A tree that recorded nothing still gets its tree file, as each of its
# processes gets its own (it had none: a reader could not tell "no samples"
# from "no tree").
echo "record of a tree with no samples: empty tree file"
timeout "$TMO" "$CLI" record -o "$TMP/empty" --no-render -- sh -c '/bin/true; exit 7' \
    >"$TMP/e.out" 2>"$TMP/e.err"
rc=$?
[ $rc = 7 ] || { cat "$TMP/e.err"; fail "record's exit status $rc, want 7"; }
[ -f "$TMP/empty/sh.tree.cpu.folded" ] || fail "no sh.tree.cpu.folded: $(ls "$TMP/empty")"
[ ! -s "$TMP/empty/sh.tree.cpu.folded" ] || fail "the empty tree's file holds stacks"
