#!/bin/sh
# Headless Chromium test of the interactive graphs: renders
# tests/golden/in/app.4242.cpu.folded with build/flamepre, opens the SVG in
# Debian's chromium driven by playwright-core, and the HTML graph too (tests/browser/browser_test.js:
# search via "/" and Ctrl-F with the "Matched: X%" checked against the folded
# input, click-to-zoom, ancestors dimmed, reset; a graph with one stack far
# deeper than the rest opens sized to the others and grows on zoom) and keeps PNG screenshots in
# build/artifacts/. Installs what is missing (apt-get chromium, npm
# playwright-core; never a browser download). SKIP (exit 0) only when
# chromium or node cannot be installed; any failure after that fails.
. "$(dirname "$0")/lib.sh"
[ -x "$CLI" ] || fail "$CLI not built (make cli)"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
BR=$ROOT/tests/browser
ART=$ROOT/build/artifacts

skip() {
    echo "SKIP: $*"
    exit 0
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi
}

if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null; then
    echo "install chromium/nodejs (apt-get)"
    pkgs=""
    [ -x "$CHROMIUM" ] || pkgs="chromium"
    command -v node >/dev/null || pkgs="$pkgs nodejs npm"
    { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends $pkgs; } >"$TMP/apt.log" 2>&1 ||
        { tail -n 5 "$TMP/apt.log"; skip "could not install$pkgs"; }
    [ -x "$CHROMIUM" ] || skip "$CHROMIUM missing after apt-get install chromium"
    command -v node >/dev/null || skip "node missing after apt-get install nodejs"
fi
if [ ! -f "$BR/node_modules/playwright-core/package.json" ]; then
    echo "npm install playwright-core (no browser download)"
    (cd "$BR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund \
        --loglevel=error playwright-core) >"$TMP/npm.log" 2>&1 ||
        { tail -n 20 "$TMP/npm.log"; fail "npm install playwright-core failed"; }
fi

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
