#!/bin/bash
# Output files of the flamepre command (-o PATH), each a hazard once:
#  - a symlink planted at the old temp name "PATH.tmp.<pid>" made the write
#    go through it into another file: now it is left alone;
#  - a FIFO, a character device, a symlink to our stdout and a symlink to a
#    regular file keep their node (written in place, or through the link);
#    the old rename replaced each by a regular file;
#  - a full device: every output format exits 1 with one line naming the
#    path and the error (nothing was written, and the status said 0);
#  - counts above 2^53, up to 2^64-1, come out of `convert --to folded`
#    exactly; a count or a sum past 2^64-1 is "file:line: reason", exit 2.
# Device nodes are made in $TMP (mknod), never the real /dev ones: the old
# code would have replaced them.
. "$(dirname "$0")/lib.sh"
[ -x "$CLI" ] || fail "$CLI not built"
cd "$TMP" || fail "no $TMP"

run() { timeout 30 "$CLI" "$@"; }
printf 'main;a 3\nmain;b 5\n' >in.folded
printf 'main;a 3\nmain;b 5\n' >want.folded

# ---- 1. planted symlink at the old temp name ----
echo precious >victim
# exec keeps the shell's pid, so $$ is flamepre's pid: the old temp name
timeout 30 bash -c 'ln -s "$1/victim" "$1/out.svg.tmp.$$" && exec "$2" render "$1/in.folded" -o "$1/out.svg"' \
    _ "$TMP" "$CLI" 2>err1 || fail "render with a planted link: exit $? ($(cat err1))"
[ "$(cat victim)" = precious ] || fail "a symlink planted at out.svg.tmp.<pid> redirected the write into its target"
[ -f out.svg ] && [ ! -L out.svg ] && grep -q '<svg' out.svg || fail "out.svg is not the graph: $(ls -l out.svg)"
rm -f out.svg.tmp.*
note "planted PATH.tmp.<pid> symlink: target untouched, PATH written"

(umask 027 && run render in.folded -o mode.svg) || fail "render -o mode.svg failed"
[ "$(stat -c %a mode.svg)" = 640 ] || fail "new file mode $(stat -c %a mode.svg), expected 640 (0666 less umask 027)"
note "new file: mode 0666 less the umask"

# ---- 2. nodes that are not regular files ----
mkfifo fifo
timeout 20 cat fifo >fifo.got &
reader=$!
run convert in.folded --to folded -o fifo 2>err2
rc=$?
if [ ! -p fifo ]; then
    kill $reader 2>/dev/null
    fail "-o FIFO replaced the FIFO by a regular file (exit $rc)"
fi
wait $reader
[ $rc = 0 ] || fail "-o FIFO: exit $rc ($(cat err2))"
cmp -s fifo.got want.folded || fail "-o FIFO: the reader got: $(cat fifo.got)"
note "-o FIFO: written to the reader, FIFO kept"

ln -s /proc/self/fd/1 myout
run convert in.folded --to folded -o myout 2>err3 | cat >myout.got
[ -L myout ] || fail "-o SYMLINK-TO-STDOUT replaced the link"
cmp -s myout.got want.folded || fail "-o link to /proc/self/fd/1: got \"$(cat myout.got)\" ($(cat err3))"
# Only now the real /dev/stdout: the code above keeps links.
{ echo header; run convert in.folded --to folded -o /dev/stdout; } >append.got 2>err4 ||
    fail "-o /dev/stdout into a file: $(cat err4)"
[ "$(head -n1 append.got)" = header ] && [ "$(tail -n +2 append.got)" = "$(cat want.folded)" ] ||
    fail "-o /dev/stdout did not write to stdout as it is: $(cat append.got)"
run render in.folded -o /dev/stdout 2>err5 | grep -q '</svg>' || fail "render -o /dev/stdout | ...: $(cat err5)"
[ -L /dev/stdout ] || fail "/dev/stdout is no longer a link"
note "-o /dev/stdout (pipe, file): written through stdout, links kept"

