#!/bin/sh
# Hazards of allocation profiling inside the host, each once a real defect:
# (1) a signal handler that calls _exit on a thread that is exiting (with
#     alloc alone, exiting threads do the collector's slot bookkeeping: it
#     must never hold a lock the handler's exit path takes again): no hang;
# (2) threads starting and ending after the process chroots away from /proc
#     (a running thread must never be taken for a dead one and its slot
#     handed over): no crash;
# (3) the stack cache's mapping failing (RLIMIT_AS, vm.max_map_count): slower,
#     never a crash;
# (4) a thread's frees and its own signal handler's frees of one site
#     interleaving: live_bytes still exactly zero for it;
# (5) exact mode with 5 million live blocks: the live table holds them all
#     (README: about 6 million).
. "$(dirname "$0")/lib.sh"
need_lib
P=$HERE/progs
cc -O1 -g -o "$TMP/exit_in_handler" "$P/exit_in_handler.c" -lpthread || fail "cannot build exit_in_handler"
cc -O1 -g -fno-omit-frame-pointer -o "$TMP/chroot_threads" "$P/chroot_threads.c" -lpthread ||
    fail "cannot build chroot_threads"
cc -O2 -shared -fPIC -o "$TMP/mmap_fail.so" "$P/mmap_fail.c" -ldl || fail "cannot build mmap_fail.so"
cc -O2 -shared -fPIC -o "$TMP/bump_alloc.so" "$P/bump_alloc.c" || fail "cannot build bump_alloc.so"
cc -O1 -g -fno-omit-frame-pointer -o "$TMP/free_in_handler" "$P/free_in_handler.c" -lpthread ||
    fail "cannot build free_in_handler"

echo "(1) _exit from a signal handler on exiting threads, alloc only, 12 runs"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    rm -rf "$TMP/x"
    FLAMEPRE_TEST_TIMEOUT=20 FLAMEPRE_EVENTS=alloc profile "$TMP/x" x "$TMP/exit_in_handler"
    rc=$(cat "$TMP/x.rc")
    [ "$rc" = 124 ] && fail "run $i hung (killed after 20 s)"
    [ "$rc" = 0 ] || { show_head "$TMP/x.err"; fail "run $i: exit code $rc"; }
done
note "12 runs ended"

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$TMP/empty"
    for mode in "alloc 0 fp" "alloc 0 dwarf" "alloc 4k dwarf" "cpu,alloc 512k dwarf"; do
        set -- $mode
        echo "(2) threads after chroot, FLAMEPRE_EVENTS=$1 FLAMEPRE_ALLOC_SAMPLE=$2 FLAMEPRE_UNWIND=$3"
        FLAMEPRE_EVENTS=$1 FLAMEPRE_ALLOC_SAMPLE=$2 FLAMEPRE_UNWIND=$3 \
            profile "$TMP/c" c "$TMP/chroot_threads" "$TMP/empty"
        rc=$(cat "$TMP/c.rc")
        [ "$rc" = 0 ] || { show_head "$TMP/c.err"; fail "exit code $rc"; }
        [ "$(cat "$TMP/c.out")" = survived ] || fail "stdout: $(cat "$TMP/c.out")"
    done
else
    note "(2) skipped: chroot needs root"
fi

printf '#include "preload/stackcache.h"\n#include <stdio.h>\nint main(void) { printf("%%zu\\n", sizeof(struct stackcache)); return 0; }\n' >"$TMP/sz.c"
cc -I"$ROOT" -o "$TMP/sz" "$TMP/sz.c" || fail "cannot build sz"
SZ=$("$TMP/sz")
need_example alloc_sites
plain p "$EX/alloc_sites" 16
for mode in "0 fp" "0 dwarf" "512k dwarf"; do
    set -- $mode
    echo "(3) stack cache mapping ($SZ bytes) refused, FLAMEPRE_ALLOC_SAMPLE=$1 FLAMEPRE_UNWIND=$2"
    rm -rf "$TMP/m"
    mkdir -p "$TMP/m"
    timeout "$TMO" env MMAP_FAIL_SIZE="$SZ" LD_PRELOAD="$TMP/mmap_fail.so $LIB" FLAMEPRE_OUTPUT="$TMP/m" \
        FLAMEPRE_EVENTS=alloc FLAMEPRE_ALLOC_SAMPLE=$1 FLAMEPRE_UNWIND=$2 "$EX/alloc_sites" 16 \
        >"$TMP/m.out" 2>"$TMP/m.err"
    rc=$?
    [ "$rc" = 0 ] || { show_head "$TMP/m.err"; fail "exit code $rc"; }
    cmp -s "$TMP/p.out" "$TMP/m.out" || fail "stdout differs"
    B=$(one_file "$TMP/m" '*.alloc_bytes.folded') || exit 1
    check has "$B" --frame site_a --min-share 15
done

echo "(4) frees of one site from its thread and its own signal handler, exact"
rm -rf "$TMP/f"
mkdir -p "$TMP/f"
timeout "$TMO" env LD_PRELOAD="$LIB $TMP/bump_alloc.so" FLAMEPRE_OUTPUT="$TMP/f" FLAMEPRE_EVENTS=alloc \
    FLAMEPRE_ALLOC_SAMPLE=0 "$TMP/free_in_handler" 3000000 >"$TMP/f.out" 2>"$TMP/f.err"
rc=$?
[ "$rc" = 0 ] || { show_head "$TMP/f.err"; fail "exit code $rc"; }
[ "$(cat "$TMP/f.out")" = done ] || fail "stdout: $(cat "$TMP/f.out")"
C=$(one_file "$TMP/f" '*.alloc_count.folded') || exit 1
L=$(one_file "$TMP/f" '*.live_bytes.folded') || exit 1
"$PY" "$HERE/alloc_check.py" sum "$C" --exact site=3000000 || fail "site() allocations not all counted"
"$PY" "$HERE/alloc_check.py" none "$L" site || fail "live_bytes shows freed blocks of site()"

echo "(5) exact mode, 5 million live blocks"
cc -O2 -g -fno-omit-frame-pointer -o "$TMP/many_blocks" "$P/many_blocks.c" || fail "cannot build many_blocks"
rm -rf "$TMP/b"
FLAMEPRE_EVENTS=alloc FLAMEPRE_ALLOC_SAMPLE=0 profile "$TMP/b" b "$TMP/many_blocks" 5000000
[ "$(cat "$TMP/b.rc")" = 0 ] || { show_head "$TMP/b.err"; fail "exit code $(cat "$TMP/b.rc")"; }
M=$(one_file "$TMP/b" '*.meta.json') || exit 1
L=$(one_file "$TMP/b" '*.live_bytes.folded') || exit 1
"$PY" - "$M" "$L" <<'PYEOF' || fail "live table lost blocks"
import json, sys
a = json.load(open(sys.argv[1]))["alloc"]
live = sum(int(l.rsplit(" ", 1)[1]) for l in open(sys.argv[2]) if l.rsplit(" ", 1)[0].endswith(";main"))
print("  untracked_live %d, live_blocks %d" % (a["untracked_live"], a["live_blocks"]))
print("  live bytes under main %d" % live)
assert a["untracked_live"] == 0 and a["live_blocks"] >= 2500000
assert live >= 2500000 * 24 + 5000000 * 8   # the kept blocks and the pointer array
PYEOF
