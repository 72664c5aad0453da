#!/bin/sh
# Lock profiling: lock_contention (4 threads, four contended sites) measures
# its own waiting per site; lock_ns under each site matches it within 10% in
# exact mode (FLAMEPRE_WAIT_SAMPLE=0) and within 15% with the default
# time-weighted sampling (100us); the total lock_ns matches the threads'
# total measured waiting (the lock serializes all work, so this is also the
# "multi-threaded lock-serialized" check); each site's leaf is its call
# (pthread_mutex_lock, pthread_rwlock_wrlock, sem_wait) directly under the
# site; stdout and exit code are unchanged; meta.json lists lock_ns,
# lock_count, cond_ns, cond_count with nothing dropped. FLAMEPRE_LOCK_ADDR=1
# adds a [mutex 0x...] frame above the leaf that tells the two mutexes apart.
. "$(dirname "$0")/lib.sh"
need_lib
need_example lock_contention
AC="$PY $HERE/alloc_check.py"
measured() {   # measured OUTFILE SITE -> ns
    sed -n "s/^wait $2 ns=\([0-9]*\) .*/\1/p" "$1"
}
run() {   # run NAME TOL [VAR=VALUE...]
    name=$1 tol=$2
    shift 2
    echo "lock_contention 4 threads, FLAMEPRE_EVENTS=lock $*"
    profile "$TMP/$name" $name env FLAMEPRE_EVENTS=lock "$@" "$EX/lock_contention" 4 30
    [ "$(cat "$TMP/$name.rc")" = 0 ] || { show_head "$TMP/$name.err"; fail "exit code"; }
    grep -c '^wait site_' "$TMP/$name.out" | grep -qx 4 || fail "stdout changed: $(cat "$TMP/$name.out")"
    L=$(one_file "$TMP/$name" '*.lock_ns.folded') || exit 1
    C=$(one_file "$TMP/$name" '*.lock_count.folded') || exit 1
    one_file "$TMP/$name" '*.cond_ns.folded' >/dev/null || exit 1
    # The `env` that sets the variables runs preloaded too (events: cpu) and,
    # when a sample lands in it before its exec, leaves a profile of its own.
    M=$(one_file "$TMP/$name" 'lock_contention.*.meta.json') || exit 1
    check valid "$L" "$C"
    O=$TMP/$name.out
    h=$(measured "$O" site_hot) c=$(measured "$O" site_cold) r=$(measured "$O" site_rw) s=$(measured "$O" site_sem)
    $AC sum "$L" --tol "$tol" site_hot=$h site_cold=$c site_rw=$r site_sem=$s || fail "lock_ns per site off"
    total=$((h + c + r + s))
    got=$(awk '{s += $NF} END {print s}' "$L")
    note "total lock_ns $got, measured $total"
    "$PY" -c "import sys; g,t=$got,$total; sys.exit(0 if abs(g-t) <= $tol/100*t else 1)" || fail "total lock_ns off"
    $AC under "$L" pthread_mutex_lock 'site_(hot|cold)$' --min-share 40 || fail "mutex leaf"
    $AC under "$L" pthread_rwlock_wrlock 'site_rw$' || fail "rwlock leaf"
    $AC under "$L" sem_wait 'site_sem$' || fail "sem leaf"
    "$PY" - "$M" <<'PYEOF' || fail "meta.json"
import json, sys
m = json.load(open(sys.argv[1]))
for k in ("lock_ns", "lock_count", "cond_ns", "cond_count"):
    assert k in m["metrics"], k
    print("  %s: %s" % (k, m["metrics"][k]))
assert m["metrics"]["lock_ns"]["unit"] == "nanoseconds"
w = m["wait"]
print("  wait:", w, "mode", m["wait_mode"], m["wait_sample_ns"])
assert w["dropped"] == 0 and w["no_thread"] == 0 and w["sampled"] > 0
PYEOF
}
run exact 10 FLAMEPRE_WAIT_SAMPLE=0
run sampled 15
echo "FLAMEPRE_LOCK_ADDR=1: a frame names each mutex"
profile "$TMP/addr" addr env FLAMEPRE_EVENTS=lock FLAMEPRE_LOCK_ADDR=1 "$EX/lock_contention" 4 30
L=$(one_file "$TMP/addr" '*.lock_ns.folded') || exit 1
n=$(grep -o ';\[mutex 0x[0-9a-f]*\];pthread_mutex_lock ' "$L" | sort -u | wc -l)
note "distinct mutex frames: $n"
[ "$n" = 2 ] || { show_head "$L"; fail "expected 2 distinct [mutex 0x...] frames"; }
grep -q ';\[rwlock 0x[0-9a-f]*\];pthread_rwlock_wrlock ' "$L" || fail "no [rwlock] frame"
