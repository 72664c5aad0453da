#!/bin/sh
# `flamepre heatmap` in headless Chromium (tests/browser/heatmap_test.js):
# examples/burst (burst() for 200 ms of every 2 s) recorded with
# FLAMEPRE_TIMELINE=1; the mouse selects the cells of one band and the
# range's flame graph beside the heatmap names burst (>= 60% of it); a
# shift-selected second range gives the differential graph; a synthetic
# 1-hour, 2-thread, 99 Hz timeline's page is ready in under 2 s; the page
# of examples/alloc_burst (FLAMEPRE_EVENTS=alloc,wall,cpu) switches to the
# alloc_bytes metric, whose band graphs burst, and to wall with the [sleep]
# state, whose graph between bands is nanosleep.
# Screenshots: build/artifacts/heatmap-band.png, heatmap-diff.png,
# heatmap-alloc.png, heatmap-wall-sleep.png.
# Installs what is missing (need_browser in lib.sh); SKIP (exit 0) only
# when chromium or node cannot be installed.
. "$(dirname "$0")/lib.sh"
need_lib
need_example burst
need_example alloc_burst
[ -x "$CLI" ] || fail "$CLI not built (make cli)"
ART=$ROOT/build/artifacts
mkdir -p "$ART"
need_browser

FLAMEPRE_TIMELINE=1 FLAMEPRE_HZ=499 profile "$TMP/o" b "$EX/burst" 4.5
[ "$(cat "$TMP/b.rc")" = 0 ] || fail "exit status $(cat "$TMP/b.rc"): $(cat "$TMP/b.err")"
T=$(one_file "$TMP/o" 'burst.*.timeline') || exit 1
"$CLI" heatmap "$T" -o "$TMP/burst.html" || fail "flamepre heatmap failed"
FLAMEPRE_TIMELINE=1 FLAMEPRE_EVENTS=alloc,wall,cpu profile "$TMP/a" a "$EX/alloc_burst" 4.5
[ "$(cat "$TMP/a.rc")" = 0 ] || fail "alloc_burst: exit status $(cat "$TMP/a.rc"): $(cat "$TMP/a.err")"
TA=$(one_file "$TMP/a" 'alloc_burst.*.timeline') || exit 1
"$CLI" heatmap "$TA" -o "$TMP/alloc.html" || fail "flamepre heatmap (alloc_burst) failed"
"$PY" "$HERE/gen_timeline.py" "$TMP/big.timeline" 3600 2 99 || fail "cannot write the synthetic timeline"
"$CLI" heatmap "$TMP/big.timeline" -o "$TMP/big.html" || fail "flamepre heatmap (1 hour) failed"
note "1 hour, 2 threads, 99 Hz: timeline $(stat -c %s "$TMP/big.timeline") bytes, page $(stat -c %s "$TMP/big.html") bytes"
# 50 rows a second: rows 1-8 of second 2 are 2.02-2.18 s (the band),
# rows 25-40 of second 1 are 1.5-1.8 s (steady only); of alloc_burst,
# rows 10-40 of second 1 are 1.2-1.8 s (asleep)
timeout 60 node "$BR/heatmap_test.js" --page "$TMP/burst.html" --band 2:1:8 --off 1:25:40 \
    --big "$TMP/big.html" --artifacts "$ART" --chromium "$CHROMIUM" \
    --alloc "$TMP/alloc.html" --alloc-band 2:1:8 --sleep 1:10:40 || fail "heatmap browser checks failed"
echo "screenshots: $ART/heatmap-band.png $ART/heatmap-diff.png $ART/heatmap-alloc.png $ART/heatmap-wall-sleep.png"
