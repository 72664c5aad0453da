#!/bin/bash
# Where the profiler writes (issue 10). Each hazard used to break the
# one-line-per-problem promise, write where it must not, or hang:
#  1. a FLAMEPRE_* value (or name) with a newline or control characters was
#     echoed raw, so its message spanned lines; a very long value cut off
#     the end of the message;
#  2. FLAMEPRE_OUTPUT or FLAMEPRE_LOG_FILE naming a symlink that another
#     user planted in a sticky world-writable directory was followed (root
#     wrote into the attacker's target); a symlink of our own is followed;
#  3. FLAMEPRE_LOG_FILE naming a FIFO without a reader hung the program in
#     the constructor;
#  4. losing the output directory before exit (chroot, setuid, chmod 0)
#     printed one line per output file (12 with every event): at most one
#     line per process now, and the collector process, which still can
#     write, keeps the profile.
# Every case: the program's stdout and exit status are unchanged. Every
# hazard is checked and reported before the test fails, so one run shows
# which are fixed.
. "$(dirname "$0")/lib.sh"
need_lib
build lose_outdir
nbad=0
bad() {
    echo "FAIL: $*"
    nbad=$((nbad + 1))
}

# run NAME TIMEOUT ENV... -- CMD...: the command with the library
# preloaded; NAME.out, NAME.err, NAME.rc; a timeout is a failure (rc 124).
run() {
    _n=$1 _t=$2
    shift 2
    _env=()
    while [ "$1" != -- ]; do _env+=("$1"); shift; done
    shift
    timeout "$_t" env LD_PRELOAD="$LIB" "${_env[@]}" "$@" >"$TMP/$_n.out" 2>"$TMP/$_n.err"
    echo $? >"$TMP/$_n.rc"
}

# same NAME RC: stdout is "out" and the exit status RC (124: hung).
same() {
    _rc=$(cat "$TMP/$1.rc")
    [ "$_rc" = 124 ] && { bad "$1: hung (timed out)"; return 1; }
    [ "$_rc" = "$2" ] || { bad "$1: exit status $_rc, want $2"; return 1; }
    [ "$(cat "$TMP/$1.out")" = out ] || { bad "$1: stdout changed: $(head -c 200 "$TMP/$1.out")"; return 1; }
    return 0
}

# lines NAME: the number of flamepre lines on its stderr.
lines() {
    grep -c '^flamepre' "$TMP/$1.err"
}

# one_line NAME VAR: stderr is exactly one line, naming VAR.
one_line() {
    _l=$(wc -l <"$TMP/$1.err")
    [ "$_l" = 1 ] || { bad "$1: $_l stderr lines, want 1:"; show_head "$TMP/$1.err"; return 1; }
    grep -q "$2" "$TMP/$1.err" || { bad "$1: the line does not name $2: $(cat "$TMP/$1.err")"; return 1; }
    return 0
}

PROG=(sh -c 'echo out; exit 5')

# ---- 1. control characters and long values in messages ----
long=$(head -c 5000 /dev/zero | tr '\0' x)
i=0
for kv in $'FLAMEPRE_HZ=12\n3' $'FLAMEPRE_EVENTS=cpu,\e[31mred\tx' $'FLAMEPRE_LOG=in\rfo' \
          $'FLAMEPRE_H\nZ=99' "FLAMEPRE_DEPTH=$long" "FLAMEPRE_OUTPUT=$TMP/file/a"$'\nb'; do
    i=$((i + 1))
    : >"$TMP/file"
    run esc$i 20 "$kv" -- "${PROG[@]}"
    same esc$i 5 || continue
    var=$(printf '%s' "${kv%%=*}" | head -n 1)
    one_line esc$i "$var" || continue
    grep -q "$(printf '[\001-\010\013-\037\177]')" "$TMP/esc$i.err" &&
        { bad "esc$i: raw control character in: $(cat -v "$TMP/esc$i.err")"; continue; }
    [ "$(wc -c <"$TMP/esc$i.err")" -lt 700 ] || { bad "esc$i: the line is $(wc -c <"$TMP/esc$i.err") bytes"; continue; }
    case $kv in
    FLAMEPRE_DEPTH=*)
        grep -q '\.\.\." is not a whole number; .*using the default$' "$TMP/esc$i.err" ||
            { bad "long value: not cut short, or the reason is lost: $(cut -c 1-200 "$TMP/esc$i.err")...$(tail -c 120 "$TMP/esc$i.err")"; continue; } ;;
    esac
    note "$(cut -c 1-160 "$TMP/esc$i.err")"
done

# ---- 2. symlinks planted in a sticky world-writable directory ----
STICKY=$TMP/sticky
mkdir -m 1777 "$STICKY"
mkdir "$TMP/victim"
echo precious >"$TMP/victim/file"
ln -s "$TMP/victim" "$STICKY/out"
ln -s "$TMP/victim/file" "$STICKY/log"
ln -s "$TMP/victim/new" "$STICKY/dangling"
chown -h nobody "$STICKY/out" "$STICKY/log" "$STICKY/dangling"
# The directory itself, and one below it.
for o in "$STICKY/out" "$STICKY/out/sub"; do
    run sym 20 FLAMEPRE_OUTPUT="$o" -- "${PROG[@]}"
    same sym 5 && one_line sym FLAMEPRE_OUTPUT
    sleep 0.3   # (a collector process would write by now)
    [ "$(ls -A "$TMP/victim")" = file ] || bad "FLAMEPRE_OUTPUT=$o: wrote into the target: $(ls -A "$TMP/victim" | tr '\n' ' ')"
    rm -rf "$TMP/victim/sub"
