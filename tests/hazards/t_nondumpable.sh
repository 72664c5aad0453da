#!/bin/sh
# A non-root program that makes itself non-dumpable (prctl(PR_SET_DUMPABLE,
# 0), as agents holding secrets do) closes its /proc/<pid>/maps to other
# processes of its user, the collector among them. The collector read the
# maps after answering HELLO, racing the program's first constructor: 1 run
# in 5 had every frame [unknown]; a library loaded later was never named.
# It now opens the maps before it answers, and reads that descriptor again
# later (permission is checked at open). A fork child, non-dumpable from
# its start, had every frame [unknown]: its map is now its parent's.
# Checked: main_burn (program), lib_burn (a library dlopen'ed after the
# prctl) and the fork child's child_burn are named, 5 runs of 5. As root
# the run is made as user nobody.
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
    child=$(sed -n 's/^child //p' "$TMP/n.out")
    [ -n "$child" ] || fail "run $run: no child pid: $(cat "$TMP/n.out")"
    C="$D/nodump_main.$child.cpu.folded"
    wait_for "$C" 3000 || fail "run $run: no profile of the fork child: $(ls "$D")"
    c=$(awk '/;main;child_burn/ {s += $NF} END {print s + 0}' "$C")
    F=$(ls "$D"/nodump_main.*.cpu.folded | grep -v "\.$child\.cpu") || fail "no parent profile"
    [ "$(echo "$F" | wc -l)" = 1 ] || fail "run $run: profiles: $(ls "$D")"
    note "run $run: fork child: child_burn $c samples (about 300)"
    [ "$c" -ge 200 ] || fail "run $run: the child's child_burn has $c samples: $(head -3 "$C")"
    m=$(awk '/;main;main_burn/ {s += $NF} END {print s + 0}' "$F")
    l=$(awk '/;lib_burn/ {s += $NF} END {print s + 0}' "$F")
    u=$(awk '/\[unknown\]/ {s += $NF} END {print s + 0}' "$F")
    note "run $run: main_burn $m, lib_burn $l, [unknown] $u samples (about 300 each)"
    [ "$m" -ge 200 ] || fail "run $run: main_burn has $m samples: $(head -3 "$F")"
    [ "$l" -ge 200 ] || fail "run $run: lib_burn has $l samples: $(head -3 "$F")"
done
