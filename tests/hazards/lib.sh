# Helpers of the hazard tests: the integration helpers, plus a C program
# built from tests/hazards/progs.
. "$(dirname "$0")/../integration/lib.sh"
HAZ=$ROOT/tests/hazards

# build NAME: compile tests/hazards/progs/NAME.c to $TMP/NAME.
build() {
    cc -O2 -g -o "$TMP/$1" "$HAZ/progs/$1.c" -lpthread || fail "cannot build $1"
}

# wait_for FILE-GLOB MS: wait up to MS milliseconds for a file to match.
wait_for() {
    _i=0
    while [ $_i -lt "$2" ]; do
        set -- "$1" "$2"
        for _f in $1; do [ -f "$_f" ] && return 0; done
        sleep 0.05
        _i=$((_i + 50))
    done
    return 1
}

# total FILE: the sum of a folded file's counts.
total() {
    awk '{ s += $NF } END { print s + 0 }' "$1"
}

# On stderr: a failure inside $(...) must still be seen.
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
