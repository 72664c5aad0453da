#!/bin/bash
# A profiled program sees what it sees unprofiled: no extra thread (so
# glibc keeps its single-threaded paths and unshare(CLONE_NEWUSER) works),
# no child of its own for wait(), for every event. The in-process fallback
# (FLAMEPRE_COLLECTOR=thread) still profiles, and says so in meta.json.
. "$(dirname "$0")/lib.sh"
need_lib
build host_view
plain p "$TMP/host_view"
for ev in cpu alloc lock,io cpu,alloc,lock,io; do
    FLAMEPRE_EVENTS=$ev profile "$TMP/o-$ev" q "$TMP/host_view"
    cmp -s "$TMP/p.out" "$TMP/q.out" || fail "events $ev: output differs:
$(diff "$TMP/p.out" "$TMP/q.out")"
    # (the fork child has a profile of its own when it recorded something)
    for M in "$TMP/o-$ev"/*.meta.json; do
        [ -f "$M" ] || fail "events $ev: no meta.json"
        [ "$(meta_get "$M" collector)" = process ] || fail "events $ev: collector $(meta_get "$M" collector)"
    done
done
note "same output as unprofiled: $(tr '\n' ' ' <"$TMP/p.out")"

FLAMEPRE_COLLECTOR=thread FLAMEPRE_LOG=info profile "$TMP/thr" t "$TMP/host_view"
M=$(ls "$TMP/thr"/*.meta.json | head -n 1)
grep fd "$TMP/t.out" | cmp -s - <(grep fd "$TMP/p.out") || fail "in-process: descriptor numbers differ:
$(grep fd "$TMP/t.out")" 
[ "$(meta_get "$M" collector)" = thread ] || fail "FLAMEPRE_COLLECTOR=thread: collector $(meta_get "$M" collector)"
FLAMEPRE_COLLECTOR=/nonexistent/flamepre FLAMEPRE_LOG=info profile "$TMP/miss" m "$TMP/host_view"
M=$(ls "$TMP/miss"/*.meta.json | head -n 1)
[ "$(meta_get "$M" collector)" = thread ] || fail "missing collector: collector $(meta_get "$M" collector)"
grep -q "collecting in-process" "$TMP/m.err" || fail "missing collector: no message: $(cat "$TMP/m.err")"
[ "$(cat "$TMP/m.rc")" = 0 ] || fail "missing collector: exit status $(cat "$TMP/m.rc")"
note "fallback: $(grep -m1 'collecting in-process' "$TMP/m.err")"
