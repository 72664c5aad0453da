#!/bin/sh
# Lock and I/O interposers keep libc's semantics: io_semantics (errno,
# partial transfers, EAGAIN, EBADF, EPIPE, SIGPIPE, EINTR, stdio, error-
# checking/recursive/robust mutexes, timeouts, sem_timedwait EINVAL,
# pthread_cancel of threads blocked in read, sem_wait and pthread_cond_wait)
# prints the same lines and exits 0 with the profiler recording every call
# (FLAMEPRE_WAIT_SAMPLE=0), with default sampling, with the events off, and
# with the wall event (which times every lock, I/O, sleep and child wait).
. "$(dirname "$0")/lib.sh"
need_lib
need_example io_semantics
plain p "$EX/io_semantics"
[ "$(cat "$TMP/p.rc")" = 0 ] || { cat "$TMP/p.out"; fail "io_semantics fails without the profiler"; }
for spec in "io,lock 0" "io,lock 100us" "cpu 100us" "io 0" "wall 0" "wall 100us"; do
    set -- $spec
    echo "FLAMEPRE_EVENTS=$1 FLAMEPRE_WAIT_SAMPLE=$2"
    profile "$TMP/o" q env FLAMEPRE_EVENTS=$1 FLAMEPRE_WAIT_SAMPLE=$2 "$EX/io_semantics"
    [ "$(cat "$TMP/q.rc")" = 0 ] || { cat "$TMP/q.out"; show_head "$TMP/q.err"; fail "exit code $(cat "$TMP/q.rc")"; }
    cmp -s "$TMP/p.out" "$TMP/q.out" || { diff "$TMP/p.out" "$TMP/q.out"; fail "output differs"; }
    [ -s "$TMP/q.err" ] && { show_head "$TMP/q.err"; fail "unexpected stderr"; }
    note "identical, exit 0"
done
M=$(ls "$TMP"/o/io_semantics.*.meta.json | head -1)
[ -n "$M" ] || fail "no meta.json"
