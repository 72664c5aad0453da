#!/bin/sh
# Inlined frames and source lines (issue 12). examples/inline_hot.c, built
# -O2 -g, spends its time in checksum(), inlined into validate(), inlined
# into handle(): the frames show handle;validate (inlined);checksum
# (inlined) from DWARF, also for a stripped copy whose DWARF is in a
# separate .debug file found through .gnu_debuglink. FLAMEPRE_INLINE=0
# gives the old frames (all of it in handle); FLAMEPRE_LINES=1 ends frames
# in " (file:line)", which render and top drop unless --lines.
. "$(dirname "$0")/lib.sh"
need_lib
need_example inline_hot

CHAIN='handle[^;]*;validate \(inlined\);checksum \(inlined\)$'
# share FILE ERE: samples of stacks matching ERE, of all samples, in %
share() {
    awk -v re="$2" '{ n = $NF; sub(/ [0-9]+$/, ""); t += n; if ($0 ~ re) s += n }
        END { printf "%d\n", t ? 100 * s / t : 0 }' "$1"
}

echo "inline_hot, -O2 -g, 499 Hz"
FLAMEPRE_HZ=499 profile "$TMP/a" a "$EX/inline_hot" 1
[ "$(cat "$TMP/a.rc")" = 0 ] || fail "exit status $(cat "$TMP/a.rc"): $(cat "$TMP/a.err")"
F=$(one_file "$TMP/a" '*.cpu.folded') || exit 1
M=$(one_file "$TMP/a" '*.meta.json') || exit 1
check valid "$F"
s=$(share "$F" "$CHAIN")
note "stacks ending in handle;validate (inlined);checksum (inlined): $s%"
[ "$s" -ge 80 ] || { show_head "$F"; fail "the inlined frames are missing"; }
grep -q ';main;' "$F" || fail "main, not inlined, lost its frame"
inl=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["symbolizer"]["inlined"])' "$M")
note "meta.json symbolizer.inlined: $inl"
[ "$inl" -gt 0 ] || fail "meta.json counts no inlined frames"

echo "a second run (its own collector): the same frames, from the inline cache where it knows the function"
ls "$FLAMEPRE_CACHE_DIR"/inline-*.v1 >/dev/null 2>&1 || fail "no inline cache file in $FLAMEPRE_CACHE_DIR"
FLAMEPRE_HZ=499 profile "$TMP/a2" a2 "$EX/inline_hot" 1
[ "$(cat "$TMP/a2.rc")" = 0 ] || fail "second run: exit status $(cat "$TMP/a2.rc")"
F2=$(one_file "$TMP/a2" '*.cpu.folded') || exit 1
M2=$(one_file "$TMP/a2" '*.meta.json') || exit 1
s2=$(share "$F2" "$CHAIN")
read -r dw hits <<EOF2
$("$PY" -c 'import json,sys; s=json.load(open(sys.argv[1]))["symbolizer"]; print(s["dwarf_files_read"], s["inline_cache_hits"])' "$M2")
EOF2
note "second run: $s2% in the chain, dwarf_files_read $dw, inline_cache_hits $hits"
[ "$s2" -ge 80 ] || { show_head "$F2"; fail "the cached inlined frames are missing"; }
[ "$hits" -gt 0 ] || fail "the inline cache answered nothing"
# (that the cache answers exactly as the DWARF does, address by address,
# is tests/unit/test_inlcache.c's)
# a corrupt cache file is ignored (and the DWARF read again)
for c in "$FLAMEPRE_CACHE_DIR"/inline-*.v1; do printf 'F 1 0 zz\n' >>"$c"; done
FLAMEPRE_HZ=499 profile "$TMP/a3" a3 "$EX/inline_hot" 1
F3=$(one_file "$TMP/a3" '*.cpu.folded') || exit 1
s3=$(share "$F3" "$CHAIN")
note "corrupt cache: $s3%"
[ "$s3" -ge 80 ] || { show_head "$F3"; fail "a corrupt cache file broke the inlined frames"; }

echo "FLAMEPRE_INLINE=0: one frame per address, as before"
FLAMEPRE_INLINE=0 FLAMEPRE_HZ=499 profile "$TMP/off" off "$EX/inline_hot" 1
F0=$(one_file "$TMP/off" '*.cpu.folded') || exit 1
grep -q 'inlined' "$F0" && { show_head "$F0"; fail "inlined frames with FLAMEPRE_INLINE=0"; }
s=$(share "$F0" ';handle[^;]*$')
note "leaf handle: $s%"
[ "$s" -ge 80 ] || { show_head "$F0"; fail "without inlined frames the time is not in handle"; }

