#!/bin/sh
# Lock and I/O profiling of a real server: redis-server on 127.0.0.1 (a
# free port, no persistence) under FLAMEPRE_EVENTS=io,lock, driven by
# redis-benchmark (20000 requests each of SET, GET, INCR, LPUSH), then shut
# down with `redis-cli shutdown nosave` so it exits normally and writes its
# profile. Checks: the benchmark reports every test and no error; redis
# exits 0; io_ns shows the event loop's `epoll_wait [poll]` and socket
# `read [tcp]` / `write [tcp]` under redis frames (aeMain, readQueryFromClient
# ...); meta.json lists io and lock metrics. Skips (exit 0) only if redis
# cannot be installed.
. "$(dirname "$0")/lib.sh"
need_lib
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y redis-server >/dev/null 2>&1 || true
    elif command -v sudo >/dev/null; then
        sudo -n apt-get install -y redis-server >/dev/null 2>&1 || true
    fi
fi
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
    echo "SKIP: redis-server/redis-benchmark not installed and cannot be installed"
    exit 0
fi
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
OUT=$TMP/out
mkdir -p "$OUT" "$TMP/dir"
echo "redis-server on 127.0.0.1:$PORT, FLAMEPRE_EVENTS=io,lock"
timeout "$TMO" env LD_PRELOAD="$LIB" FLAMEPRE_EVENTS=io,lock FLAMEPRE_OUTPUT="$OUT" \
    redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP/dir" \
    >"$TMP/server.log" 2>&1 &
SRV=$!
i=0
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -gt 100 ] && { kill $SRV; show_head "$TMP/server.log"; fail "redis did not start"; }
    sleep 0.1
done
timeout 120 redis-benchmark -h 127.0.0.1 -p "$PORT" -q -n 20000 -t set,get,incr,lpush \
    >"$TMP/bench.out" 2>&1
brc=$?
redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1
wait $SRV
src=$?
tr '\r' '\n' <"$TMP/bench.out" | grep 'requests per second' | sed 's/^/    /'
[ $brc = 0 ] || fail "redis-benchmark exit $brc"
n=$(tr '\r' '\n' <"$TMP/bench.out" | grep -c 'requests per second')
[ "$n" -ge 4 ] || fail "benchmark reported $n of 4 tests"
if grep -qi 'error' "$TMP/bench.out"; then fail "benchmark reported errors"; fi
[ $src = 0 ] || { show_head "$TMP/server.log"; fail "redis-server exit $src"; }
N=$(one_file "$OUT" '*.io_ns.folded') || exit 1
one_file "$OUT" '*.io_bytes.folded' >/dev/null || exit 1
one_file "$OUT" '*.lock_ns.folded' >/dev/null || exit 1
M=$(one_file "$OUT" '*.meta.json') || exit 1
check valid "$N"
"$PY" - "$N" "$M" <<'PYEOF' || fail "io graph"
import sys, json, collections
leaf = collections.Counter()
under = collections.defaultdict(set)
for line in open(sys.argv[1]):
    st, c = line.rsplit(' ', 1)
    fr = st.split(';')
    leaf[fr[-1]] += int(c)
    under[fr[-1]].update(fr[:-1])
tot = sum(leaf.values())
for k, v in leaf.most_common(6):
    print("  %-24s %5.1f%%" % (k, 100.0 * v / tot))
ok = True
for l in ("epoll_wait [poll]", "read [tcp]", "write [tcp]"):
    redis = any(f in under[l] for f in ("aeMain", "aeProcessEvents", "readQueryFromClient", "main"))
    print("  %s: %s, under redis frames: %s" % (l, leaf[l], redis))
    ok &= leaf[l] > 0 and redis
assert "readQueryFromClient" in under["read [tcp]"], "read [tcp] not under readQueryFromClient"
m = json.load(open(sys.argv[2]))
for k in ("io_ns", "io_bytes", "lock_ns", "lock_count"):
    assert k in m["metrics"], k
print("  wait:", m["wait"])
sys.exit(0 if ok else 1)
PYEOF
