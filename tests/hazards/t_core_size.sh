#!/bin/bash
# A profiled process's core dump holds the program, not the profiler's
# shared memory: that mapping (hundreds of megabytes of address space, with
# every event on over a gigabyte) went into each core, so a crash wrote a
# 0.5-1.6 GB core instead of 0.5 MB and took seconds to die. The mapping
# and the live-block table are now MADV_DONTDUMP. An aborting program, all
# events on: same exit status, and a core within 32 MB of the plain one.
. "$(dirname "$0")/lib.sh"
need_lib
pat=$(cat /proc/sys/kernel/core_pattern)
case $pat in
    "|"* | */*) echo "SKIP: core_pattern '$pat' does not write into the working directory"; exit 0 ;;
esac
build abort_now
ulimit -c unlimited 2>/dev/null || { echo "SKIP: cannot raise the core size limit"; exit 0; }
core_size() {   # core_size DIR: bytes of the one core file written in DIR
    f=$(find "$1" -maxdepth 1 -name 'core*' -type f | head -1)
    [ -n "$f" ] || { echo 0; return; }
    du -B1 "$f" | cut -f1
}
mkdir -p "$TMP/plain" "$TMP/prof"
(cd "$TMP/plain" && timeout "$TMO" "$TMP/abort_now"; echo $? >rc) 2>/dev/null
(cd "$TMP/prof" && FLAMEPRE_EVENTS=cpu,alloc,lock,io,wall LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/o" \
    timeout "$TMO" "$TMP/abort_now"; echo $? >rc) 2>/dev/null
[ "$(cat "$TMP/prof/rc")" = "$(cat "$TMP/plain/rc")" ] ||
    fail "exit status $(cat "$TMP/prof/rc"), plain $(cat "$TMP/plain/rc")"
a=$(core_size "$TMP/plain")
b=$(core_size "$TMP/prof")
note "core on disk: plain $a bytes, profiled $b bytes"
[ "$a" -gt 0 ] || { echo "SKIP: no core written here (pattern '$pat')"; exit 0; }
[ "$b" -gt 0 ] || fail "the profiled run wrote no core"
[ "$b" -le $((a + 32 * 1024 * 1024)) ] || fail "profiled core $b bytes, plain $a"
