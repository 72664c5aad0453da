#!/bin/bash
# The symbolizer's throughput with inlined frames off and on (issue 12):
# bench/symbolize_bench.c (built here through make) on the example with
# inlined code (examples/inline_hot.c, -O2 -g), libc (whose DWARF is the
# separate debug file of libc6-dbg, by build-id, when installed), python3
# and cc1 (DWARF only where their -dbgsym packages are installed; otherwise
# these rows show what looking for it costs). Per module, median of REPS
# cold runs: ms for the module (its first address: symbol table, debug
# file, first CU) and ms per 10k addresses drawn uniformly from its code,
# which touches every CU (a profile's addresses bunch up in a few: this is
# the dear end). "x names" = per-10k time / the names-only time;
# "inlined" = addresses that gained inlined frames.
#
#   BENCH_REPS=5 BENCH_ADDRS=10000 bench/symbolize.sh
set -eu
cd "$(dirname "$0")/.."
REPS=${BENCH_REPS:-5}
N=${BENCH_ADDRS:-10000}
make -s build/bench/symbolize_bench build/examples/inline_hot >&2
mods=(build/examples/inline_hot)
libc=$(ldd build/examples/inline_hot | awk '/libc\.so/ {print $3}')
[ -n "$libc" ] && mods+=("$(readlink -f "$libc")")
py=/usr/bin/python3  # the Debian binary, not a pyenv shim
[ -x "$py" ] || py=$(command -v python3 || true)
[ -n "$py" ] && mods+=("$(readlink -f "$py")")
cc1=$(gcc -print-prog-name=cc1 2>/dev/null || true)
[ -x "$cc1" ] && mods+=("$(readlink -f "$cc1")")
for m in "${mods[@]}"; do
    dw=no
    readelf -S "$m" 2>/dev/null | grep -q '\.debug_info' && dw=yes
    bid=$(readelf -n "$m" 2>/dev/null | awk '/Build ID/ {print $3}')
    [ -n "$bid" ] && [ -f "/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug" ] && dw="separate (build-id)"
    echo "# $m: DWARF $dw"
done
echo "# $N addresses, median of $REPS cold runs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
build/bench/symbolize_bench -n "$N" -r "$REPS" "${mods[@]}"

# End to end: `flamepre record -F 999 --no-render -- sort` of 400k lines (a
# program whose samples are mostly in libc), FLAMEPRE_INLINE=0 and =1 in
# alternating order, median wall time of REPS runs each (the collector,
# which symbolizes, is record itself).
TMP=$(mktemp -d "${TMPDIR:-/tmp}/flamepre-symb.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
seq 1 400000 | awk 'BEGIN {srand(7)} {print rand(), $0}' >"$TMP/in.txt"
for ((r = 1; r <= REPS; r++)); do
    for v in 0 1; do
        [ $((r % 2)) = 0 ] && v=$((1 - v))
        rm -rf "$TMP/out"
        t0=$EPOCHREALTIME
        FLAMEPRE_INLINE=$v build/flamepre record -F 999 --no-render -o "$TMP/out" -- \
            sort -S 512M --parallel=1 -o /dev/null "$TMP/in.txt" 2>/dev/null
        t1=$EPOCHREALTIME
        inl=$(cat "$TMP"/out/sort.[0-9]*.cpu.folded | grep -c 'inlined' || true)
        echo "$v $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}') $inl" >>"$TMP/e2e"
    done
done
python3 - "$TMP/e2e" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {v: statistics.median(float(w) for x, w, _ in rows if x == v) for v in "01"}
inl = max(int(i) for x, _, i in rows if x == "1")
print("\nflamepre record -F 999 -- sort (400k lines): median wall %.3f s with FLAMEPRE_INLINE=0, "
      "%.3f s with =1 (%.2fx; up to %d stacks with inlined frames)" % (med["0"], med["1"], med["1"] / med["0"], inl))
PY
