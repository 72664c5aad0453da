#!/bin/sh
# A non-root program that makes itself non-dumpable (prctl(PR_SET_DUMPABLE,
# 0), as agents holding secrets do) closes its /proc/<pid>/maps to other
# processes of its user, the collector among them. The collector read the
# maps after answering HELLO, racing the program's first constructor: 1 run
# in 5 had every frame [unknown]; a library loaded later was never named.
# It now opens the maps before it answers, and reads that descriptor again
# later (permission is checked at open). Checked: main_burn (program) and
# lib_burn (a library dlopen'ed after the prctl) are named, 5 runs of 5.
# As root the run is made as user nobody.
. "$(dirname "$0")/lib.sh"
need_lib
build nodump_main
cc -O2 -g -shared -fPIC -o "$TMP/nodump_lib.so" "$HAZ/progs/nodump_lib.c" || fail "cannot build nodump_lib"
chmod 755 "$TMP"
as_user=""
if [ "$(id -u)" = 0 ]; then
    command -v setpriv >/dev/null || fail "setpriv (util-linux) not found"
    as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
for run in 1 2 3 4 5; do
    D="$TMP/o$run"
    mkdir -p "$D"
    chmod 777 "$D"
    # (no inline cache: nobody may not write the test's directory)
    timeout "$TMO" $as_user env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$D" FLAMEPRE_HZ=999 \
        FLAMEPRE_CACHE_DIR=off "$TMP/nodump_main" "$TMP/nodump_lib.so" >"$TMP/n.out" 2>"$TMP/n.err"
    rc=$?
    [ $rc = 0 ] || fail "run $run: exit status $rc: $(cat "$TMP/n.err")"
    F=$(one_file "$D" 'nodump_main.*.cpu.folded') || exit 1
    m=$(awk '/;main;main_burn/ {s += $NF} END {print s + 0}' "$F")
    l=$(awk '/;lib_burn/ {s += $NF} END {print s + 0}' "$F")
    u=$(awk '/\[unknown\]/ {s += $NF} END {print s + 0}' "$F")
    note "run $run: main_burn $m, lib_burn $l, [unknown] $u samples (about 300 each)"
    [ "$m" -ge 200 ] || fail "run $run: main_burn has $m samples: $(head -3 "$F")"
    [ "$l" -ge 200 ] || fail "run $run: lib_burn has $l samples: $(head -3 "$F")"
done
