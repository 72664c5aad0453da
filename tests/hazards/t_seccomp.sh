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

# Filters that kill on the other calls the profiler makes: timer_create,
# socket, memfd_create (and perf_event_open), installed by the program or
# inherited at exec. The profiler made them (a timer for each new thread
# once perf was refused; socket and memfd_create in every fork child, and at
# the start of an image under an inherited filter) and the program died of
# SIGSYS. Now an inherited filter is probed for each kind in a throw-away
# child, and one the program installs is read (its BPF run on each kind's
# call): the program runs as unprofiled.
build seccomp_kill
for nr in 222 41 319 298; do
    plain pk-$nr "$TMP/seccomp_kill" $nr later
    profile "$TMP/k$nr" k$nr "$TMP/seccomp_kill" $nr later
    [ "$(cat "$TMP/k$nr.rc")" = "$(cat "$TMP/pk-$nr.rc")" ] ||
        fail "kill on $nr, installed later: exit $(cat "$TMP/k$nr.rc"), unprofiled $(cat "$TMP/pk-$nr.rc")"
    cmp -s "$TMP/pk-$nr.out" "$TMP/k$nr.out" || fail "kill on $nr, later: output '$(cat "$TMP/k$nr.out")'"
    timeout "$TMO" "$TMP/seccomp_kill" $nr exec env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/e$nr" \
        "$TMP/seccomp_kill" 999 later >"$TMP/e$nr.out" 2>"$TMP/e$nr.err"
    rc=$?
    [ $rc = 0 ] && [ "$(cat "$TMP/e$nr.out")" = "bad=0" ] ||
        fail "kill on $nr, inherited: exit $rc, output '$(cat "$TMP/e$nr.out")'"
    note "kill on system call $nr: installed later and inherited, the program runs as unprofiled"
done
