#!/bin/sh
# A profiled /bin/true never grows the heap: nothing on the library's start
# or exit path calls malloc (a failed dlsym would, for its error message),
# which in a short program would mean brk, getrandom and page faults it
# never pays for unprofiled. Checked for the process that starts the
# collector and for one that attaches to it.
. "$(dirname "$0")/lib.sh"
need_lib
command -v strace >/dev/null || fail "strace not installed (make deps-test)"
for i in 1 2; do
    timeout "$TMO" env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/o" \
        strace -o "$TMP/st.$i" -e trace=brk /bin/true ||
        fail "profiled /bin/true failed under strace"
    note "run $i: $(grep -c '^brk' "$TMP/st.$i") brk calls: $(grep '^brk' "$TMP/st.$i" | tr '\n' ' ')"
    if grep -q '^brk(0x' "$TMP/st.$i"; then
        cat "$TMP/st.$i"
        fail "run $i: the heap was grown (a malloc on the start or exit path)"
    fi
done
[ "$(ls "$TMP/o"/true.*.meta.json | wc -l)" = 2 ] || fail "expected two profiles: $(ls "$TMP/o")"
