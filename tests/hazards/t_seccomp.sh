#!/bin/bash
# A seccomp filter against perf_event_open, killing or returning EPERM,
# installed by the program with prctl or syscall(SYS_seccomp), or
# inherited at exec: the program runs as unprofiled, and all its threads
# are sampled by the timer clock.
. "$(dirname "$0")/lib.sh"
need_lib
build seccomp_perf
for act in kill eperm; do
    for how in prctl syscall exec; do
        n=$act-$how
        plain p-$n "$TMP/seccomp_perf" $act $how
        profile "$TMP/$n" $n "$TMP/seccomp_perf" $act $how
        [ "$(cat "$TMP/$n.rc")" = "$(cat "$TMP/p-$n.rc")" ] ||
            fail "$n: exit $(cat "$TMP/$n.rc"), unprofiled $(cat "$TMP/p-$n.rc"): $(cat "$TMP/$n.err")"
        cmp -s "$TMP/p-$n.out" "$TMP/$n.out" || fail "$n: output '$(cat "$TMP/$n.out")'"
        # the image that ran the threads: the last one (after exec, if any)
        M=$(ls -t "$TMP/$n"/*.meta.json | head -n 1)
        [ -f "$M" ] || fail "$n: no meta.json"
        sampled=$("$PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(sum(1 for t in m["threads"] if t["exited"] and t["samples"] > 0))' "$M")
        [ "$sampled" = 5 ] || fail "$n: $sampled of 5 threads sampled"
        note "$n: 5 threads sampled; sampler $(meta_get "$M" sampler), threads_timer_fallback $(meta_get "$M" threads_timer_fallback)"
    done
done
