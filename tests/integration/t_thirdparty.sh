#!/bin/sh
# (d) Real third-party programs: python3 -c running a CPU loop shows the
# interpreter's eval loop (_PyEval_EvalFrameDefault) in >= 30% of samples;
# sqlite3 running a recursive CTE shows sqlite frames (sqlite3VdbeExec or
# sqlite3_step) in >= 30% of samples.
. "$(dirname "$0")/lib.sh"
need_lib

echo "$SYSPY -c CPU loop"
FLAMEPRE_HZ=499 profile "$TMP/py" py "$SYSPY" -c '
import time
t = time.process_time()
n = 0
while time.process_time() - t < 1.5:
    for i in range(10000):
        n += i * i
print("done")'
[ "$(cat "$TMP/py.rc")" = 0 ] || { show_head "$TMP/py.err"; fail "python exit code $(cat "$TMP/py.rc")"; }
[ "$(cat "$TMP/py.out")" = done ] || fail "python stdout changed: $(cat "$TMP/py.out")"
F=$(one_file "$TMP/py" '*.cpu.folded') || exit 1
check has "$F" --frame '_PyEval_EvalFrameDefault' --min-share 30

command -v sqlite3 >/dev/null || fail "sqlite3 not installed (make test installs it)"
echo "sqlite3 recursive CTE"
FLAMEPRE_HZ=499 profile "$TMP/sq" sq sqlite3 :memory: \
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<4000000) SELECT count(*), sum(x) FROM c;'
[ "$(cat "$TMP/sq.rc")" = 0 ] || { show_head "$TMP/sq.err"; fail "sqlite3 exit code $(cat "$TMP/sq.rc")"; }
[ "$(cat "$TMP/sq.out")" = "4000000|8000002000000" ] || fail "sqlite3 stdout changed: $(cat "$TMP/sq.out")"
F=$(one_file "$TMP/sq" '*.cpu.folded') || exit 1
check has "$F" --frame 'sqlite3VdbeExec' 'sqlite3_step' --min-share 30
