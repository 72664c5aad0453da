#!/bin/sh
# `make demo`: profile the examples with `flamepre record` and render their
# flame graphs into flamepre-demo/ at the top of the repository.
#
#   cpu/        cpu_hotspot (frame pointers, FLAMEPRE_UNWIND=fp), 999 Hz:
#               five threads, burn_a/burn_b/burn_c split 50/30/20 by design
#   cpu-nofp/   the same program built -fomit-frame-pointer, unwound with dwarf
#   alloc/      alloc_sites: three call sites with 60/30/10% of the bytes and a
#               deliberate leak (alloc_bytes, alloc_count, live_bytes)
#   lock/       lock_contention: four threads contending on known sites
#               (lock_ns, lock_count)
#   io/         io_sites: file, pipe, socket and fsync I/O (io_ns, io_bytes)
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=$ROOT/flamepre-demo
CLI=$ROOT/build/flamepre
EX=$ROOT/build/examples
for f in "$CLI" "$ROOT/build/libflamepre.so" "$EX/cpu_hotspot" "$EX/cpu_hotspot-nofp" \
    "$EX/alloc_sites" "$EX/lock_contention" "$EX/io_sites"; do
    [ -e "$f" ] || { echo "demo: $f is missing: run 'make all examples' first" >&2; exit 1; }
done
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== flamepre record -F 999 -- cpu_hotspot 3 (frame pointers)" >&2
FLAMEPRE_UNWIND=fp "$CLI" record -F 999 -o "$OUT/cpu" -- "$EX/cpu_hotspot" 3 2 1
echo >&2
echo "== flamepre record -F 999 -- cpu_hotspot-nofp 3 (no frame pointers, FLAMEPRE_UNWIND=dwarf)" >&2
FLAMEPRE_UNWIND=dwarf "$CLI" record -F 999 -o "$OUT/cpu-nofp" -- "$EX/cpu_hotspot-nofp" 3 2 1

echo >&2
echo "== flamepre record -e alloc -- alloc_sites" >&2
"$CLI" record -e alloc -o "$OUT/alloc" -- "$EX/alloc_sites"
echo >&2
echo "== flamepre record -e lock -- lock_contention" >&2
"$CLI" record -e lock -o "$OUT/lock" -- "$EX/lock_contention"
echo >&2
echo "== flamepre record -e io -- io_sites" >&2
IO_TMP=$(mktemp -d "${TMPDIR:-/tmp}/flamepre-demo.XXXXXX")
"$CLI" record -e io -o "$OUT/io" -- "$EX/io_sites" "$IO_TMP"
rm -rf "$IO_TMP"

echo >&2
echo "Flame graphs (open in a browser; click to zoom, Ctrl-F to search):" >&2
found=0
for f in "$OUT"/*/*.svg; do
    [ -f "$f" ] || continue
    echo "  $f" >&2
    found=1
done
[ $found = 1 ] || { echo "demo: no graphs were rendered" >&2; exit 1; }
echo "Folded stacks and meta.json are next to them, in $OUT/" >&2
