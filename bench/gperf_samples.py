#!/usr/bin/env python3
"""Count the samples in a gperftools CPU profile (legacy binary format).

The file is a sequence of native machine words (8 bytes on x86-64):
header  0, 3, 0, sampling period in us, 0
records count, depth, pc[depth]        (one per distinct stack)
trailer 0, 1, 0
followed by the text of /proc/self/maps. Prints the sum of the counts.
"""
import struct
import sys

data = open(sys.argv[1], 'rb').read()
w = 8
n = len(data) // w
words = struct.unpack('<%dQ' % n, data[:n * w])
if words[:3] != (0, 3, 0):
    sys.exit('not a gperftools CPU profile')
hdr = words[1] + 2
i = hdr
total = 0
while i + 1 < n:
    count, depth = words[i], words[i + 1]
    if count == 0 and depth == 1:   # trailer
        break
    total += count
    i += 2 + depth
print(total)
