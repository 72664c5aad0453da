#!/bin/bash
# Under an address-space limit (ulimit -v) the profiler's reserved memory
# counts against the program's budget. The shared mapping took 538 MB with
# cpu alone and 1.6 GB with every event, the live-block table 64 MB more:
# under `ulimit -v 700000` a program's mallocs failed (13420 of 80000, and
# its one 150 MB block) where they do not unprofiled. Both now take at most
# an eighth and a sixteenth of the limit. And a collector started under the
# limit could not map the images it had accepted: at 400 MB a shell that
# runs /bin/true took 60 s (hello time-outs) and then gave up profiling.
# Such a collector now maps an image at its HELLO and, if it cannot, lets
# the process collect in-process at once.
. "$(dirname "$0")/lib.sh"
need_lib
build as_budget
export FLAMEPRE_EVENTS=cpu,alloc,lock,io,wall
(ulimit -v 700000 && "$TMP/as_budget") >"$TMP/p.out" 2>&1 || fail "plain run failed: $(cat "$TMP/p.out")"
(ulimit -v 700000 && LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/o" timeout "$TMO" "$TMP/as_budget") \
    >"$TMP/q.out" 2>&1 || fail "profiled run failed: $(cat "$TMP/q.out")"
note "ulimit -v 700000: plain \"$(cat "$TMP/p.out")\", profiled \"$(cat "$TMP/q.out")\""
cmp -s "$TMP/p.out" "$TMP/q.out" || fail "the program's allocations fare differently profiled"
M=$(one_file "$TMP/o" 'as_budget.*.meta.json') || exit 1

t0=$(date +%s%N)
out=$( (ulimit -v 400000 && LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/s" timeout "$TMO" \
    sh -c '/bin/true; echo x') 2>"$TMP/s.err") || fail "the shell failed: $(cat "$TMP/s.err")"
ms=$((($(date +%s%N) - t0) / 1000000))
n=$(find "$TMP/s" -name '*.meta.json' | wc -l)
note "ulimit -v 400000: sh -c '/bin/true; echo x' in $ms ms, $n profiles"
[ "$out" = x ] || fail "the shell printed \"$out\""
[ "$ms" -lt 5000 ] || fail "the shell took $ms ms"
[ "$n" -ge 2 ] || fail "$n profiles for sh and true: $(cat "$TMP/s.err")"
