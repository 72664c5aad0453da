#!/bin/bash
# node 20: V8's embedded builtins are named although V8 runs them from a
# copy it maps itself (a second mapping of /usr/bin/node, made after the
# collector first read the maps); with --perf-basic-prof, JIT code is named
# from /tmp/perf-<pid>.map and marked "_[j]".
. "$(dirname "$0")/lib.sh"
need_lib
command -v node >/dev/null || { echo "SKIP: node not installed"; exit 0; }
SS="$HERE/selfshare.py"
JS="$HERE/progs/map_heavy.js"

FLAMEPRE_HZ=499 profile "$TMP/b" b node "$JS" 1.5
[ "$(cat "$TMP/b.rc")" = 0 ] || fail "exit status $(cat "$TMP/b.rc"): $(tail -n 3 "$TMP/b.err")"
[ "$(cat "$TMP/b.out")" = ok ] || fail "node's output changed: $(cat "$TMP/b.out")"
F=$(one_file "$TMP/b" 'node.*.cpu.folded') || exit 1
"$PY" "$SS" folded "$F" >"$TMP/b.json" || fail "cannot read $F"
set_share=$("$PY" "$SS" share "$TMP/b.json" Builtins_MapPrototypeSet)
unknown=$("$PY" "$SS" share "$TMP/b.json" '[unknown]')
note "leaves: Builtins_MapPrototypeSet $set_share%, [unknown] $unknown% (perf: about 30% and 25%)"
"$PY" -c 'import sys; sys.exit(float(sys.argv[1]) < 10)' "$set_share" ||
    { show_head "$F"; fail "Builtins_MapPrototypeSet is $set_share% of leaves (perf: about 30%)"; }
"$PY" -c 'import sys; sys.exit(float(sys.argv[1]) > 40)' "$unknown" ||
    fail "[unknown] is $unknown% of leaves (perf: about 25%)"

# A run shorter than the collector's once-a-second read of the maps, with
# the collector process and in-process: V8 unmaps its copy of the builtins
# before exit, so only the mmap that made it (interpose_mmap.c) tells the
# collector in time.
for mode in process thread; do
    if [ $mode = thread ]; then export FLAMEPRE_COLLECTOR=thread; fi
    FLAMEPRE_HZ=999 profile "$TMP/s$mode" s$mode node "$JS" 0.4
    unset FLAMEPRE_COLLECTOR
    [ "$(cat "$TMP/s$mode.rc")" = 0 ] || fail "short run ($mode): exit status $(cat "$TMP/s$mode.rc")"
    F=$(one_file "$TMP/s$mode" 'node.*.cpu.folded') || exit 1
    M=$(one_file "$TMP/s$mode" 'node.*.meta.json') || exit 1
    [ "$(meta_get "$M" collector)" = $mode ] || fail "short run: collector $(meta_get "$M" collector), not $mode"
    "$PY" "$SS" folded "$F" >"$TMP/s$mode.json" || fail "cannot read $F"
    set_share=$("$PY" "$SS" share "$TMP/s$mode.json" Builtins_MapPrototypeSet)
    note "0.4 s run, collector $mode: Builtins_MapPrototypeSet $set_share% of leaves"
    "$PY" -c 'import sys; sys.exit(float(sys.argv[1]) < 5)' "$set_share" ||
        fail "short run ($mode): Builtins_MapPrototypeSet is $set_share% of leaves"
done

# JIT frames named by V8's perf map.
# (in $TMP: V8 may write an isolate-*-v8.log into its working directory)
FLAMEPRE_HZ=499 profile "$TMP/j" j env -C "$TMP" node --perf-basic-prof "$JS" 1.5
[ "$(cat "$TMP/j.rc")" = 0 ] || fail "--perf-basic-prof: exit status $(cat "$TMP/j.rc")"
F=$(one_file "$TMP/j" 'node.*.cpu.folded') || exit 1
jit=$(awk '/JS:[^;]*map_heavy\.js[^;]*_\[j\]/ {s += $NF} {t += $NF} END {printf "%d %d", s, t}' "$F")
"$PY" "$SS" folded "$F" >"$TMP/j.json" || fail "cannot read $F"
unknown=$("$PY" "$SS" share "$TMP/j.json" '[unknown]')
note "--perf-basic-prof: samples under the script's JIT frames / all: $jit; [unknown] leaves $unknown%"
set -- $jit
[ "$1" -ge $(($2 / 2)) ] || { grep '_\[j\]' "$F" | head -5; fail "too few samples under JS:...map_heavy.js..._[j] frames"; }
"$PY" -c 'import sys; sys.exit(float(sys.argv[1]) > 10)' "$unknown" ||
    fail "[unknown] is still $unknown% of leaves with the perf map"
rm -f /tmp/perf-"$(meta_get "$(one_file "$TMP/j" 'node.*.meta.json')" pid)".map
