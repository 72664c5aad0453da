#!/bin/sh
# Headless Chromium test of the interactive graphs: renders
# tests/golden/in/app.4242.cpu.folded with build/flamepre, opens the SVG in
# Debian's chromium driven by playwright-core, and the HTML graph too (tests/browser/browser_test.js:
# search via "/" and Ctrl-F with the "Matched: X%" checked against the folded
# input, click-to-zoom, ancestors dimmed, reset; a graph with one stack far
# deeper than the rest opens sized to the others and grows on zoom) and keeps PNG screenshots in
# build/artifacts/. Installs what is missing (need_browser in lib.sh: apt-get chromium, npm
# playwright-core; never a browser download). SKIP (exit 0) only when
# chromium or node cannot be installed; any failure after that fails.
. "$(dirname "$0")/lib.sh"
[ -x "$CLI" ] || fail "$CLI not built (make cli)"
ART=$ROOT/build/artifacts
need_browser

IN=$ROOT/tests/golden/in/app.4242.cpu.folded
echo "render $IN"
"$CLI" render "$IN" -o "$TMP/graph.svg" || fail "flamepre render failed"
"$CLI" render "$ROOT/tests/golden/in/hostile.folded" -o "$TMP/hostile.svg" ||
    fail "flamepre render (hostile names) failed"
"$CLI" render "$IN" -o "$TMP/graph.html" || fail "flamepre render -o .html failed"
# deep outliers: 999 stacks 3 frames deep, one 300 deep
"$PY" -c 'print("\n".join("main;work;f%d 1" % k for k in range(999))); print(";".join("d%d" % k for k in range(300)) + " 1")' \
    >"$TMP/deep.folded" || fail "cannot write deep.folded"
"$CLI" render "$TMP/deep.folded" -o "$TMP/deep.svg" || fail "flamepre render (deep) failed"
"$CLI" render "$TMP/deep.folded" -o "$TMP/deep.html" || fail "flamepre render -o .html (deep) failed"
timeout 90 node "$BR/browser_test.js" --svg "$TMP/graph.svg" --folded "$IN" \
    --hostile "$TMP/hostile.svg" --html "$TMP/graph.html" \
    --deep-svg "$TMP/deep.svg" --deep-html "$TMP/deep.html" \
    --artifacts "$ART" --chromium "$CHROMIUM" || fail "browser checks failed"
echo "screenshots: $ART/browser-svg-zoom-search.png $ART/browser-svg.png $ART/browser-html-zoom-search.png"
