#!/bin/sh
# `flamepre convert --to pprof` read by the reference reader: `go tool pprof
# -top` (Debian golang-go) must accept the file and list the same top
# functions as `flamepre top`, for samples with a known period (cpu, two
# sample types, period from meta.json), samples without one, and bytes.
# Skips (exit 0) only when golang-go is not installed and cannot be.
. "$(dirname "$0")/lib.sh"
[ -x "$CLI" ] || fail "$CLI not built (make cli)"
if ! command -v go >/dev/null 2>&1; then
    "$ROOT/.ci/install-deps.sh" golang-go >/dev/null 2>&1 || true
fi
if ! command -v go >/dev/null 2>&1; then
    echo "SKIP: go not found and golang-go could not be installed"
    exit 0
fi
export GOCACHE="$TMP/gocache" GOPATH="$TMP/gopath" GOFLAGS=-mod=mod HOME="${HOME:-$TMP}"
IN=$ROOT/tests/golden/in

# Both tables sorted by self ("flat"); compared on the first 5 rows with a
# nonzero self (below that the two tools break ties differently); pprof
# keeps every node with -nodefraction=0. pprof shortens C++ names
# (std::vector<char>::reserve -> std::vector::reserve), so the inputs here
# have plain names at the top.
# top5 FILE: names from `go tool pprof -top`
pprof_top5() {
    go tool pprof -top -nodefraction=0 -edgefraction=0 "$1" >"$TMP/pprof.out" 2>"$TMP/pprof.err" ||
        { cat "$TMP/pprof.err"; fail "go tool pprof -top $1 failed"; }
    awk 'f && NF >= 6 && $1 != "0" { $1=$2=$3=$4=$5=""; sub(/^ +/, ""); print } /flat%/ { f=1 }' \
        "$TMP/pprof.out" | head -5
}
# flamepre_top5 FILE: the same from `flamepre top` (csv: name,self,...)
flamepre_top5() {
    "$CLI" top "$1" -n 1000 --format csv | sed 1d |
        awk -F, '{ self=$(NF-4); name=$0; sub(/,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*$/, "", name);
                   if (self != 0) print name }' |
        sed 's/^"\(.*\)"$/\1/; s/""/"/g' | head -5
}

check() {   # check FOLDED WHAT UNIT_RE
    f=$1
    out=$TMP/$(basename "$f").pb.gz
    "$CLI" convert "$f" --to pprof -o "$out" || fail "convert $f"
    a=$(pprof_top5 "$out")
    b=$(flamepre_top5 "$f")
    note "$2: pprof top 5: $(echo "$a" | tr '\n' '|')"
    [ -n "$a" ] || { cat "$TMP/pprof.out"; fail "$2: no rows in go tool pprof -top"; }
    [ "$a" = "$b" ] || { cat "$TMP/pprof.out"; fail "$2: pprof top 5 [$a] != flamepre top [$b]"; }
    grep -q "$3" "$TMP/pprof.out" || { cat "$TMP/pprof.out"; fail "$2: expected '$3' in pprof output"; }
}

# cpu with a known period: values shown as time (last sample type)
mkdir -p "$TMP/cpu"
cp "$IN/app.4242.cpu.folded" "$TMP/cpu/app.4242.cpu.folded"
printf '{"period_ns": 10000000}\n' >"$TMP/cpu/app.4242.meta.json"
check "$TMP/cpu/app.4242.cpu.folded" "cpu, period 10ms" "Type: cpu"
grep -q "of 2.05s total" "$TMP/pprof.out" ||
    { cat "$TMP/pprof.out"; fail "cpu: total should be 205 samples x 10ms = 2.05s"; }
# samples, no period
check "$IN/app.4242.cpu.folded" "cpu, no period" "Type: samples"
# bytes
check "$IN/svc.77.alloc_bytes.folded" "alloc_bytes" "Type: alloc_bytes"
grep -q "MB\|kB" "$TMP/pprof.out" || { cat "$TMP/pprof.out"; fail "alloc_bytes: no byte units"; }
# hostile names: pprof must still read the file
"$CLI" convert "$IN/hostile.folded" --to pprof -o "$TMP/h.pb.gz" || fail "convert hostile"
go tool pprof -top "$TMP/h.pb.gz" >"$TMP/h.out" 2>&1 || { cat "$TMP/h.out"; fail "pprof rejects hostile names"; }
if LC_ALL=C grep -q "$(printf '\033')" "$TMP/h.out"; then fail "ESC from a name reached pprof's output"; fi
echo "go tool pprof reads flamepre's pprof output; top functions agree"
