#!/bin/bash
# FLAMEPRE_TIMELINE=1: examples/burst runs burst() for the first 200 ms of
# every 2 s and steady() (~85-90% busy) the rest of the time. The .timeline it leaves is
# small (<= 16 bytes a sample), holds every CPU sample of cpu.folded, and
# a time range of it is a profile: `top --from --to` of the bands is
# dominated by burst (>= 60%), the whole run is not (<= 15%). With
# FLAMEPRE_FLUSH the running process's snapshot timeline is a whole file
# too; lock and I/O waits are in it (their totals are the folded files');
# without FLAMEPRE_TIMELINE no .timeline is written. A forged or cut
# timeline is refused with exit 2.
. "$(dirname "$0")/lib.sh"
need_lib
need_example burst
[ -x "$CLI" ] || fail "$CLI not built (make cli)"

FLAMEPRE_TIMELINE=1 FLAMEPRE_HZ=499 profile "$TMP/o" b "$EX/burst" 6
[ "$(cat "$TMP/b.rc")" = 0 ] || fail "exit status $(cat "$TMP/b.rc"): $(cat "$TMP/b.err")"
grep -qx 'burst: done' "$TMP/b.out" || fail "stdout changed: $(cat "$TMP/b.out")"
T=$(one_file "$TMP/o" 'burst.*.timeline') || exit 1
F=$(one_file "$TMP/o" 'burst.*.cpu.folded') || exit 1
folded=$(awk '{s += $NF} END {print s + 0}' "$F")
bytes=$(stat -c %s "$T")
note "timeline $bytes bytes; cpu.folded $folded samples"
[ "$folded" -ge 300 ] || fail "too few samples: $folded"
[ "$bytes" -le $((16 * folded + 4096)) ] || fail "timeline too big: $bytes bytes for $folded samples"
M=$(one_file "$TMP/o" 'burst.*.meta.json') || exit 1
"$PY" - "$M" "$(basename "$T")" "$folded" <<'PY' || fail "meta.json's timeline entry is wrong"
import json, sys
t = json.load(open(sys.argv[1]))["timeline"]
print("    meta.json timeline:", t)
assert t["file"] == sys.argv[2] and t["lost"] == 0 and t["events"] >= 1
PY

# the whole timeline is the folded file's profile
"$CLI" top "$T" -n 1 --format csv >"$TMP/all.csv" || fail "top of the timeline failed"
total=$("$CLI" top "$T" -n 1 | sed -n 's/.*: total \([0-9,]*\) samples.*/\1/p' | tr -d ,)
[ -n "$total" ] && [ "$total" = "$folded" ] || fail "timeline total $total, cpu.folded $folded"

# share of burst in a range (whole run: no --from/--to)
share() {
    "$CLI" top "$T" -n 50 --format csv "$@" >"$TMP/share.csv" || fail "top $* failed"
    "$PY" - "$TMP/share.csv" <<'PY'
import csv, sys
pct = {r["function"]: float(r["total_pct"]) for r in csv.DictReader(open(sys.argv[1]))}
print("%.1f" % pct.get("burst", 0))
PY
}
head -2 "$TMP/all.csv" | sed 's/^/    | /'
samples() {
    "$CLI" top "$T" -n 1 "$@" | sed -n 's/.*: total \([0-9,]*\) samples.*/\1/p' | tr -d ,
}
all=$(share)
b0=$(share --from 0.02 --to 0.18)
b1=$(share --from 2.02 --to 2.18)
b2=$(share --from 4.02 --to 4.18)
off=$(share --from 0.5 --to 1.5)
note "burst share: whole run $all%, bands $b0% $b1% $b2%, between bands $off%"
awk -v a="$all" 'BEGIN {exit !(a <= 15)}' || fail "burst is $all% of the whole run (expected <= 15%)"
for b in "$b0" "$b1" "$b2"; do
    awk -v b="$b" 'BEGIN {exit !(b >= 60)}' || fail "burst is $b% of a band (expected >= 60%)"
done
awk -v o="$off" 'BEGIN {exit !(o <= 5)}' || fail "burst is $o% between bands"
# (how much busier the bands are than steady() depends on the machine's
# load: a contended CPU evens out a 90% and a 100% busy thread, so only
# the shares above are asserted)
inb=0 outb=0
for k in 0 2 4; do
    inb=$((inb + $(samples --from $k.02 --to $k.18)))
    outb=$((outb + $(samples --from $((k + 1)).02 --to $((k + 1)).18)))
