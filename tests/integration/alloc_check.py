#!/usr/bin/env python3
"""Checks on allocation profiles (alloc_bytes / alloc_count / live_bytes).

    alloc_check.py sum FILE NAME=EXPECTED... --tol PCT [--exact]
        for each NAME, the total of stacks whose frames include NAME (a frame
        equal to NAME, or matching it as a regex) is within PCT% of EXPECTED
        (--exact: equal)
    alloc_check.py none FILE NAME...      no stack includes NAME
    alloc_check.py under FILE LEAF CALLER_RE [--min-share PCT]
        stacks whose leaf matches LEAF have a frame matching CALLER_RE
        directly below; those stacks hold at least PCT% of the file's total
"""
import re
import sys


def parse(path):
    rows = []
    with open(path, encoding='utf-8', errors='replace') as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            m = re.match(r'^(.+) (\d+)$', line)
            if not m:
                print('  %s:%d: not "stack COUNT": %r' % (path, n, line[:200]))
                sys.exit(1)
            rows.append((m.group(1).split(';'), int(m.group(2))))
    return rows


def has(frames, name):
    rx = re.compile(name + r'$')
    return any(fr == name or rx.match(fr) for fr in frames)


def main(argv):
    cmd, args = argv[0], argv[1:]
    tol, exact, min_share = 0.0, False, 0.0
    if '--tol' in args:
        i = args.index('--tol')
        tol = float(args[i + 1])
        del args[i:i + 2]
    if '--exact' in args:
        args.remove('--exact')
        exact = True
    if '--min-share' in args:
        i = args.index('--min-share')
        min_share = float(args[i + 1])
        del args[i:i + 2]
    rows = parse(args[0])
    total = sum(c for _, c in rows)
    bad = False
    if cmd == 'sum':
        for spec in args[1:]:
            name, want = spec.rsplit('=', 1)
            want = int(want)
            got = sum(c for fr, c in rows if has(fr, name))
            err = 100.0 * (got - want) / want if want else 0.0
            ok = got == want if exact else abs(err) <= tol
            bad |= not ok
            print('  %-12s %14d  (true %d, %+.2f%%)%s' % (name, got, want, err, '' if ok else '  <-- OFF'))
    elif cmd == 'none':
        for name in args[1:]:
            got = sum(c for fr, c in rows if has(fr, name))
            print('  %-12s %d' % (name, got))
            bad |= got != 0
    elif cmd == 'under':
        leaf, caller = args[1], re.compile(args[2])
        share = 0
        for fr, c in rows:
            if re.match(leaf + '$', fr[-1]) and len(fr) > 1 and caller.match(fr[-2]):
                share += c
        pct = 100.0 * share / total if total else 0.0
        print('  %s under %s: %.1f%% of %d' % (leaf, args[2], pct, total))
        bad |= share == 0 or pct < min_share
    else:
        print('unknown command ' + cmd)
        return 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