echo "stripped copy, DWARF in a separate file named by .gnu_debuglink"
mkdir -p "$TMP/bin"
objcopy --only-keep-debug "$EX/inline_hot" "$TMP/bin/inline_hot.debug" || fail "objcopy"
strip -o "$TMP/bin/inline_hot" "$EX/inline_hot" || fail "strip"
(cd "$TMP/bin" && objcopy --add-gnu-debuglink=inline_hot.debug inline_hot) || fail "debuglink"
readelf -S "$TMP/bin/inline_hot" | grep -q '\.debug_info' && fail "the stripped copy still has DWARF"
FLAMEPRE_HZ=499 profile "$TMP/s" s "$TMP/bin/inline_hot" 1
[ "$(cat "$TMP/s.rc")" = 0 ] || fail "stripped: exit status $(cat "$TMP/s.rc")"
FS=$(one_file "$TMP/s" '*.cpu.folded') || exit 1
s=$(share "$FS" "$CHAIN")
note "stripped + .debug: $s%"
[ "$s" -ge 80 ] || { show_head "$FS"; fail "the separate debug file's inlined frames are missing"; }

echo "FLAMEPRE_LINES=1: source lines on frames"
FLAMEPRE_LINES=1 FLAMEPRE_HZ=499 profile "$TMP/l" l "$EX/inline_hot" 1
FL=$(one_file "$TMP/l" '*.cpu.folded') || exit 1
check valid "$FL"
# checksum's loop: the lines of its for statement and body
loop=$(grep -n 'h = (h ^ p\[i\])' "$ROOT/examples/inline_hot.c" | cut -d: -f1)
s=$(share "$FL" "checksum \\(inlined\\) \\(inline_hot\\.c:($((loop - 1))|$loop)\\)\$")
note "leaf checksum (inlined) at inline_hot.c:$((loop - 1))-$loop: $s%"
[ "$s" -ge 80 ] || { show_head "$FL"; fail "the hot source line is not on the leaf"; }
call=$(grep -n 'uint32_t h = checksum(p, n, seed);' "$ROOT/examples/inline_hot.c" | cut -d: -f1)
grep -q "validate (inlined) (inline_hot.c:$call);" "$FL" ||
    { show_head "$FL"; fail "validate's frame does not name its call of checksum (line $call)"; }

"$CLI" top -n 5 "$FL" >"$TMP/top" || fail "top"
grep -q 'inline_hot\.c:' "$TMP/top" && { cat "$TMP/top"; fail "top shows lines without --lines"; }
grep -q 'checksum (inlined)' "$TMP/top" || { cat "$TMP/top"; fail "top lost checksum"; }
"$CLI" top --lines -n 5 "$FL" >"$TMP/topl" || fail "top --lines"
sed -n '1,8p' "$TMP/topl" | sed 's/^/    | /'
grep -q "checksum (inlined) (inline_hot.c:$loop)" "$TMP/topl" ||
    { cat "$TMP/topl"; fail "top --lines does not rank the hot line"; }
"$CLI" render "$FL" -o "$TMP/g.svg" || fail "render"
grep -q 'inline_hot\.c:' "$TMP/g.svg" && fail "render keeps lines without --lines"
grep -q 'checksum (inlined)' "$TMP/g.svg" || fail "render lost checksum"
"$CLI" render --lines "$FL" -o "$TMP/gl.svg" || fail "render --lines"
grep -q "inline_hot\.c:$loop" "$TMP/gl.svg" || fail "render --lines has no lines"

# libc's DWARF by build-id under /usr/lib/debug (Debian's libc6-dbg), where
# installed: its frames get lines too.
LIBC=$(ldd "$EX/inline_hot" | awk '/libc\.so/ {print $3}')
BID=$(readelf -n "$LIBC" 2>/dev/null | awk '/Build ID/ {print $3}')
if [ -n "$BID" ] && [ -f "/usr/lib/debug/.build-id/$(echo "$BID" | cut -c1-2)/$(echo "$BID" | cut -c3-).debug" ]; then
    grep -q '__libc_start_call_main ([a-z_]*\.[ch]:[0-9]*);' "$FL" ||
        { show_head "$FL"; fail "libc's debug file (by build-id) gave no lines"; }
    note "libc frames have lines from /usr/lib/debug/.build-id"
else
    note "no libc debug file by build-id here: not checked"
fi
