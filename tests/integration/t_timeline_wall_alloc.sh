#!/bin/bash
# The timeline's allocations and wall states, and diff of two time ranges.
# examples/alloc_burst allocates only in burst(), for the first 200 ms of
# every 2 s, and sleeps in one nanosleep() the other 1.8 s. Recorded with
# FLAMEPRE_EVENTS=alloc,wall,cpu and FLAMEPRE_TIMELINE=1:
#   - the timeline has the alloc_bytes and wall metrics; its whole-run
#     alloc_bytes total matches alloc_bytes.folded within 5%, with the same
#     stacks; nothing was lost;
#   - the alloc range graph of a burst window is dominated by burst()
#     (>= 90%), and a sleep window holds no allocation;
#   - the wall range graph of a sleep window is mostly [sleep] (>= 90%,
#     under rest;nanosleep: a wait's time is spread over its duration), and
#     a burst window's is mostly [cpu];
#   - the wall timeline's [cpu], [sleep] totals are wall.folded's (it has
#     no [runnable]/[other]: those have no time);
#   - diff of a burst window (AFTER) and an idle window (BEFORE) of one
#     examples/burst timeline (--from1/--to1, --from2/--to2) names burst as
#     the frame that grew; so does the same across two files.
. "$(dirname "$0")/lib.sh"
need_lib
need_example alloc_burst
need_example burst
[ -x "$CLI" ] || fail "$CLI not built (make cli)"

FLAMEPRE_TIMELINE=1 FLAMEPRE_EVENTS=alloc,wall,cpu profile "$TMP/o" a "$EX/alloc_burst" 4.5
[ "$(cat "$TMP/a.rc")" = 0 ] || fail "exit status $(cat "$TMP/a.rc"): $(cat "$TMP/a.err")"
grep -qx 'alloc_burst: done' "$TMP/a.out" || fail "stdout changed: $(cat "$TMP/a.out")"
T=$(one_file "$TMP/o" 'alloc_burst.*.timeline') || exit 1
A=$(one_file "$TMP/o" 'alloc_burst.*.alloc_bytes.folded') || exit 1
W=$(one_file "$TMP/o" 'alloc_burst.*.wall.folded') || exit 1
M=$(one_file "$TMP/o" 'alloc_burst.*.meta.json') || exit 1
"$PY" - "$M" <<'PY' || fail "meta.json's timeline entry is wrong"
import json, sys
t = json.load(open(sys.argv[1]))["timeline"]
print("    meta.json timeline:", t)
assert t["lost"] == 0 and t["events"] >= 100
PY

# compare FOLDED TIMELINE-METRIC: the timeline's whole run of that metric
# against the folded file: every timeline stack is one of the file's, and
# (alloc_bytes) the totals agree within 5%, or (wall) the totals of the
# timed states [cpu] and [sleep] are equal and no untimed state is there
compare() {
    "$CLI" convert "$T" --metric "$2" --to folded >"$TMP/tl_$2.folded" || fail "convert --metric $2 failed"
    "$PY" - "$1" "$TMP/tl_$2.folded" "$2" <<'PY' || fail "the timeline's $2 differs from $(basename "$1")"
import sys
def load(p):
    d = {}
    for line in open(p):
        s, _, w = line.rstrip("\n").rpartition(" ")
        d[s] = d.get(s, 0) + int(w)
    return d
f, t = load(sys.argv[1]), load(sys.argv[2])
assert set(t) <= set(f), "timeline stacks not in the folded file: %s" % sorted(set(t) - set(f))[:3]
if sys.argv[3] == "alloc_bytes":
    tf, tt = sum(f.values()), sum(t.values())
    print("    alloc_bytes.folded %d bytes, timeline %d bytes (%.2f%%)" % (tf, tt, 100.0 * tt / max(tf, 1)))
    assert tf > 0, "no allocation recorded"
    assert abs(tt - tf) <= 0.05 * tf, "totals differ by more than 5%"
else:
    def state(d, st):
        return sum(w for s, w in d.items() if s.endswith(";[%s]" % st))
    for st in ("cpu", "sleep"):
        print("    [%s]: wall.folded %d ns, timeline %d ns" % (st, state(f, st), state(t, st)))
        assert state(f, st) > 0 and state(t, st) == state(f, st), st
    assert not any(s.endswith(("[runnable]", "[other]")) for s in t), "untimed states in the timeline"
PY
}
compare "$A" alloc_bytes
compare "$W" wall

