#!/bin/sh
# `flamepre convert --to speedscope` loaded into the real speedscope app (npm
# package speedscope, its offline dist/release/index.html) in headless
# Chromium (tests/browser/speedscope_test.js): the import succeeds with no
# error, the per-thread profiles are listed, a frame name appears in the
# Sandwich view, and weights are shown in the export's unit (time for cpu
# with a known period and lock_ns, bytes for alloc_bytes). Screenshots in
# build/artifacts/. Installs what is missing (need_browser in lib.sh). SKIP
# (exit 0) only when chromium or node cannot be installed.
. "$(dirname "$0")/lib.sh"
[ -x "$CLI" ] || fail "$CLI not built (make cli)"
ART=$ROOT/build/artifacts
need_browser
VIEWER=$BR/node_modules/speedscope/dist/release/index.html
[ -f "$VIEWER" ] || fail "no speedscope viewer at $VIEWER"
IN=$ROOT/tests/golden/in
for f in lock_contention.3319.cpu lock_contention.3319.lock_ns svc.77.alloc_bytes app.4242.cpu; do
    "$CLI" convert "$IN/$f.folded" --to speedscope -o "$TMP/$f.json" || fail "convert $f"
done
timeout 120 node "$BR/speedscope_test.js" --viewer "$VIEWER" --artifacts "$ART" --chromium "$CHROMIUM" \
    "$TMP/lock_contention.3319.cpu.json:[lock_contention tid=3320]:pthread_join:ns" \
    "$TMP/lock_contention.3319.lock_ns.json:[lock_contention tid=3321]:pthread_mutex_lock:ns" \
    "$TMP/svc.77.alloc_bytes.json:[svc tid=78]:malloc:bytes" \
    "$TMP/app.4242.cpu.json:[worker-1 tid=4243]:fib:none" ||
    fail "speedscope viewer checks failed"
echo "speedscope shows every export; screenshots: $ART/speedscope-*.png"
