#!/bin/bash
# A library of another build reaching this collector (FLAMEPRE_SOCKET names
# it: `flamepre record`, or a user) is turned away at once. The collector
# used to ignore its hello and keep the connection open, so the program
# waited 10 s for an answer, three times: a /bin/true took a minute. Now the
# collector hangs up, the library falls back, and the collector goes on
# serving programs of its own version.
. "$(dirname "$0")/lib.sh"
need_lib
SOCK=flamepre-test/$$/mismatch
"$CLI" collect --socket "$SOCK" --idle 3000 2>"$TMP/coll.err" &
CPID=$!
trap 'kill $CPID 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do grep -q "@$SOCK\$" /proc/net/unix && break; sleep 0.02; done
grep -q "@$SOCK\$" /proc/net/unix || fail "the collector did not listen"

# A hello as the wire has it (preload/attach.h), one layout version ahead.
ver=$(sed -n 's/^#define LAYOUT_VERSION[^0-9]*\([0-9][0-9]*\).*/\1/p' "$ROOT/preload/layout.h")
[ -n "$ver" ] || ver=$(grep -A1 '^#define LAYOUT_VERSION' "$ROOT/preload/layout.h" | grep -o '[0-9][0-9]*' | head -1)
[ -n "$ver" ] || fail "cannot read LAYOUT_VERSION"
secs=$(timeout 20 "$PY" - "$SOCK" $((ver + 1)) <<'PYEOF'
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + sys.argv[1])
t = time.monotonic()
s.send(struct.pack("<IIiI", 0x464c4d50, 1, 12345, int(sys.argv[2])))
s.settimeout(15)
try:
    data = s.recv(64)
except socket.timeout:
    data = None
print("%.2f" % (time.monotonic() - t) if data == b"" else "none")
PYEOF
) || fail "the fake library failed"
note "hello of layout version $((ver + 1)) to a version $ver collector: hung up after ${secs}s"
[ "$secs" != none ] || fail "the collector kept the connection of another version open"
awk -v s="$secs" 'BEGIN { exit !(s < 2) }' || fail "the collector took ${secs}s to turn it away"
grep -q "layout version" "$TMP/coll.err" || fail "the collector did not say why: $(cat "$TMP/coll.err")"

# It still serves its own version.
start=$(date +%s%N)
FLAMEPRE_SOCKET=$SOCK profile "$TMP/o" t /bin/true
ms=$((($(date +%s%N) - start) / 1000000))
[ "$(cat "$TMP/t.rc")" = 0 ] || fail "/bin/true: exit status $(cat "$TMP/t.rc")"
M=$(one_file "$TMP/o" '*.meta.json') || exit 1
[ "$(meta_get "$M" collector)" = process ] || fail "not collected by the process: $(meta_get "$M" collector)"
note "then /bin/true of its own version: collected by it in ${ms} ms"
[ "$ms" -lt 5000 ] || fail "/bin/true took ${ms} ms"
