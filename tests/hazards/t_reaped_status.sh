#!/bin/bash
# How a process ended is known even when its parent reaps it at once. A
# shell waits on 20 children that are all killed together; it reaps each
# as soon as it dies, often before the collector reads /proc/<pid>/stat,
# so their meta.json said "gone (status unknown)" (23 of 60 here). The
# collector now also holds a pidfd of each process, which keeps the wait
# status after the reap (Linux 6.15, PIDFD_INFO_EXIT): every profile says
# "signal SIGKILL", with exit_status 137.
. "$(dirname "$0")/lib.sh"
need_lib
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
if [ "$kmaj" -lt 6 ] || { [ "$kmaj" -eq 6 ] && [ "${kmin%%[^0-9]*}" -lt 15 ]; }; then
    echo "SKIP: kernel $(uname -r) keeps no exit status for pidfds (6.15+)"
    exit 0
fi
cp /bin/sleep "$TMP/napper" || fail "cannot copy sleep"
N=20
timeout "$TMO" "$CLI" record -F 99 -o "$TMP/o" --no-render -- \
    sh -c "echo \$\$ >'$TMP/sh.pid'; for i in \$(seq $N); do '$TMP/napper' 30 & done; wait" \
    >"$TMP/r.out" 2>"$TMP/r.err" &
R=$!
for _ in $(seq 100); do
    [ -s "$TMP/sh.pid" ] && [ "$(pgrep -c -P "$(cat "$TMP/sh.pid")" napper)" = $N ] && break
    sleep 0.05
done
sleep 0.3 # past the collector's first tick: each has an exit watcher too
pkill -KILL -P "$(cat "$TMP/sh.pid")" napper || fail "no napper to kill"
wait $R || { show_head "$TMP/r.err"; fail "record failed"; }
"$PY" - "$TMP/o" $N <<'PYEOF' || fail "a killed child's end is not signal SIGKILL"
import glob, json, os, sys
d, want = sys.argv[1], int(sys.argv[2])
ms = glob.glob(os.path.join(d, "napper.*.meta.json"))
bad = []
for m in ms:
    j = json.load(open(m))
    if j.get("end") != "signal SIGKILL" or j.get("exit_status") != 137:
        bad.append((os.path.basename(m), j.get("end"), j.get("exit_status")))
print("  %d killed children, %d not \"signal SIGKILL\" / 137: %s" % (len(ms), len(bad), bad[:3]))
assert len(ms) == want, (len(ms), want)
assert not bad
PYEOF
