#!/bin/sh
# Run every test: cmocka unit tests (build/tests/test_*, then the ASan/UBSan
# builds in build/asan/tests/test_*), then the integration scripts
# tests/integration/t_*.sh. Each binary or script is one test: PASS or FAIL
# on one line (a failure shows the tail of its output), then the exact line
# "N passed, N failed". Exits 1 if anything failed or no test ran.
#
#   tests/run-all.sh [PATTERN]     only tests whose path contains PATTERN
#   VERBOSE=1 tests/run-all.sh     show every test's output
set -u
cd "$(dirname "$0")/.."
pattern=${1:-}
passed=0
failed=0
failed_names=""
log=$(mktemp "${TMPDIR:-/tmp}/flamepre-test.XXXXXX")
trap 'rm -f "$log"' EXIT

run_one() {   # run_one NAME TIMEOUT CMD...
    name=$1 tmo=$2
    shift 2
    case $name in *"$pattern"*) ;; *) return ;; esac
    start=$(date +%s)
    timeout "$tmo" "$@" >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    if [ $rc = 0 ]; then
        passed=$((passed + 1))
        echo "PASS $name (${secs}s)"
        [ -n "${VERBOSE:-}" ] && sed 's/^/    /' "$log"
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
        [ $rc = 124 ] && echo "    (timed out after ${tmo}s)" >>"$log"
        echo "FAIL $name (exit $rc, ${secs}s)"
        if [ -n "${VERBOSE:-}" ]; then sed 's/^/    /' "$log"; else tail -n 40 "$log" | sed 's/^/    /'; fi
    fi
}

# cmocka prints its own per-case lines; one binary counts as one test.
for t in build/tests/test_* build/asan/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$t" 300 "$t"
done

for t in tests/integration/t_*.sh; do
    [ -f "$t" ] || continue
    run_one "$t" 300 sh "$t"
done

# Hazards: each fixed hazard keeps a test that fails without its fix.
for t in tests/hazards/t_*.sh; do
    [ -f "$t" ] || continue
    run_one "$t" 300 bash "$t"
done

[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed"
[ $failed = 0 ] && [ $passed -gt 0 ]