echo old >real.folded
ln -s real.folded link.folded
run convert in.folded --to folded -o link.folded || fail "-o link to a regular file failed"
[ -L link.folded ] || fail "-o SYMLINK replaced the link by a regular file"
cmp -s real.folded want.folded || fail "-o SYMLINK: the target holds \"$(cat real.folded)\""
ln -s missing.folded dangling
run convert in.folded --to folded -o dangling 2>err6 && fail "-o dangling symlink succeeded"
[ -e missing.folded ] && fail "-o dangling symlink created its target"
note "-o symlink: target replaced, link kept; dangling link refused ($(cat err6))"

if mknod full c 1 7 2>/dev/null && mknod full.html c 1 7 && mknod null c 1 3; then
    for args in "convert in.folded --to folded" "convert in.folded --to pprof" \
        "convert in.folded --to speedscope" "render in.folded" "top in.folded" \
        "diff in.folded in.folded"; do
        for out in full full.html; do
            # shellcheck disable=SC2086
            run $args -o $out 2>err7
            rc=$?
            [ -c $out ] || fail "$args -o $out: the device was replaced by $(ls -l $out)"
            [ $rc = 1 ] || fail "$args -o $out (a full device): exit $rc ($(cat err7))"
            [ "$(wc -l <err7)" = 1 ] && grep -q "$out: No space left on device" err7 ||
                fail "$args -o $out: expected one line naming $out and ENOSPC, got: $(cat err7)"
        done
        # shellcheck disable=SC2086
        run $args -o null 2>err8 || fail "$args -o null: exit $? ($(cat err8))"
        [ -c null ] || fail "$args -o null: the device was replaced"
    done
    note "-o CHAR-DEVICE: written in place; a full one is exit 1, \"PATH: No space left on device\""
else
    note "mknod not permitted: device nodes not checked"
fi
for args in "convert in.folded --to folded" "convert in.folded --to pprof" \
    "convert in.folded --to speedscope" "render in.folded" "top in.folded" \
    "render in.folded -o myout"; do
    # shellcheck disable=SC2086
    run $args >/dev/full 2>err9
    rc=$?
    [ $rc = 1 ] && grep -q "No space left on device" err9 ||
        fail "$args >/dev/full: exit $rc, $(cat err9)"
done
note "stdout on /dev/full: exit 1 with ENOSPC for every format"

ls -A | grep -q '\.tmp\.' && fail "temp files left: $(ls -A | grep '\.tmp\.')"

# ---- 3. counts kept as 64-bit integers ----
printf 'x;y 9007199254740993\nx;y 9007199254740993\nz 9007199254740993\n' >big.folded
printf 'x;y 18014398509481986\nz 9007199254740993\n' >big.want
run convert big.folded --to folded -o big.got 2>err10 || fail "convert big counts: $(cat err10)"
cmp -s big.got big.want || fail "counts above 2^53 changed: $(cat big.got)"
printf 'top 18446744073709551615\n' >max.folded
run convert max.folded --to folded -o max.got || fail "convert 2^64-1 failed"
cmp -s max.got max.folded || fail "2^64-1 became $(cat max.got)"
printf 'a 1\nb 18446744073709551616\n' >over.folded
run convert over.folded --to folded -o over.got 2>err11
rc=$?
[ $rc = 2 ] && grep -q '^flamepre: error: over.folded:2: ' err11 ||
    fail "count 2^64: expected exit 2 and \"over.folded:2: ...\", got exit $rc: $(cat err11)"
printf 'a 18446744073709551615\nb 1\n' >sum.folded
run convert sum.folded --to folded -o sum.got 2>err12
rc=$?
[ $rc = 2 ] && grep -q '^flamepre: error: sum.folded:2: ' err12 ||
    fail "sum past 2^64-1: expected exit 2 and \"sum.folded:2: ...\", got exit $rc: $(cat err12)"
[ -e over.got ] || [ -e sum.got ] && fail "a rejected input left an output file"
note "counts: 2^53+1 and 2^64-1 exact; $(sed 's/^flamepre: error: //' err11); $(sed 's/^flamepre: error: //' err12)"
