#!/bin/sh
# Regenerate the golden outputs in tests/golden/expected/ from the inputs in
# tests/golden/in/ with build/flamepre (build it first: make cli). The cases
# are listed in tests/golden/cases.sh; tests/integration/t_golden.sh compares
# a fresh run against expected/. After a deliberate change to a writer, run
# this and review `git diff tests/golden/expected` before committing: the
# diff IS the review of the output change.
#
#   tests/golden/refresh.sh            regenerate everything
#   FLAMEPRE=path/to/flamepre tests/golden/refresh.sh
set -eu
cd "$(dirname "$0")"
CLI=${FLAMEPRE:-$(cd ../.. && pwd)/build/flamepre}
[ -x "$CLI" ] || { echo "refresh: $CLI not built (make cli)" >&2; exit 1; }
. ./cases.sh
# Start from an empty directory so a removed case leaves no stale file.
rm -rf expected
mkdir expected
g() {
    golden_run "$CLI" expected "$@"
}
golden_cases
# Every output must be reproducible: render everything a second time and
# refuse to write goldens that differ between two runs.
mkdir -p ../../build
again=$(mktemp -d "${TMPDIR:-/tmp}/flamepre-golden.XXXXXX")
trap 'rm -rf "$again"' EXIT
g() {
    golden_run "$CLI" "$again" "$@"
}
golden_cases
if ! diff -r expected "$again" >/dev/null; then
    echo "refresh: outputs differ between two runs (non-deterministic writer):" >&2
    diff -ru expected "$again" | head -n 40 >&2
    exit 1
fi
echo "refresh: $(ls expected | wc -l) files in tests/golden/expected"
