#!/bin/bash
# An end the library never sees: the raw exit_group system call, past every
# interposer, so no END reaches the collector, only the channel's close.
# The kernel closes a process's files before it becomes a zombie, so at the
# close /proc still shows it running; here the process holds a 256 MB memfd
# whose release, after the channel's, keeps it from being a zombie for tens
# of milliseconds. The collector used to wait up to 20 ms (for an exit
# watcher it had only for processes past its first tick) and then wrote
# "end": "channel closed" with no exit status in all 6 runs. It now waits
# for the process's pidfd in its poll loop: "exit" with the right status.
. "$(dirname "$0")/lib.sh"
need_lib
build slow_close
for code in 0 7; do
    for i in 1 2 3; do
        profile "$TMP/o$code" r$i "$TMP/slow_close" 256 $code
        [ "$(cat "$TMP/r$i.rc")" = $code ] || fail "exit status $(cat "$TMP/r$i.rc"), want $code"
    done
    "$PY" - "$TMP/o$code" $code <<'PYEOF' || fail "an exit past the interposers is not reported as one"
import glob, json, os, sys, time
d, code = sys.argv[1], int(sys.argv[2])
# Written by the collector after the process is gone: allow it 3 s.
for _ in range(60):
    ms = sorted(glob.glob(os.path.join(d, "slow_close.*.meta.json")))
    if len(ms) >= 3:
        break
    time.sleep(0.05)
got = [(json.load(open(m)).get("end"), json.load(open(m)).get("exit_status")) for m in ms]
print("  exit_group(%d), 3 runs: %s" % (code, got))
assert len(ms) == 3, ms
assert all(g == ("exit", code) for g in got), got
PYEOF
done
