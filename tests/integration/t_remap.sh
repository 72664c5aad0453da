#!/bin/bash
# Code a program maps from a file itself (mmap, not dlopen: V8 with its
# builtins) is named through that file and offset, also when the mapping is
# gone before the end: remap_self runs its hot function from a private
# mapping of its own executable for 0.4 s, then unmaps it. With the
# collector process and with the in-process collector.
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -o "$TMP/remap_self" "$HERE/progs/remap_self.c" || fail "cannot build remap_self"
for mode in process thread; do
    if [ $mode = thread ]; then export FLAMEPRE_COLLECTOR=thread; fi
    FLAMEPRE_HZ=999 profile "$TMP/$mode" $mode "$TMP/remap_self" 0.4
    unset FLAMEPRE_COLLECTOR
    [ "$(cat "$TMP/$mode.rc")" = 0 ] || fail "$mode: exit status $(cat "$TMP/$mode.rc"): $(cat "$TMP/$mode.err")"
    F=$(one_file "$TMP/$mode" '*.cpu.folded') || exit 1
    M=$(one_file "$TMP/$mode" '*.meta.json') || exit 1
    [ "$(meta_get "$M" collector)" = $mode ] || fail "collector $(meta_get "$M" collector), not $mode"
    set -- $(awk '/;remapped_work [0-9]+$/ {s += $NF} {t += $NF} END {printf "%d %d", s, t}' "$F")
    note "collector $mode: $1 of $2 samples in remapped_work (run from its own mapping)"
    [ "$1" -ge $(($2 * 7 / 10)) ] || { show_head "$F"; fail "$mode: the remapped copy's samples are not named"; }
done
