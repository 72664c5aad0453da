#!/bin/bash
# Render benchmark (issue 3): flamepre's renderer against the speed of
# reading the file at all, measured side by side in one run.
#
# Input: bench/gen_folded.py's default file (200,000 distinct stacks, ~90 MB,
# C++-style names, seed 1), generated once into build/bench/ and reused while
# the generator is unchanged. Commands, run in rotating order within each of
# REPS repetitions (medians reported):
#   awk        awk '{s+=$NF} END{print s}' FILE     (the floor: read + split)
#   svg        build/flamepre render FILE -o x.svg
#   html       build/flamepre render FILE -o x.html (when HTML output exists)
#   fgpl       flamegraph.pl FILE > x.svg           (when FLAMEGRAPH_PL or
#              flamegraph.pl in PATH is found; Debian has no package for it)
# Wall time: date +%s%N around each run; peak RSS: /usr/bin/time -f %M.
# Goals (issue 3): svg <= 2x awk, html <= svg, flamegraph.pl >= 30x svg time
# and >= 3x svg memory. Prints a table and the ratios; exits 1 if a run
# fails, never because a goal is missed (the ratios are reported instead).
#
#   bench/render.sh                 REPS=5
#   BENCH_REPS=3 bench/render.sh
#   FLAMEGRAPH_PL=~/FlameGraph/flamegraph.pl bench/render.sh
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
REPS=${BENCH_REPS:-5}
CLI=$ROOT/build/flamepre
TIME=/usr/bin/time
AWK=${AWK:-awk}
[ "$REPS" -ge 3 ] || { echo "bench/render.sh: BENCH_REPS must be >= 3" >&2; exit 1; }
for f in "$CLI" "$TIME"; do
    [ -x "$f" ] || { echo "bench/render.sh: $f is missing (make cli; apt-get install time)" >&2; exit 1; }
done

DATA=$ROOT/build/bench
mkdir -p "$DATA"
IN=$DATA/render-200k.folded
STAMP=$DATA/render-200k.sha
gen_sum=$(sha256sum bench/gen_folded.py | cut -d' ' -f1)
if [ ! -s "$IN" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$gen_sum" ]; then
    echo "generating $IN (bench/gen_folded.py, seed 1)..."
    python3 bench/gen_folded.py -o "$IN.tmp"
    mv "$IN.tmp" "$IN"
    echo "$gen_sum" >"$STAMP"
fi
SIZE=$(stat -c %s "$IN")
LINES=$(wc -l <"$IN")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/flamepre-bench-render.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
for v in $(env | sed -n 's/^\(FLAMEPRE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

cmds=(awk svg)
# HTML output: present once `render -o x.html` is implemented.
printf 'a;b 1\n' >"$TMP/probe.folded"
if "$CLI" render "$TMP/probe.folded" -o "$TMP/probe.html" >/dev/null 2>&1 && [ -s "$TMP/probe.html" ]; then
    cmds+=(html)
else
    echo "note: flamepre render -o x.html not available; HTML not measured"
fi
FGPL=${FLAMEGRAPH_PL:-$(command -v flamegraph.pl || true)}
if [ -n "$FGPL" ] && [ -x "$FGPL" ]; then
    cmds+=(fgpl)
else
    echo "note: flamegraph.pl not found (set FLAMEGRAPH_PL=path); not measured"
fi

# run NAME REP: one measured run; appends "name rep seconds maxrss_kb".
run() {
    local name=$1 rep=$2 out=$TMP/out.$1
    local -a cmd
    case $name in
        awk)  cmd=("$AWK" '{s+=$NF} END{print s}' "$IN") ;;
        svg)  cmd=("$CLI" render "$IN" -o "$out.svg") ;;
        html) cmd=("$CLI" render "$IN" -o "$out.html") ;;
        fgpl) cmd=("$FGPL" "$IN") ;;
    esac
    local t0 t1
    t0=$(date +%s%N)
    if ! "$TIME" -f '%M' -o "$TMP/rss" "${cmd[@]}" >"$out.stdout" 2>"$out.stderr"; then
        echo "bench/render.sh: $name failed:" >&2
        tail -n 5 "$out.stderr" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    echo "$name $rep $(( (t1 - t0) / 1000 )) $(tail -n 1 "$TMP/rss")" >>"$TMP/results"
    rm -f "$out.svg" "$out.html"
}

echo "input: $IN ($LINES stacks, $((SIZE / 1000000)) MB); $REPS repetitions, rotating order"
# Warm the page cache so the first command does not pay for the disk.
cat "$IN" >/dev/null
: >"$TMP/results"
n=${#cmds[@]}
for ((rep = 0; rep < REPS; rep++)); do
    for ((i = 0; i < n; i++)); do
        run "${cmds[(rep + i) % n]}" "$rep"
    done
done

# Medians and ratios.
python3 - "$TMP/results" "${cmds[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
names = sys.argv[2:]
t = {n: statistics.median(int(r[2]) / 1e6 for r in rows if r[0] == n) for n in names}
m = {n: statistics.median(int(r[3]) / 1024 for r in rows if r[0] == n) for n in names}
label = {"awk": "awk '{s+=$NF}'", "svg": "flamepre render -o .svg",
         "html": "flamepre render -o .html", "fgpl": "flamegraph.pl"}
print("%-28s %10s %12s" % ("command", "median s", "peak RSS MB"))
for n in names:
    print("%-28s %10.3f %12.1f" % (label[n], t[n], m[n]))
print()
def ratio(what, a, b, goal):
    print("%-44s %7.2f   (goal %s)" % (what, a / b, goal))
ratio("svg time / awk time", t["svg"], t["awk"], "<= 2")
if "html" in t:
    ratio("html time / svg time", t["html"], t["svg"], "<= 1")
    ratio("html time / awk time", t["html"], t["awk"], "<= 2")
if "fgpl" in t:
    ratio("flamegraph.pl time / svg time", t["fgpl"], t["svg"], ">= 30")
    ratio("flamegraph.pl RSS / svg RSS", m["fgpl"], m["svg"], ">= 3")
else:
    # The issue's reference numbers for flamegraph.pl on such a file.
    ratio("flamegraph.pl reference 7.0 s / svg time", 7.0, t["svg"], ">= 30")
    ratio("flamegraph.pl reference 226 MB / svg RSS", 226.0, m["svg"], ">= 3")
PY
