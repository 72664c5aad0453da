#!/bin/sh
# Samples that land inside the dynamic loader or an unwinder must not
# deadlock or crash the host: dl_churn (dlopen/dlclose, dl_iterate_phdr,
# backtrace() on 2 threads) and exceptions (C++ throw/catch on 2 threads:
# libgcc's unwinder takes the loader lock) run at 999 Hz with fp and dwarf
# unwinding, finish within the timeout with unchanged stdout and exit code,
# and write a valid folded file.
. "$(dirname "$0")/lib.sh"
need_lib
need_example dl_churn
need_example exceptions
TMO=60

for prog in dl_churn exceptions; do
    plain p "$EX/$prog" 0.2 2
    for uw in fp dwarf; do
        echo "$prog 2 s, 2 threads, 999 Hz, FLAMEPRE_UNWIND=$uw"
        FLAMEPRE_HZ=999 FLAMEPRE_UNWIND=$uw profile "$TMP/$prog-$uw" q "$EX/$prog" 2 2
        [ "$(cat "$TMP/q.rc")" = 0 ] || { show_head "$TMP/q.err"; fail "exit code $(cat "$TMP/q.rc")"; }
        cmp -s "$TMP/p.out" "$TMP/q.out" || fail "stdout differs: $(cat "$TMP/q.out")"
        F=$(one_file "$TMP/$prog-$uw" '*.cpu.folded') || exit 1
        check valid "$F"
    done
done
# C++ names are demangled (namespace and template arguments).
check has "$TMP/exceptions-dwarf"/*.cpu.folded --frame 'demo::Thrower<long>::deep(\(long, int\).*)?'
