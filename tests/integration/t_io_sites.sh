#!/bin/sh
# I/O profiling: io_sites moves known bytes through known calls. In exact
# mode (FLAMEPRE_WAIT_SAMPLE=0) io_bytes per site and leaf is exact
# (`read [chr]` 4096000 under site_zero, `write [file]` 1048576 under
# site_file, `fwrite [file]` 100000 under site_stdio); the stdio buffer's
# inner write is not counted again (no `write` under site_stdio); `fsync
# [file]`, `read [pipe]`, `recv [unix]` appear under their sites; io_ns of
# `read [pipe]` matches the wait the example measured (within 10%); with
# default sampling the pipe wait (2 ms blocks, always sampled) is within
# 15%. The profiler's own output and /proc reads never appear.
. "$(dirname "$0")/lib.sh"
need_lib
need_example io_sites
for mode in exact sampled; do
    [ $mode = exact ] && ws=0 || ws=100us
    echo "io_sites, FLAMEPRE_EVENTS=io FLAMEPRE_WAIT_SAMPLE=$ws"
    profile "$TMP/$mode" $mode env FLAMEPRE_EVENTS=io FLAMEPRE_WAIT_SAMPLE=$ws "$EX/io_sites" "$TMP"
    [ "$(cat "$TMP/$mode.rc")" = 0 ] || { show_head "$TMP/$mode.err"; fail "exit code"; }
    N=$(one_file "$TMP/$mode" '*.io_ns.folded') || exit 1
    B=$(one_file "$TMP/$mode" '*.io_bytes.folded') || exit 1
    one_file "$TMP/$mode" '*.io_count.folded' >/dev/null || exit 1
    check valid "$N" "$B"
    pw=$(sed -n 's/^pipe_wait_ns=//p' "$TMP/$mode.out")
    if [ $mode = exact ]; then
        grep -q ';site_zero;read \[chr\] 4096000$' "$B" || { show_head "$B"; fail "site_zero bytes"; }
        grep -q ';site_file;write \[file\] 1048576$' "$B" || { show_head "$B"; fail "site_file bytes"; }
        grep -q ';site_stdio;fwrite \[file\] 100000$' "$B" || { show_head "$B"; fail "site_stdio bytes"; }
        if grep -q ';site_stdio;write ' "$N"; then fail "stdio's inner write counted twice"; fi
        for leaf in 'site_file;fsync \[file\]' 'site_pipe;read \[pipe\]' 'site_sock;recv \[unix\]'; do
            grep -q ";$leaf " "$N" || { show_head "$N"; fail "no $leaf"; }
        done
        tol=10
    else
        tol=15
    fi
    got=$(grep ';site_pipe;read \[pipe\] ' "$N" | awk '{s += $NF} END {print s + 0}')
    note "site_pipe read [pipe]: $got ns, measured $pw"
    "$PY" -c "import sys; sys.exit(0 if abs($got-$pw) <= $tol/100*$pw else 1)" || fail "pipe wait off"
    if grep -q 'flamepre\|collector\|/proc' "$N"; then fail "profiler frames in io_ns"; fi
done
