# Shared helpers for the integration tests (sourced, POSIX sh + bash).
#
# Each t_*.sh runs real programs with build/libflamepre.so preloaded and
# asserts robust properties of what it writes (folded stacks, meta.json).
# A test prints what it checks; `fail` prints the reason and exits 1; a test
# that reaches its end passes. Helpers never hide a failure: a missing file
# or an unparsable one is a failure, not a skip.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LIB=$ROOT/build/libflamepre.so
CLI=$ROOT/build/flamepre
EX=$ROOT/build/examples
HERE=$ROOT/tests/integration
PY=${PYTHON:-python3}
# The Debian interpreter (not a pyenv shim, which is a bash script) for runs
# that profile python itself.
SYSPY=/usr/bin/python3
[ -x "$SYSPY" ] || SYSPY=$(command -v python3)
# Seconds before a profiled run counts as hung.
TMO=${FLAMEPRE_TEST_TIMEOUT:-120}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/flamepre-it.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# Keep the user's own FLAMEPRE_* settings out of the tests.
for v in $(env | sed -n 's/^\(FLAMEPRE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
# The collector's inline cache (collector/inlcache.h) per test, not in the
# user's ~/.cache: each test starts cold, as its assertions expect.
export FLAMEPRE_CACHE_DIR="$TMP/inline-cache"

fail() {
    echo "FAIL: $*"
    exit 1
}

note() {
    echo "  $*"
}

# meta_get FILE KEY: a top-level value of a meta.json.
meta_get() {
    "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

need_lib() {
    [ -f "$LIB" ] || fail "$LIB not built"
}

need_example() {
    [ -x "$EX/$1" ] || fail "$EX/$1 not built (make examples)"
}

# profile OUTDIR NAME CMD ARGS...
# Runs CMD with the library preloaded, FLAMEPRE_OUTPUT=OUTDIR and any
# FLAMEPRE_* variables the caller exported; stdout, stderr and exit code go to
# $TMP/NAME.out, NAME.err, NAME.rc. Returns 0 (check the .rc file).
profile() {
    _out=$1 _name=$2
    shift 2
    mkdir -p "$_out"
    # timeout runs outside the profiler: only the command is preloaded.
    timeout "$TMO" env LD_PRELOAD="$LIB" FLAMEPRE_OUTPUT="$_out" "$@" \
        >"$TMP/$_name.out" 2>"$TMP/$_name.err"
    echo $? >"$TMP/$_name.rc"
    [ "$(cat "$TMP/$_name.rc")" = 124 ] && fail "$_name: timed out after ${TMO}s: $*"
    return 0
}

# plain NAME CMD ARGS...: the same without the profiler.
plain() {
    _name=$1
    shift
    timeout "$TMO" "$@" >"$TMP/$_name.out" 2>"$TMP/$_name.err"
    echo $? >"$TMP/$_name.rc"
    return 0
}

# one_file DIR GLOB: print the single file matching DIR/GLOB; otherwise say
# what was found on stderr and return 1. Use: F=$(one_file D '*.x') || exit 1
one_file() {
    set -- "$1"/$2
    if [ $# -eq 1 ] && [ -f "$1" ]; then
        echo "$1"
        return 0
    fi
    if [ $# -eq 1 ]; then
        echo "FAIL: no file matches $1; the directory holds: $(ls -A "$(dirname "$1")" 2>&1 | tr '\n' ' ')" >&2
    else
        echo "FAIL: expected exactly one file, found $#: $*" >&2
    fi
    return 1
}

# show_head FILE: the first lines of a file, indented, for failure reports.
show_head() {
    sed -n '1,15p' "$1" | sed 's/^/    | /'
}

# check PYTHON-SUBCOMMAND ARGS...: run tests/integration/folded.py; its output
# is shown; a non-zero exit fails the test.
check() {
    "$PY" "$HERE/folded.py" "$@" || fail "check $1 failed"
}

# Headless Chromium and the npm packages of tests/browser (package.json):
# playwright-core drives Debian's chromium (never a browser download),
# speedscope is the real viewer its export is loaded into. Installs what is
# missing: apt-get chromium/nodejs (as root or through sudo -n), npm the
# packages, all of them in one call (npm prunes packages a later --no-save
# call does not name). SKIP (exit 0) only when chromium or node cannot be
# installed; an npm failure fails. Sets CHROMIUM and BR.
need_browser() {
    CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
    BR=$ROOT/tests/browser
    if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null; then
        echo "install chromium/nodejs (apt-get)"
        _pkgs=""
        [ -x "$CHROMIUM" ] || _pkgs="chromium"
        command -v node >/dev/null || _pkgs="$_pkgs nodejs npm"
        { _as_root apt-get update -qq && _as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends $_pkgs; } >"$TMP/apt.log" 2>&1 ||
            { tail -n 5 "$TMP/apt.log"; echo "SKIP: could not install$_pkgs"; exit 0; }
        [ -x "$CHROMIUM" ] || { echo "SKIP: $CHROMIUM missing after apt-get install chromium"; exit 0; }
        command -v node >/dev/null || { echo "SKIP: node missing after apt-get install nodejs"; exit 0; }
    fi
    _missing=""
    for _p in playwright-core speedscope; do
        [ -f "$BR/node_modules/$_p/package.json" ] || _missing="$_missing $_p"
    done
    if [ -n "$_missing" ]; then
        echo "npm install playwright-core speedscope (missing:$_missing; no browser download)"
        (cd "$BR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund \
            --loglevel=error playwright-core speedscope) >"$TMP/npm.log" 2>&1 ||
            { tail -n 20 "$TMP/npm.log"; fail "npm install playwright-core speedscope failed"; }
    fi
}

_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi
}
