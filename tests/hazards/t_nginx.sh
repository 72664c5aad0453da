#!/bin/bash
# nginx (master + 2 workers), started as root with `user nobody nogroup;`,
# profiled at 999 Hz under a loopback HTTP load: the workers drop their
# privileges after the profiler attached, and cannot write to the output
# directory (root's, inside a 0700 directory); the collector process,
# started by the master as root, writes every process's profile. Checked:
# the master and each worker have their meta.json (collector "process",
# end "exit", the right pid and ppid) and cpu.folded, each worker's holds
# samples of request handling, and nginx itself behaves as unprofiled: every
# response is `200 ok`, SIGQUIT stops it gracefully with status 0.
. "$(dirname "$0")/lib.sh"
need_lib
[ "$(id -u)" = 0 ] || fail "needs root (nginx drops to nobody only when started as root)"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || fail "nginx not installed (make deps-test installs nginx-light)"
command -v ab >/dev/null || fail "ab not installed (make deps-test installs apache2-utils)"
command -v curl >/dev/null || fail "curl not installed (make deps-test installs it)"

NREQ=20000   # requests of the load (10-20 us of user CPU each: 100-200 samples a worker)
CONC=8       # ...over this many connections at a time
STOP_S=30    # seconds for a graceful stop

OUT=$TMP/out
mkdir -m 0755 "$OUT"
chmod 0700 "$TMP"
# The premise: a worker (nobody) cannot write where the profiles go.
if setpriv --reuid=65534 --regid=65534 --clear-groups touch "$OUT/probe" 2>/dev/null; then
    fail "nobody can write to $OUT: the test proves nothing"
fi

# A free high port on 127.0.0.1 (asked from the kernel, then released).
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
[ "$PORT" -ge 1024 ] || fail "no free port"

NGX=$TMP/ngx
mkdir -p "$NGX"
cat >"$NGX/nginx.conf" <<EOF
user nobody nogroup;
worker_processes 2;
daemon off;
master_process on;
pid $NGX/nginx.pid;
error_log $NGX/error.log notice;
events { worker_connections 256; }
http {
    access_log off;
    default_type text/plain;
    client_body_temp_path $NGX/body;
    proxy_temp_path $NGX/proxy;
    fastcgi_temp_path $NGX/fastcgi;
    uwsgi_temp_path $NGX/uwsgi;
    scgi_temp_path $NGX/scgi;
    server {
        # reuseport: a listening socket per worker; the kernel spreads the
        # connections over both.
        listen 127.0.0.1:$PORT reuseport;
        location / { return 200 "ok\n"; }
    }
}
EOF
timeout 30 "$NGINX" -t -p "$NGX/" -e "$NGX/error.log" -c "$NGX/nginx.conf" >"$TMP/conftest" 2>&1 ||
    fail "nginx -t: $(cat "$TMP/conftest")"

