#!/usr/bin/env python3
"""Write a synthetic .timeline (format/timeline.h, version 1): THREADS
threads sampled at HZ for SECONDS, each sample on one of a few stacks,
periods jittered by +-10%. Usage: gen_timeline.py OUT SECONDS THREADS HZ"""
import random
import struct
import sys


def var(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def string(s):
    b = s.encode()
    return var(len(b)) + b


def main():
    out, seconds, nthreads, hz = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rnd = random.Random(13)
    period = 10**9 // hz
    b = bytearray(b"FLAMETL\n" + struct.pack("<II", 1, 0))
    b += var(10**12) + var(period) + var(4242) + string("synthetic")
    b += var(nthreads) + b"".join(var(100 + t) + string("worker-%d" % t) for t in range(nthreads))
    b += var(1) + string("cpu")
    leaves = ["compute", "parse", "hash", "io_loop", "burst"]
    stacks = []
    for t in range(nthreads):
        for leaf in leaves:
            stacks.append((t, "[worker-%d tid=%d];start_thread;run;%s" % (t, 100 + t, leaf)))
    b += var(len(stacks)) + b"".join(var(0) + var(t) + string(s) for t, s in stacks)
    events = []
    for t in range(nthreads):
        now = rnd.randrange(period)
        while now < seconds * 1e9:
            events.append((now, t * len(leaves) + rnd.randrange(len(leaves))))
            now += int(period * rnd.uniform(0.9, 1.1))
    events.sort()
    b += var(len(events))
    prev = 0
    for now, s in events:
        b += var(now - prev) + var(s) + var(1)
        prev = now
    open(out, "wb").write(b)


main()
