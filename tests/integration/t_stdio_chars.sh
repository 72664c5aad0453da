#!/bin/sh
# Character stdio calls (fputc, putc, putchar, fgetc, getc, getchar) have an
# in-buffer fast path in the shims (single-threaded, I/O profiling off).
# On every kind of stream (buffered, line-buffered, unbuffered, user buffer,
# ungetc, seeks, fmemopen running out of room, a read-only stream, EOF), in a
# single- and a multi-threaded process, with I/O profiling off and on, the
# program's output and exit code are byte-identical to an unprofiled run.
. "$(dirname "$0")/lib.sh"
need_lib
cc -O2 -g -o "$TMP/stdio_chars" "$HERE/progs/stdio_chars.c" -lpthread || fail "cannot build stdio_chars"
for arg in single threads; do
    plain "p.$arg" "$TMP/stdio_chars" "$arg"
    [ "$(cat "$TMP/p.$arg.rc")" = 0 ] || fail "stdio_chars $arg fails unprofiled"
    for ev in cpu io; do
        FLAMEPRE_EVENTS=$ev profile "$TMP/o-$arg-$ev" "f.$arg.$ev" "$TMP/stdio_chars" "$arg"
        for s in out err rc; do
            cmp -s "$TMP/p.$arg.$s" "$TMP/f.$arg.$ev.$s" || {
                show_head "$TMP/f.$arg.$ev.$s"
                fail "$arg, events=$ev: $s differs from the unprofiled run"
            }
        done
        note "$arg, events=$ev: $(tail -1 "$TMP/f.$arg.$ev.out") (identical)"
    done
done