MASTER=
# Whatever happens, no nginx of ours is left running.
cleanup() {
    if [ -n "$MASTER" ] && kill -0 "$MASTER" 2>/dev/null; then
        for w in $(cat "/proc/$MASTER/task/$MASTER/children" 2>/dev/null); do kill -KILL "$w" 2>/dev/null; done
        kill -KILL "$MASTER" 2>/dev/null
    fi
    # Workers left over (not reaped by the master): only if the pid is
    # still one of our nginx workers, not a reused one.
    for w in ${WORKERS:-}; do
        grep -qs "^nginx: worker process" "/proc/$w/cmdline" && kill -KILL "$w" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

FLAMEPRE_HZ=999 LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$OUT" \
    "$NGINX" -p "$NGX/" -e "$NGX/error.log" -c "$NGX/nginx.conf" \
    >"$TMP/nginx.out" 2>"$TMP/nginx.err" &
MASTER=$!

# Ready: both workers forked and running as nobody, and answering.
WORKERS=
for _ in $(seq 200); do   # 20 s
    kill -0 "$MASTER" 2>/dev/null || break
    WORKERS=$(echo $(cat "/proc/$MASTER/task/$MASTER/children" 2>/dev/null))
    set -- $WORKERS
    if [ $# = 2 ] && [ "$(stat -c %u "/proc/$1" "/proc/$2" 2>/dev/null | sort -u)" = 65534 ] &&
        [ "$(curl -s --max-time 2 "http://127.0.0.1:$PORT/" 2>/dev/null)" = ok ]; then
        break
    fi
    sleep 0.1
done
kill -0 "$MASTER" 2>/dev/null || fail "nginx exited at start: $(cat "$TMP/nginx.err" "$NGX/error.log" 2>/dev/null)"
set -- $WORKERS
[ $# = 2 ] || fail "nginx has $# worker processes, expected 2: $WORKERS"
for w in $WORKERS; do
    u=$(awk '/^Uid:/ { print $2, $3 }' "/proc/$w/status")
    [ "$u" = "65534 65534" ] || fail "worker $w runs as uid $u, not nobody"
done
[ "$(curl -s --max-time 2 "http://127.0.0.1:$PORT/")" = ok ] || fail "nginx does not answer on 127.0.0.1:$PORT"
note "nginx master $MASTER (root), workers $WORKERS (nobody), port $PORT"

# The responses: status 200, body "ok\n" exactly.
for i in $(seq 20); do
    code=$(curl -s --max-time 5 -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$PORT/r$i") ||
        fail "curl request $i failed"
    [ "$code" = 200 ] || fail "request $i: HTTP $code"
    printf 'ok\n' | cmp -s - "$TMP/body" || fail "request $i: body $(od -c "$TMP/body" | head -3)"
done

# The load: NREQ requests, a new connection each (no keep-alive).
timeout 120 ab -q -n "$NREQ" -c "$CONC" -s 10 "http://127.0.0.1:$PORT/load" >"$TMP/ab.out" 2>&1 ||
    fail "ab failed: $(tail -5 "$TMP/ab.out")"
done_n=$(awk '/^Complete requests:/ { print $3 }' "$TMP/ab.out")
failed_n=$(awk '/^Failed requests:/ { print $3 }' "$TMP/ab.out")
[ "$done_n" = "$NREQ" ] || fail "ab: $done_n of $NREQ requests complete: $(cat "$TMP/ab.out")"
[ "$failed_n" = 0 ] || fail "ab: $failed_n failed requests: $(cat "$TMP/ab.out")"
grep -q '^Non-2xx responses' "$TMP/ab.out" && fail "ab: $(grep '^Non-2xx' "$TMP/ab.out")"
grep -q '^Document Length: *3 bytes' "$TMP/ab.out" || fail "ab: $(grep '^Document Length' "$TMP/ab.out")"
note "load: $done_n requests, 0 failed, all 200 with 3-byte bodies ($(awk '/^Requests per second:/ { print $4 }' "$TMP/ab.out") per second)"

# A graceful stop: SIGQUIT; the workers finish and exit, then the master.
kill -QUIT "$MASTER"
for _ in $(seq $((STOP_S * 10))); do
    kill -0 "$MASTER" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$MASTER" 2>/dev/null && fail "nginx still running ${STOP_S} s after SIGQUIT"
wait "$MASTER"
rc=$?
MASTER_PID=$MASTER
MASTER=
[ "$rc" = 0 ] || fail "nginx exit status $rc: $(cat "$TMP/nginx.err" "$NGX/error.log")"
for w in $WORKERS; do
    grep -qs "^nginx: worker process" "/proc/$w/cmdline" && fail "worker $w still running after the master exited"
done
grep -E '\[(alert|crit|emerg)\]' "$NGX/error.log" && fail "nginx logged errors: $(cat "$NGX/error.log")"
[ -s "$TMP/nginx.out" ] && fail "nginx wrote to stdout: $(cat "$TMP/nginx.out")"
note "SIGQUIT: nginx exited with status 0"

# The profiles. The collector writes them when each process has ended.
for p in $MASTER_PID $WORKERS; do
    wait_for "$OUT/nginx.$p.meta.json" 10000 ||
        fail "no profile of nginx $p within 10 s; $OUT holds: $(ls -A "$OUT" | tr '\n' ' ')"
done
n=$(ls "$OUT"/*.meta.json | wc -l)
[ "$n" = 3 ] || fail "$n meta.json files, expected 3 (master + 2 workers): $(ls -A "$OUT" | tr '\n' ' ')"
# meta FILE: "collector end exit_status pid ppid collector_pid", one line
# ("-" for a missing value; end's spaces as "_").
meta() {
    "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(str(d.get(k, "-")).replace(" ", "_") for k in
               ("collector", "end", "exit_status", "pid", "ppid", "collector_pid")))' "$1"
}
CPIDS=
for p in $MASTER_PID $WORKERS; do
    M=$OUT/nginx.$p.meta.json
    C=$OUT/nginx.$p.cpu.folded
    [ -f "$C" ] || fail "nginx $p: no cpu.folded; $OUT holds: $(ls -A "$OUT" | tr '\n' ' ')"
    fields=$(meta "$M") || fail "nginx $p: cannot parse $M"
    read -r coll end st mpid ppid cpid <<<"$fields"
    [ "$coll" = process ] || fail "nginx $p: collector \"$coll\""
    [ "$mpid" = "$p" ] || fail "nginx $p: meta.json pid $mpid"
    [ "$end" = collector_stopped ] &&
        fail "nginx $p: end \"collector stopped\": the collector process (pid $cpid) got SIGTERM while nginx ran"
    [ "$end" = exit ] || fail "nginx $p: end \"$end\", expected \"exit\""
    [ "$st" = 0 ] || fail "nginx $p: exit_status \"$st\""
    if [ "$p" != "$MASTER_PID" ]; then
        [ "$ppid" = "$MASTER_PID" ] || fail "worker $p: meta.json ppid $ppid, master $MASTER_PID"
    fi
    CPIDS="$CPIDS $cpid"
    [ "$(stat -c %u "$C")" = 0 ] || fail "nginx $p: cpu.folded owned by uid $(stat -c %u "$C")"
done
[ "$(echo $CPIDS | tr ' ' '\n' | sort -u | wc -l)" = 1 ] ||
    fail "collector_pid differs between the profiles: $CPIDS (one collector, started by the master, serves all)"
for w in $WORKERS; do
    C=$OUT/nginx.$w.cpu.folded
    s=$(total "$C")
    # Requests are served under the worker's event loop, forked from the
    # master's spawn: main;...;ngx_spawn_process;...;ngx_http_*.
    h=$(awk '/;main;.*;ngx_spawn_process;.*;ngx_http_/ { s += $NF } END { print s + 0 }' "$C")
    [ "$s" -ge 30 ] || { show_head "$C"; fail "worker $w: $s CPU samples, expected >= 30"; }
    [ "$h" -ge 5 ] || { show_head "$C"; fail "worker $w: $h samples in ngx_http_* of $s, expected >= 5"; }
    note "worker $w: $s CPU samples, $h in ngx_http_*"
done
note "master $MASTER_PID: $(total "$OUT/nginx.$MASTER_PID.cpu.folded") CPU samples"