done
note "samples in the three bands: $inb, in as long a time one second later: $outb"
"$CLI" render "$T" --from 2 --to 2.2 -o "$TMP/band.svg" || fail "render --from --to failed"
grep -q '>burst' "$TMP/band.svg" || grep -q 'burst (' "$TMP/band.svg" || fail "the band's graph does not name burst"
"$CLI" render "$T" --from 3 --to 2 -o "$TMP/x.svg" 2>"$TMP/x.err"
[ $? = 2 ] || fail "--to before --from was accepted"

# forged and cut files: exit 2, one line
head -c $((bytes / 2)) "$T" >"$TMP/cut.timeline"
"$CLI" render "$TMP/cut.timeline" -o "$TMP/x.svg" 2>"$TMP/x.err"
[ $? = 2 ] || fail "a cut timeline was accepted"
note "cut file: $(cat "$TMP/x.err")"
printf 'a;b 1\n' >"$TMP/text.timeline"
"$CLI" top "$TMP/text.timeline" >/dev/null 2>"$TMP/x.err"
[ $? = 2 ] || fail "a text file named .timeline was accepted"

# snapshots: the running process's timeline is whole and grows
FLAMEPRE_TIMELINE=1 FLAMEPRE_FLUSH=1s profile "$TMP/s" s "$EX/burst" 3 &
sleep 2
S=$(ls "$TMP"/s/burst.*.timeline 2>/dev/null | head -1)
[ -n "$S" ] || { wait; fail "no snapshot timeline after 2 s"; }
cp "$S" "$TMP/snap.timeline"
wait
"$CLI" top "$TMP/snap.timeline" -n 1 >"$TMP/snap.txt" || fail "the snapshot timeline is not whole"
snap=$(sed -n 's/.*: total \([0-9,]*\) samples.*/\1/p' "$TMP/snap.txt" | tr -d ,)
end=$("$CLI" top "$S" -n 1 | sed -n 's/.*: total \([0-9,]*\) samples.*/\1/p' | tr -d ,)
note "snapshot: $snap samples, at the end: $end"
[ "$snap" -gt 0 ] && [ "$end" -gt "$snap" ] || fail "snapshot $snap, end $end samples"

# waits: every recorded lock and I/O wait is in the timeline with its time,
# and its metric's range totals are the folded files' totals
need_example io_sites
need_example lock_contention
mkdir -p "$TMP/scratch"
FLAMEPRE_TIMELINE=1 FLAMEPRE_EVENTS=cpu,io FLAMEPRE_WAIT_SAMPLE=0 profile "$TMP/w" io "$EX/io_sites" "$TMP/scratch"
FLAMEPRE_TIMELINE=1 FLAMEPRE_EVENTS=lock FLAMEPRE_WAIT_SAMPLE=0 profile "$TMP/w" lk "$EX/lock_contention" 3 30
for m in io_ns lock_ns; do
    for W in "$TMP"/w/*.$m.folded; do
        want=$(awk '{s += $NF} END {print s + 0}' "$W")
        got=$("$CLI" convert "${W%.$m.folded}.timeline" --metric $m --to folded |
            awk '{s += $NF} END {print s + 0}')
        note "$(basename "$W"): $want ns; timeline --metric $m: ${got:-nothing}"
        [ "$want" -gt 0 ] || fail "$(basename "$W") recorded no waits"
        [ "$got" = "$want" ] || fail "timeline $m total $got, folded $want"
    done
done
# the pipe reads of io_sites (50 x 2 ms) all happen within its run
first=$("$CLI" top "$TMP"/w/io_sites.*.timeline --metric io_ns --to 30 -n 1 --format csv | awk -F, 'NR == 2 {print $4}')
[ -n "$first" ] && [ "$first" -gt 0 ] || fail "no I/O wait in the first 30 s of io_sites"

# off by default
profile "$TMP/n" n "$EX/burst" 0.3
[ -z "$(ls "$TMP"/n/*.timeline 2>/dev/null)" ] || fail "a timeline without FLAMEPRE_TIMELINE"
exit 0
