#!/bin/sh
# A program that closes every descriptor (the profiler's perf clock too) and
# reuses the numbers keeps working, its files untouched, and the profiler
# notices within a second, opens a new clock (meta.json clocks_rearmed) and
# goes on sampling.
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -o "$TMP/close_fds" "$HERE/progs/close_fds.c" || fail "cannot build close_fds"
plain p "$TMP/close_fds"
FLAMEPRE_HZ=999 profile "$TMP/o" q "$TMP/close_fds"
cmp -s "$TMP/p.out" "$TMP/q.out" || fail "stdout differs: $(cat "$TMP/q.out")"
[ "$(cat "$TMP/q.rc")" = 0 ] || fail "exit status $(cat "$TMP/q.rc")"
M=$(one_file "$TMP/o" '*.meta.json') || exit 1
F=$(one_file "$TMP/o" '*.cpu.folded') || exit 1
"$PY" - "$M" "$F" "$(sed -n 's/^cpu=//p' "$TMP/q.err")" <<'PYEOF' || fail "clock not re-armed"
import json, sys
m = json.load(open(sys.argv[1]))
total = sum(int(l.rsplit(' ', 1)[1]) for l in open(sys.argv[2]) if l.strip())
cpu = float(sys.argv[3])
print("  clocks_rearmed %d, samples %d of about %d" % (m['clocks_rearmed'], total, cpu * 999))
sys.exit(0 if m['clocks_rearmed'] >= 1 and total >= 0.4 * cpu * 999 else 1)
PYEOF