done
note "FLAMEPRE_OUTPUT through another user's symlink -> $(cat "$TMP/sym.err")"
run symlog 20 FLAMEPRE_OUTPUT="$TMP/o-symlog" FLAMEPRE_LOG=info FLAMEPRE_LOG_FILE="$STICKY/log" -- "${PROG[@]}"
same symlog 5
[ "$(grep -c FLAMEPRE_LOG_FILE "$TMP/symlog.err")" = 1 ] || { bad "FLAMEPRE_LOG_FILE symlink: not one line naming it:"; show_head "$TMP/symlog.err"; }
[ "$(cat "$TMP/victim/file")" = precious ] || bad "FLAMEPRE_LOG_FILE symlink: the target was written: $(head -c 300 "$TMP/victim/file")"
run symlog2 20 FLAMEPRE_OUTPUT="$TMP/o-symlog2" FLAMEPRE_LOG_FILE="$STICKY/dangling" -- "${PROG[@]}"
same symlog2 5 && one_line symlog2 FLAMEPRE_LOG_FILE
[ -e "$TMP/victim/new" ] && bad "FLAMEPRE_LOG_FILE dangling symlink: the target was created"
note "FLAMEPRE_LOG_FILE through another user's symlink -> $(grep FLAMEPRE_LOG_FILE "$TMP/symlog.err")"
# Our own symlinks in the same directory are followed.
mkdir "$TMP/mine"
ln -s "$TMP/mine" "$STICKY/myout"
ln -s "$TMP/mine/log" "$STICKY/mylog"
run own 20 FLAMEPRE_OUTPUT="$STICKY/myout" FLAMEPRE_LOG=info FLAMEPRE_LOG_FILE="$STICKY/mylog" -- "${PROG[@]}"
same own 5
[ -s "$TMP/own.err" ] && { bad "own symlinks: stderr not empty:"; show_head "$TMP/own.err"; }
grep -q recording "$TMP/mine/log" 2>/dev/null || bad "own symlink FLAMEPRE_LOG_FILE: nothing logged through it"
wait_for "$TMP/mine/*.meta.json" 5000 || bad "own symlink FLAMEPRE_OUTPUT: no profile in its target"

# ---- 3. FLAMEPRE_LOG_FILE is a FIFO nobody reads ----
mkfifo "$TMP/fifo"
run fifo 10 FLAMEPRE_OUTPUT="$TMP/o-fifo" FLAMEPRE_LOG_FILE="$TMP/fifo" -- "${PROG[@]}"
same fifo 5 && one_line fifo FLAMEPRE_LOG_FILE && note "FIFO log file -> $(cat "$TMP/fifo.err")"
# A terminal is fine, when there is one.
if [ -w /dev/tty ] && : 2>/dev/null >/dev/tty; then
    run tty 20 FLAMEPRE_OUTPUT="$TMP/o-tty" FLAMEPRE_LOG_FILE=/dev/tty -- "${PROG[@]}"
    same tty 5 && { [ -s "$TMP/tty.err" ] && bad "FLAMEPRE_LOG_FILE=/dev/tty refused: $(cat "$TMP/tty.err")"; }
fi

# ---- 4. the output directory is lost before exit ----
mkdir "$TMP/empty"
export FLAMEPRE_EVENTS=cpu,alloc,lock,io
for how in chroot setuid; do
    for mode in process thread; do
        n=$how-$mode
        env=(FLAMEPRE_OUTPUT="$TMP/o-$n")
        [ $mode = thread ] && env+=(FLAMEPRE_COLLECTOR=thread)
        run "$n" 60 "${env[@]}" -- "$TMP/lose_outdir" $how "$TMP/empty"
        same "$n" 3 || continue
        l=$(lines "$n")
        if [ $mode = thread ]; then
            [ "$l" = 1 ] || { bad "$n: $l flamepre lines, want 1:"; show_head "$TMP/$n.err"; continue; }
        else
            # The collector process is outside the chroot and keeps its uid.
            [ "$l" = 0 ] || { bad "$n: $l flamepre lines, want none:"; show_head "$TMP/$n.err"; }
            [ "$(ls "$TMP/o-$n" | wc -l)" = 12 ] || bad "$n: the collector did not keep the profile: $(ls "$TMP/o-$n" | tr '\n' ' ')"
        fi
        note "$n: ${l} line(s) $(head -n 1 "$TMP/$n.err")"
    done
done
# A user who makes the directory unwritable mid-run (root could still
# write it): the program runs as nobody.
chmod 755 "$TMP"
for mode in process thread; do
    n=chmod-$mode
    rm -rf "$TMP/o-$n"
    mkdir "$TMP/o-$n"
    chown nobody "$TMP/o-$n"
    env=(FLAMEPRE_OUTPUT="$TMP/o-$n")
    [ $mode = thread ] && env+=(FLAMEPRE_COLLECTOR=thread)
    timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups env LD_PRELOAD="$LIB" "${env[@]}" \
        "$TMP/lose_outdir" chmod "$TMP/o-$n" >"$TMP/$n.out" 2>"$TMP/$n.err"
    echo $? >"$TMP/$n.rc"
    same "$n" 3 || continue
    l=$(lines "$n")
    [ "$l" -le 1 ] || { bad "$n: $l flamepre lines, want at most 1:"; show_head "$TMP/$n.err"; continue; }
    note "$n: ${l} line(s) $(head -n 1 "$TMP/$n.err")"
done
chmod 700 "$TMP"

[ $nbad = 0 ] || fail "$nbad output hazard check(s) failed"
