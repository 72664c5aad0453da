#!/bin/sh
# A module libc loads by itself (a gconv module for iconv, past the dlopen
# interposer) in a process shorter than the collector's once-a-second map
# refresh: the collector reads the map again at the end because the loader's
# counts moved, so the module's code is named, not [unknown].
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -o "$TMP/libc_loads" "$HERE/progs/libc_loads.c" || fail "cannot build libc_loads"
[ -n "$(find /usr/lib/x86_64-linux-gnu/gconv /usr/lib64/gconv /usr/lib/gconv -name 'UTF-16.so' 2>/dev/null)" ] ||
    { echo "SKIP: no gconv UTF-16 module"; exit 0; }
FLAMEPRE_HZ=999 profile "$TMP/o" l "$TMP/libc_loads" 0.4
[ "$(cat "$TMP/l.rc")" = 0 ] || fail "exit status $(cat "$TMP/l.rc"): $(cat "$TMP/l.err")"
F=$(one_file "$TMP/o" 'libc_loads.[0-9]*.cpu.folded') || exit 1
"$PY" - "$F" <<'PYEOF' || fail "the gconv module's code is not named"
import sys
total = conv = unknown = 0
for l in open(sys.argv[1]):
    stack, n = l.rstrip("\n").rsplit(" ", 1)
    n = int(n)
    total += n
    frames = stack.split(";")
    if "iconv" in frames:
        conv += n
        if frames[-1] == "[unknown]":
            unknown += n
print("  %d samples, %d in iconv, %d of them ending in [unknown]" % (total, conv, unknown))
assert conv >= 0.5 * total, "iconv is not the hot path"
assert unknown <= 0.05 * conv, "iconv's callees in the gconv module are unnamed"
PYEOF
