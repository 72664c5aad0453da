#!/bin/bash
# A library unloaded before the end is still named, and a library loaded
# later at the same addresses does not take its samples: a_hot_function
# of liba.so keeps its CPU time after libb.so replaced it, and libb.so's
# b_innocent_function gets none of it.
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -fPIC -shared -DHOT -o "$TMP/liba.so" "$HAZ/progs/reuse_lib.c" || fail "cannot build liba.so"
cc -O2 -g -fPIC -shared -o "$TMP/libb.so" "$HAZ/progs/reuse_lib.c" || fail "cannot build libb.so"
cc -O2 -g -o "$TMP/reuse_main" "$HAZ/progs/reuse_main.c" -ldl || fail "cannot build reuse_main"
FLAMEPRE_HZ=499 profile "$TMP/o" q "$TMP/reuse_main" "$TMP"
[ "$(cat "$TMP/q.rc")" = 0 ] || fail "exit status $(cat "$TMP/q.rc"): $(cat "$TMP/q.err")"
F=$(one_file "$TMP/o" '*.cpu.folded') || exit 1
all=$(total "$F")
hot=$(grep 'a_hot_function' "$F" | awk '{ s += $NF } END { print s + 0 }')
bad=$(grep 'b_innocent_function' "$F" | awk '{ s += $NF } END { print s + 0 }')
note "$(cat "$TMP/q.out"); a_hot_function $hot, b_innocent_function $bad of $all samples"
[ "$hot" -ge $((all * 6 / 10)) ] || { show_head "$F"; fail "a_hot_function has $hot of $all samples"; }
[ "$bad" -le $((all / 50)) ] || { show_head "$F"; fail "b_innocent_function took $bad samples"; }