# share of a function (or a state frame) in a range of a metric
share() {
    local fn=$1
    shift
    "$CLI" top "$T" -n 100 --format csv "$@" >"$TMP/share.csv" || fail "top $* failed"
    "$PY" - "$TMP/share.csv" "$fn" <<'PY'
import csv, sys
pct = {r["function"]: float(r["total_pct"]) for r in csv.DictReader(open(sys.argv[1]))}
print("%.1f" % pct.get(sys.argv[2], 0))
PY
}
# (top's header: "FILE: total 1.23 GiB, metric alloc_bytes")
total_of() {
    "$CLI" top "$T" -n 1 "$@" >"$TMP/total.txt" || fail "top $* failed"
    sed -n 's/.*: total \(.*\), metric .*/\1/p' "$TMP/total.txt"
}
ab=$(share burst --metric alloc --from 2.02 --to 2.18)
an=$(total_of --metric alloc_bytes --from 0.5 --to 1.5)
aw=$(total_of --metric alloc_bytes --from 2.02 --to 2.18)
note "alloc: burst is $ab% of the window 2.02-2.18 s ($aw); 0.5-1.5 s holds ${an:-?}"
awk -v b="$ab" 'BEGIN {exit !(b >= 90)}' || fail "burst is $ab% of a burst window's allocations"
[ "$an" = "0 B" ] || fail "allocations while sleeping: ${an:-no total}"

ws=$(share '[sleep]' --metric wall --from 0.5 --to 1.5)
wn=$(share nanosleep --metric wall --from 0.5 --to 1.5)
wc=$(share '[cpu]' --metric wall --from 2.02 --to 2.18)
note "wall: [sleep] is $ws% of 0.5-1.5 s (nanosleep $wn%), [cpu] $wc% of 2.02-2.18 s"
awk -v s="$ws" 'BEGIN {exit !(s >= 90)}' || fail "[sleep] is $ws% of a sleep window"
awk -v s="$wn" 'BEGIN {exit !(s >= 90)}' || fail "nanosleep is $wn% of a sleep window"
awk -v s="$wc" 'BEGIN {exit !(s >= 60)}' || fail "[cpu] is $wc% of a burst window"
"$CLI" render "$T" --metric wall --from 0.5 --to 1.5 -o "$TMP/sleep.svg" || fail "render --metric wall failed"
grep -q '\[sleep\]' "$TMP/sleep.svg" || fail "the sleep window's graph does not name [sleep]"

# diff of two ranges of one timeline, and of two files
FLAMEPRE_TIMELINE=1 FLAMEPRE_HZ=499 profile "$TMP/b" b "$EX/burst" 4.5
[ "$(cat "$TMP/b.rc")" = 0 ] || fail "burst: exit status $(cat "$TMP/b.rc")"
B=$(one_file "$TMP/b" 'burst.*.timeline') || exit 1
cp "$B" "$TMP/copy.timeline"
gainer() {
    "$CLI" diff "$@" -o "$TMP/d.svg" || fail "diff $* failed"
    "$PY" - "$TMP/d.svg" <<'PY'
import re, sys
best = None
for name, pp in re.findall(r"<title>([^\n<]*)\n(?:[^<]*\n)*?delta: ([-+][0-9.]+) pp", open(sys.argv[1]).read()):
    if not name.startswith("[") and (best is None or float(pp) > best[1]):
        best = (name, float(pp))
print("%s %+.1f" % best if best else "none")
PY
}
g1=$(gainer "$B" "$B" --from1 1.02 --to1 1.18 --from2 2.02 --to2 2.18)
g2=$(gainer "$B" "$TMP/copy.timeline" --from 0.5 --to 1.5 --from2 4.02 --to2 4.18)
g0=$(gainer "$B" "$B" --from 1.02 --to 1.18)
note "diff idle window -> burst window: grew most: $g1; across two files: $g2; one range both sides: $g0"
[ "${g1%% *}" = burst ] || fail "diff of two ranges: $g1 grew most, expected burst"
[ "${g2%% *}" = burst ] || fail "diff of two files' ranges: $g2 grew most, expected burst"
case "$g0" in burst*) fail "the same range on both sides: burst grew ($g0)" ;; esac
"$CLI" diff "$B" "$B" --from1 2 --to1 1 -o "$TMP/x.svg" 2>"$TMP/x.err"
[ $? = 2 ] || fail "--to1 before --from1 was accepted"
"$CLI" render "$B" --from1 1 -o "$TMP/x.svg" 2>/dev/null
[ $? = 2 ] || fail "render accepted --from1"
exit 0
