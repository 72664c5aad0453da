#!/bin/bash
# The collector process's bookkeeping:
#  - FLAMEPRE_FLUSH rewrites a running process's files (meta.json end
#    "running (snapshot)"), and its final files follow at the end;
#  - an image that execs itself (same pid, same name) keeps both profiles
#    (<comm>.<pid>.* and <comm>.<pid>.2.*);
#  - a shell loop of short commands reuses one collector process;
#  - a thread started outside pthread_create is counted, not invisible.
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -o "$TMP/burner" "$ROOT/tests/hazards/progs/burner.c" -lpthread || fail "build burner"
cc -O2 -g -o "$TMP/self_exec" "$HERE/progs/self_exec.c" || fail "build self_exec"
cc -O2 -g -o "$TMP/raw_thread" "$HERE/progs/raw_thread.c" || fail "build raw_thread"

echo "periodic snapshots"
mkdir -p "$TMP/f"
FLAMEPRE_FLUSH=300ms LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/f" "$TMP/burner" wait >/dev/null 2>&1 &
p=$!
sleep 1.5
M=$(one_file "$TMP/f" '*.meta.json') || { kill -9 $p; exit 1; }
end=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"])' "$M")
n1=$(awk '{ s += $NF } END { print s + 0 }' "${M%.meta.json}.cpu.folded")
sleep 1
n2=$(awk '{ s += $NF } END { print s + 0 }' "${M%.meta.json}.cpu.folded")
kill -TERM $p
wait $p
note "while running: end \"$end\", cpu samples $n1 then $n2"
[ "$end" = "running (snapshot)" ] || fail "snapshot meta.json end: $end"
[ "$n1" -gt 0 ] && [ "$n2" -gt "$n1" ] || fail "snapshots do not grow: $n1 then $n2"
sleep 0.5
end=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"])' "$M")
[ "$end" = "signal SIGTERM" ] || fail "final meta.json end: $end"

echo "an image that execs itself"
profile "$TMP/x" x "$TMP/self_exec"
[ "$(cat "$TMP/x.rc")" = 0 ] || fail "self_exec exit status $(cat "$TMP/x.rc")"
B=$(one_file "$TMP/x" 'self_exec.*.2.cpu.folded') || exit 1
A=${B%.2.cpu.folded}.cpu.folded
[ -f "$A" ] || fail "no first image profile"
grep -q phase_one "$A" && ! grep -q phase_two "$A" || fail "first image's profile: $(cat "$A")"
grep -q phase_two "$B" && ! grep -q phase_one "$B" || fail "second image's profile: $(cat "$B")"
note "$(basename "$A") and $(basename "$B")"

echo "a shell loop reuses one collector"
LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$TMP/l" bash -c 'for i in $(seq 1 20); do /bin/true; done'
n=$(ls "$TMP/l"/true.*.meta.json | wc -l)
[ "$n" = 20 ] || fail "$n profiles of /bin/true, want 20"
pids=$(cat "$TMP/l"/*.meta.json | sed -n 's/.*"collector_pid": \([0-9]*\).*/\1/p' | sort -u | wc -l)
[ "$pids" = 1 ] || fail "$pids collector processes served the loop"
note "20 profiles, one collector"

echo "a thread outside pthread_create"
profile "$TMP/t" t "$TMP/raw_thread"
M=$(one_file "$TMP/t" '*.meta.json') || exit 1
u=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["threads_unprofiled"])' "$M")
[ "$u" = 1 ] || fail "threads_unprofiled $u, want 1"
note "threads_unprofiled 1"
