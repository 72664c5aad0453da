#!/bin/bash
# flamepre record is the collector of the tree it runs. A SIGTERM or SIGHUP
# meant for the tree (timeout, a closed terminal) killed record at once:
# every profile was lost and the command, orphaned, ran on. record now
# passes the signal to the command and collects until it has gone:
# `timeout 1 flamepre record -- spin_seconds 6` exits 124 within 3 s, the
# command's meta.json says "signal SIGTERM", and the command is gone; the
# same with SIGHUP sent to record.
. "$(dirname "$0")/lib.sh"
need_lib
build spin_seconds
cp "$TMP/spin_seconds" "$TMP/spinner.$$"
SP=$TMP/spinner.$$
t0=$(date +%s%N)
timeout 1 "$CLI" record -o "$TMP/t" --no-render -- "$SP" 6 >"$TMP/t.out" 2>"$TMP/t.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc = 124 ] || { cat "$TMP/t.err"; fail "timeout's status $rc, want 124"; }
[ "$ms" -lt 3000 ] || fail "record took $ms ms to end after the SIGTERM"
M=$(one_file "$TMP/t" 'spinner.*.meta.json') || exit 1
end=$(meta_get "$M" end)
note "SIGTERM from timeout: record ended in $ms ms, the command's end \"$end\""
[ "$end" = "signal SIGTERM" ] || fail "the command's end is \"$end\""
sleep 0.2
pgrep -f "$SP" >/dev/null && { pkill -f "$SP"; fail "the command outlived record"; }

"$CLI" record -o "$TMP/h" --no-render -- "$SP" 6 >"$TMP/h.out" 2>"$TMP/h.err" &
R=$!
sleep 1
kill -HUP $R
wait $R
rc=$?
M=$(one_file "$TMP/h" 'spinner.*.meta.json') || exit 1
end=$(meta_get "$M" end)
note "SIGHUP to record: status $rc, the command's end \"$end\""
[ $rc = 129 ] || fail "record's status $rc after SIGHUP, want 129"
[ "$end" = "signal SIGHUP" ] || fail "the command's end is \"$end\""
