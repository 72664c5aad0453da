#!/usr/bin/env python3
"""Leaf (self) shares of a profile, from flamepre or from perf, and the total
variation distance between two of them.

Model: a profile is a distribution over leaf function names. Both tools name
the same function differently in small ways, so each name goes through one
normalization, the same for both sides, as a careful human comparing two
reports would do:
  - C++ argument lists go (perf prints `ns::f`, flamepre `ns::f(int)`);
  - a JIT frame's `_[j]` suffix goes (perf names perf-map symbols bare);
  - code no symbol covers is `[unresolved MODULE]` (flamepre's
    `[libx.so+0x12]`, perf's `[unknown]` symbol in dso `libx.so`);
  - code no module maps is `[unknown]` on both sides.
Marker frames of flamepre's own (`[truncated]`, `[flamepre]`, ...) never are
leaves of the program; they count as `[unknown]` only if they are the leaf
(`[flamepre]` is the profiler's own time, which perf sees as its caller's
libflamepre frames: `[profiler]` on both sides).

    selfshare.py folded FILE...           leaf shares of folded files
    selfshare.py perf PERF.DATA           leaf shares of a perf recording
    selfshare.py tvd A.json B.json MAX    prints the TVD and the biggest
                                          differences; exit 1 if TVD > MAX
    selfshare.py share A.json NAME        one name's share, in percent

`folded` and `perf` print the shares as JSON ({name: share}) on stdout.
"""
import json
import re
import subprocess
import sys

PROFILER_MODULES = ('libflamepre.so',)


def strip_args(name):
    """`ns::f<T>(int, char*) const` -> `ns::f<T>`: cut at the '(' that
    opens the last top-level parenthesized group at the end."""
    if not name.endswith(')') and not name.endswith(' const'):
        return name
    depth = 0
    end = name.rfind(')')
    for i in range(end, -1, -1):
        c = name[i]
        if c == ')':
            depth += 1
        elif c == '(':
            depth -= 1
            if depth == 0:
                return name[:i] if i > 0 else name
    return name


MOD_OFF_RE = re.compile(r'^\[(.+)\+0x[0-9a-f]+\]$')
ANON_RE = re.compile(r'^(perf-\d+\.map|jitted-\d+-\d+\.so|anon|memfd:.*)$')


def norm(name, module=None):
    if name.endswith('_[j]'):
        name = name[:-4]
    m = MOD_OFF_RE.match(name)
    if m:
        name, module = '[unknown]', m.group(1)
    if name == '[flamepre]':
        return '[profiler]'
    if name == '[unknown]' or not name:
        base = module.rsplit('/', 1)[-1] if module else ''
        if base in PROFILER_MODULES:
            return '[profiler]'
        # perf names anonymous executable memory (JIT code) after its perf
        # map file, //anon or [anon:...]: no module maps it.
        if base and not base.startswith('[') and not ANON_RE.match(base):
            return '[unresolved %s]' % base
        return '[unknown]'
    if module and module.rsplit('/', 1)[-1] in PROFILER_MODULES:
        return '[profiler]'
    # perf keeps a symbol's version (`__libc_start_main@@GLIBC_2.34`).
    return strip_args(re.sub(r'@@?[A-Z][A-Z0-9_]*_[0-9.]+$', '', name))


def shares(counts):
    total = sum(counts.values())
    if total <= 0:
        sys.exit('no samples')
    return {k: v / total for k, v in counts.items()}


def from_folded(paths):
    counts = {}
    for path in paths:
        with open(path, encoding='utf-8', errors='replace') as f:
            for line in f:
                line = line.rstrip('\n')
                if not line:
                    continue
                stack, _, n = line.rpartition(' ')
                leaf = stack.rsplit(';', 1)[-1]
                k = norm(leaf)
                counts[k] = counts.get(k, 0) + float(n)
    return shares(counts)


# perf script -F ip,sym,dso -G: one line per sample, its leaf, as
# "ADDR SYM+0xOFF (DSO)" or "ADDR [unknown] (DSO)".
FRAME_RE = re.compile(r'^\s*([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$')


def from_perf(data):
    out = subprocess.run(['perf', 'script', '-i', data, '-F', 'ip,sym,dso', '-G', '--no-inline'],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True,
                         text=True, errors='replace').stdout
    counts = {}
    for line in out.split('\n'):
        m = FRAME_RE.match(line)
        if not m:
            continue
        sym = re.sub(r'\+0x[0-9a-f]+$', '', m.group(2))
        k = norm(sym, m.group(3))
        counts[k] = counts.get(k, 0) + 1
    return shares(counts)


def main(argv):
    if len(argv) >= 2 and argv[0] == 'folded':
        json.dump(from_folded(argv[1:]), sys.stdout)
    elif len(argv) == 2 and argv[0] == 'perf':
        json.dump(from_perf(argv[1]), sys.stdout)
    elif len(argv) == 4 and argv[0] == 'tvd':
        a = json.load(open(argv[1]))
        b = json.load(open(argv[2]))
        keys = set(a) | set(b)
        diffs = sorted(((a.get(k, 0) - b.get(k, 0), k) for k in keys),
                       key=lambda d: -abs(d[0]))
        tvd = sum(abs(d) for d, _ in diffs) / 2
        print('  TVD %.3f (max %s); largest differences (A - B, points):' % (tvd, argv[3]))
        for d, k in diffs[:6]:
            print('    %+6.2f  %5.2f%% vs %5.2f%%  %s' %
                  (100 * d, 100 * a.get(k, 0), 100 * b.get(k, 0), k[:100]))
        return 0 if tvd <= float(argv[3]) else 1
    elif len(argv) == 3 and argv[0] == 'share':
        print('%.2f' % (100 * json.load(open(argv[1])).get(argv[2], 0)))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
