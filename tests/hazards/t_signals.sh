#!/bin/bash
# The profiler's signals never reach the program. A program that blocks
# SIGPROF and takes it with sigwaitinfo, sigtimedwait or a signalfd counts
# exactly the signals it sent itself (the sampler moves to another signal,
# counted in signal_moves), and is still sampled. A thread that blocks
# every signal is counted in threads_signal_blocked. The same with the wall
# event, which also times those waits.
. "$(dirname "$0")/lib.sh"
need_lib
build sigwait_prof
for how in sigwaitinfo sigtimedwait signalfd; do
    plain p-$how "$TMP/sigwait_prof" $how
    for s in perf timer; do
        n=$how-$s
        FLAMEPRE_SAMPLER=$s profile "$TMP/$n" $n "$TMP/sigwait_prof" $how
        [ "$(cat "$TMP/$n.rc")" = 0 ] || fail "$n: exit $(cat "$TMP/$n.rc"): $(cat "$TMP/$n.err")"
        cmp -s "$TMP/p-$how.out" "$TMP/$n.out" ||
            fail "$n: '$(cat "$TMP/$n.out")', unprofiled '$(cat "$TMP/p-$how.out")'"
        M=$(one_file "$TMP/$n" '*.meta.json') || exit 1
        [ "$(meta_get "$M" signal_moves)" -ge 1 ] || fail "$n: signal_moves $(meta_get "$M" signal_moves)"
        [ "$(meta_get "$M" threads_signal_blocked)" = 1 ] ||
            fail "$n: threads_signal_blocked $(meta_get "$M" threads_signal_blocked), want 1"
        F=$(one_file "$TMP/$n" '*.cpu.folded') || exit 1
        # 400 ms of the main thread's CPU at 99 Hz: about 40 samples
        t=$(total "$F")
        [ "$t" -ge 20 ] || fail "$n: $t samples after the move"
        note "$n: $(cat "$TMP/$n.out"); $t samples, signal_moves $(meta_get "$M" signal_moves)"
    done
done
# The wall event times sigwaitinfo/sigtimedwait in the same shims: the
# program still counts exactly its own signals.
for how in sigwaitinfo sigtimedwait signalfd; do
    n=$how-wall
    FLAMEPRE_EVENTS=wall profile "$TMP/$n" $n "$TMP/sigwait_prof" $how
    [ "$(cat "$TMP/$n.rc")" = 0 ] || fail "$n: exit $(cat "$TMP/$n.rc"): $(cat "$TMP/$n.err")"
    cmp -s "$TMP/p-$how.out" "$TMP/$n.out" ||
        fail "$n: '$(cat "$TMP/$n.out")', unprofiled '$(cat "$TMP/p-$how.out")'"
    F=$(one_file "$TMP/$n" '*.wall.folded') || exit 1
    note "$n: $(cat "$TMP/$n.out"); wall.folded $(total "$F") ns"
done

# Threads that inherit a mask blocking every signal are counted too: the
# check of a new thread's inherited mask ran under the guard of its
# registration and was taken for the profiler's own masking (1 counted
# where 4 threads blocked everything).
build block_then_threads
profile "$TMP/bt" bt "$TMP/block_then_threads"
[ "$(cat "$TMP/bt.rc")" = 0 ] && [ "$(cat "$TMP/bt.out")" = done ] || fail "block_then_threads failed"
M=$(one_file "$TMP/bt" '*.meta.json') || exit 1
n=$(meta_get "$M" threads_signal_blocked)
note "main blocks every signal, 3 threads inherit the mask: threads_signal_blocked $n"
[ "$n" = 4 ] || fail "threads_signal_blocked $n, want 4"
