#!/bin/sh
# Allocation profiling, default sampling (512k): alloc_sites (1024 units,
# 5 GiB through three sites plus a 64 MiB leak) is estimated within 10% per
# site for bytes and counts, and live_bytes names leak_site within 10%, with
# no freed site in it. CPU profiling runs at the same time (cpu,alloc) and
# stdout is unchanged.
. "$(dirname "$0")/lib.sh"
need_lib
need_example alloc_sites
AC="$PY $HERE/alloc_check.py"
U=1024
plain p "$EX/alloc_sites" $U
echo "alloc_sites $U units, FLAMEPRE_EVENTS=cpu,alloc, default sampling"
FLAMEPRE_EVENTS=cpu,alloc profile "$TMP/s" q "$EX/alloc_sites" $U
[ "$(cat "$TMP/q.rc")" = 0 ] || { show_head "$TMP/q.err"; fail "exit code $(cat "$TMP/q.rc")"; }
cmp -s "$TMP/p.out" "$TMP/q.out" || fail "stdout differs"
B=$(one_file "$TMP/s" '*.alloc_bytes.folded') || exit 1
C=$(one_file "$TMP/s" '*.alloc_count.folded') || exit 1
L=$(one_file "$TMP/s" '*.live_bytes.folded') || exit 1
one_file "$TMP/s" '*.cpu.folded' >/dev/null || exit 1
check valid "$B" "$C" "$L"
$AC sum "$B" --tol 10 site_a=$((3145728 * U)) site_b=$((1572864 * U)) site_c=$((524288 * U)) || fail "byte estimates off"
$AC sum "$C" --tol 10 site_a=$((1024 * U)) site_b=$((2048 * U)) site_c=$((8192 * U)) || fail "count estimates off"
$AC sum "$L" --tol 10 leak_site=67108864 || fail "leak estimate off"
$AC none "$L" site_a site_b site_c || fail "freed sites in live_bytes"
