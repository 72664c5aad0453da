#!/bin/sh
# (f) Profiling changes nothing the program shows: stdout, stderr and exit
# code of `sh -c 'echo hi; exit 3'`, `false`, cpu_hotspot's result line and a
# pipeline's output are byte-identical with and without the preload (the
# default FLAMEPRE_LOG=quiet prints nothing on success).
. "$(dirname "$0")/lib.sh"
need_lib
need_example cpu_hotspot

same() {   # same NAME: compare the plain and profiled runs of NAME
    for s in out err rc; do
        cmp -s "$TMP/$1.plain.$s" "$TMP/$1.prof.$s" || {
            echo "  plain $s:"; show_head "$TMP/$1.plain.$s"
            echo "  profiled $s:"; show_head "$TMP/$1.prof.$s"
            fail "$1: $s differs with the profiler"
        }
    done
    note "$1: stdout, stderr, exit code $(cat "$TMP/$1.prof.rc") identical"
}
both() {   # both NAME CMD...: run plain and profiled
    n=$1
    shift
    plain "$n.plain" "$@"
    FLAMEPRE_HZ=999 profile "$TMP/o-$n" "$n.prof" "$@"
}

both sh sh -c 'echo hi; exit 3'
same sh
[ "$(cat "$TMP/sh.prof.out")" = hi ] && [ "$(cat "$TMP/sh.prof.rc")" = 3 ] || fail "sh: wrong output"
ls "$TMP/o-sh"/*.cpu.folded >/dev/null 2>&1 || fail "sh: no folded file written"

both false false
same false
[ "$(cat "$TMP/false.prof.rc")" = 1 ] || fail "false: exit code not 1"

# GNU sort installs its own handler for SIGPROF (and dies in it): a profiler
# must not hijack a signal the program owns (DESIGN.md section 5).
seq 1 200000 >"$TMP/nums"
both sort sort -r "$TMP/nums"
same sort

both pipe sh -c 'seq 1 200000 | sort -r | tr 0-9 a-j | md5sum; exit 0'
same pipe

# cpu_hotspot's stderr carries tids (they differ run to run): compare stdout
# and exit code only.
plain hot.plain "$EX/cpu_hotspot" 0.5 1 1
FLAMEPRE_HZ=999 profile "$TMP/o-hot" hot.prof "$EX/cpu_hotspot" 0.5 1 1
cmp -s "$TMP/hot.plain.out" "$TMP/hot.prof.out" || fail "cpu_hotspot stdout differs: $(cat "$TMP/hot.prof.out")"
cmp -s "$TMP/hot.plain.rc" "$TMP/hot.prof.rc" || fail "cpu_hotspot exit code differs"
grep -v '^cpu_hotspot: ' "$TMP/hot.prof.err" && fail "profiler wrote to stderr at FLAMEPRE_LOG=quiet"
note "cpu_hotspot: $(cat "$TMP/hot.prof.out")"

# Profiled output through a pipe into a file: the bytes a consumer reads.
env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/o-p2" "$EX/cpu_hotspot" 0.3 1 0 2>/dev/null | cat >"$TMP/p2.prof"
"$EX/cpu_hotspot" 0.3 1 0 2>/dev/null | cat >"$TMP/p2.plain"
cmp -s "$TMP/p2.plain" "$TMP/p2.prof" || fail "piped cpu_hotspot output differs"
note "piped cpu_hotspot output identical"
