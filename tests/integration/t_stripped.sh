#!/bin/sh
# (e) A stripped copy of cpu_hotspot shows "[hot_stripped+0xOFF]" frames, and
# the offsets are right: addr2line on the unstripped binary names the hottest
# offsets as cpu_hotspot's own leaf/burn functions.
. "$(dirname "$0")/lib.sh"
need_lib
need_example cpu_hotspot

strip -o "$TMP/hot_stripped" "$EX/cpu_hotspot" || fail "strip failed"
echo "stripped cpu_hotspot, 999 Hz"
FLAMEPRE_HZ=999 FLAMEPRE_UNWIND=fp profile "$TMP/a" run "$TMP/hot_stripped" 1 1 0
[ "$(cat "$TMP/run.rc")" = 0 ] || { show_head "$TMP/run.err"; fail "exit code"; }
F=$(one_file "$TMP/a" '*.cpu.folded') || exit 1
if "$PY" "$HERE/folded.py" has "$F" --frame 'burn_[abc]|leaf_[abc]|phase' >/dev/null; then
    fail "stripped binary still shows its static function names"
fi
"$PY" "$HERE/folded.py" modframes "$F" hot_stripped >"$TMP/offs" || fail "no module+offset frames"
cat "$TMP/offs"
n=0
while read -r off cnt; do
    fn=$(addr2line -f -e "$EX/cpu_hotspot" "$off" | head -n 1)
    note "$off ($cnt samples) -> $fn"
    case $fn in leaf_[abc] | burn_[abc] | phase) n=$((n + 1)) ;; esac
done <"$TMP/offs"
[ "$n" -ge 1 ] || fail "no hot offset maps to cpu_hotspot's leaf_/burn_ functions"
[ "$n" -ge "$(($(wc -l <"$TMP/offs") - 1))" ] || fail "hot offsets map to the wrong functions"
