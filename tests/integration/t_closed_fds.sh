#!/bin/sh
# A program that closes every descriptor and reuses the numbers keeps
# working, its files untouched, and the profiler goes on sampling: its own
# descriptors sit above the numbers a close loop reaches; closefrom(3)
# reaches them, and then the clock is re-armed at once (meta.json
# clocks_rearmed) and the collector channel is kept.
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -o "$TMP/close_fds" "$HERE/progs/close_fds.c" || fail "cannot build close_fds"
for mode in loop range; do
rm -rf "$TMP/o"
plain p "$TMP/close_fds" $mode
FLAMEPRE_HZ=999 profile "$TMP/o" q "$TMP/close_fds" $mode
cmp -s "$TMP/p.out" "$TMP/q.out" || fail "stdout differs: $(cat "$TMP/q.out")"
[ "$(cat "$TMP/q.rc")" = 0 ] || fail "exit status $(cat "$TMP/q.rc")"
M=$(one_file "$TMP/o" '*.meta.json') || exit 1
F=$(one_file "$TMP/o" '*.cpu.folded') || exit 1
"$PY" - "$M" "$F" "$(sed -n 's/^cpu=//p' "$TMP/q.err")" $mode <<'PYEOF' || fail "$mode: clock not re-armed or samples lost"
import json, sys
m = json.load(open(sys.argv[1]))
total = sum(int(l.rsplit(' ', 1)[1]) for l in open(sys.argv[2]) if l.strip())
cpu = float(sys.argv[3])
mode = sys.argv[4]
print("  %s: clocks_rearmed %d, samples %d of about %d" % (mode, m['clocks_rearmed'], total, cpu * 999))
ok = total >= 0.4 * cpu * 999 and m['end'] == 'exit'
if mode == 'range':
    ok = ok and m['clocks_rearmed'] >= 1
sys.exit(0 if ok else 1)
PYEOF
done
