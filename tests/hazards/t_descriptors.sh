#!/bin/bash
# The profiler never takes a descriptor the program needs.
#  - 200 live threads under `ulimit -n 64`: the program's open() and pipe()
#    succeed as unprofiled (the profiler's descriptors stay in a small range
#    at the top; the threads past it are sampled by timer and counted).
#  - A program that lowers its limit to 64 after the start, then starts
#    threads: their clocks are still perf events, in the new range (the
#    range's floor is kept, and read again when the kernel refuses it).
#  - A daemon that closes every descriptor, reopens 0, 1, 2 and later
#    close_range(3, ~0U): same numbers and output as unprofiled, and its
#    threads are still sampled (clocks re-armed at high numbers).
. "$(dirname "$0")/lib.sh"
need_lib
build fd_limit
build daemon_fds

plain p "$TMP/fd_limit"
grep -q "first fd 3, open 40/40, pipe 5/5" "$TMP/p.out" || fail "unprofiled run: $(cat "$TMP/p.out")"
for s in perf timer; do
    FLAMEPRE_SAMPLER=$s profile "$TMP/lim-$s" lim-$s "$TMP/fd_limit"
    [ "$(cat "$TMP/lim-$s.rc")" = 0 ] || fail "fd_limit ($s): exit $(cat "$TMP/lim-$s.rc"): $(cat "$TMP/lim-$s.err")"
    cmp -s "$TMP/p.out" "$TMP/lim-$s.out" || fail "fd_limit ($s): '$(cat "$TMP/lim-$s.out")', unprofiled '$(cat "$TMP/p.out")'"
    M=$(one_file "$TMP/lim-$s" '*.meta.json') || exit 1
    [ "$(meta_get "$M" threads_unarmed)" = 0 ] || fail "fd_limit ($s): $(meta_get "$M" threads_unarmed) threads unsampled"
    note "fd_limit ($s): $(cat "$TMP/lim-$s.out"); threads_timer_fallback $(meta_get "$M" threads_timer_fallback)"
done
# The timer clock needs no descriptor: with perf, most threads fell back.
[ "$(meta_get "$(one_file "$TMP/lim-perf" '*.meta.json')" threads_timer_fallback)" -ge 150 ] ||
    fail "fd_limit (perf): the threads past the descriptor range were not counted in threads_timer_fallback"

build limit_drop
plain ldp "$TMP/limit_drop"
FLAMEPRE_HZ=999 profile "$TMP/ld" ld "$TMP/limit_drop"
[ "$(cat "$TMP/ld.rc")" = 0 ] || fail "limit_drop: exit $(cat "$TMP/ld.rc"): $(cat "$TMP/ld.err")"
cmp -s "$TMP/ldp.out" "$TMP/ld.out" && grep -qx "first fd 3" "$TMP/ld.out" ||
    fail "limit_drop: '$(cat "$TMP/ld.out")', unprofiled '$(cat "$TMP/ldp.out")'"
M=$(one_file "$TMP/ld" '*.meta.json') || exit 1
"$PY" - "$M" <<'PYEOF' || fail "limit_drop: threads not sampled by perf after the limit dropped"
import json, sys
j = json.load(open(sys.argv[1]))
workers = [t for t in j["threads"] if t["tid"] != j["pid"]]
print("  limit_drop: timer fallbacks %s, worker samples %s"
      % (j.get("threads_timer_fallback"), [t["samples"] for t in workers]))
assert len(workers) == 4, workers
assert j.get("threads_timer_fallback", 0) == 0
assert all(t["samples"] >= 20 for t in workers)
PYEOF

plain d "$TMP/daemon_fds" "$TMP/d.log"
for s in perf timer; do
    for u in dwarf fp; do
        n=$s-$u
        FLAMEPRE_SAMPLER=$s FLAMEPRE_UNWIND=$u profile "$TMP/dm-$n" dm-$n \
            bash -c 'ulimit -n 256 && exec "$0" "$1"' "$TMP/daemon_fds" "$TMP/dm-$n.log"
        [ "$(cat "$TMP/dm-$n.rc")" = 0 ] || fail "daemon ($n): exit $(cat "$TMP/dm-$n.rc"): $(cat "$TMP/dm-$n.err")"
        cmp -s "$TMP/d.log" "$TMP/dm-$n.log" || fail "daemon ($n): output differs:
$(diff "$TMP/d.log" "$TMP/dm-$n.log")"
        F=$(one_file "$TMP/dm-$n" 'daemon_fds.*.cpu.folded') || exit 1
        # 540 ms of CPU at 99 Hz: about 53 samples, after every close too
        t=$(total "$F")
        [ "$t" -ge 30 ] || fail "daemon ($n): $t samples (sampling stopped when its descriptors were closed?)"
        note "daemon ($n): same numbers as unprofiled, $t samples"
    done
done

# The log file is one of the profiler's descriptors too: high, and given up
# (not written to) once the program closes it.
build host_view
plain hv "$TMP/host_view"
FLAMEPRE_LOG_FILE=$TMP/log.txt FLAMEPRE_LOG=info profile "$TMP/hv" hv-log "$TMP/host_view"
grep fd "$TMP/hv-log.out" | cmp -s - <(grep fd "$TMP/hv.out") ||
    fail "FLAMEPRE_LOG_FILE took a low descriptor: $(grep fd "$TMP/hv-log.out")"
grep -q "recording host_view" "$TMP/log.txt" || fail "nothing logged to FLAMEPRE_LOG_FILE: $(cat "$TMP/log.txt")"
note "FLAMEPRE_LOG_FILE: the program's descriptor numbers unchanged"

# With no descriptor to spare for the collector's socket (ulimit -n 5: the
# three standard ones and the profiler's memfd), the start gives up at once
# and collects in-process; it retried socket() every 2 ms for 3 s, twice
# (6 s at every start).
echo "ulimit -n 5: no wait for a socket that cannot be had"
t0=$(date +%s%N)
(ulimit -n 5 && LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/n5" timeout "$TMO" /bin/true) 2>"$TMP/n5.err" ||
    fail "/bin/true failed under ulimit -n 5: $(cat "$TMP/n5.err")"
ms=$((($(date +%s%N) - t0) / 1000000))
note "/bin/true under ulimit -n 5: $ms ms"
[ "$ms" -lt 2000 ] || fail "/bin/true under ulimit -n 5 took $ms ms"
