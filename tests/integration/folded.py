#!/usr/bin/env python3
"""Checks on flamepre output for the integration tests.

Model: a folded file is a multiset of stacks, "root;...;leaf COUNT" per line.
Each subcommand parses the files it is given, prints what it measured (so a
failing test's log shows the numbers), and exits 1 when the property does not
hold. Every parse also validates the format of DESIGN.md section 3: one ASCII
space before an integer count, lines sorted and merged, no control chars.

    folded.py valid FILE...
    folded.py split FILE --tol PP NAME=PCT...      share of stacks containing NAME
    folded.py threads FILE STDERR --renamed OLD NEW --exited NAME
    folded.py complete FILE --min PCT               stacks reach _start / clone
    folded.py rate FILE CPU_SECONDS HZ --tol PCT    delivered samples vs requested
    folded.py has FILE... --frame RE... [--min-share PCT]
    folded.py nothreads FILE
    folded.py modframes FILE MODULE                 prints top [MODULE+0x..] offsets
    folded.py meta META FOLDED... --hz N --pid N
"""
import json
import os
import re
import sys

LINE_RE = re.compile(r'^(.+) (\d+)$')
THREAD_RE = re.compile(r'^\[(.*) tid=(\d+)\]$')


def die(msg):
    print('  check failed: ' + msg)
    sys.exit(1)


def parse(path):
    """Return list of (frames, count); fails on any format violation."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        die('cannot read %s: %s' % (path, e))
    if data and not data.endswith(b'\n'):
        die('%s: last line not terminated by a newline' % path)
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        text = data.decode('latin-1')
    out = []
    prev = None
    for n, line in enumerate(text.split('\n')[:-1], 1):
        m = LINE_RE.match(line)
        if not m:
            die('%s:%d: not "stack COUNT": %r' % (path, n, line[:200]))
        stack, count = m.group(1), int(m.group(2))
        if any(ord(c) < 32 or ord(c) == 127 for c in stack):
            die('%s:%d: control character in stack' % (path, n))
        frames = stack.split(';')
        if any(fr == '' for fr in frames):
            die('%s:%d: empty frame in %r' % (path, n, stack[:200]))
        if prev is not None:
            if stack.encode() == prev.encode():
                die('%s:%d: duplicate stack (not merged)' % (path, n))
            if stack.encode() < prev.encode():
                die('%s:%d: lines not sorted' % (path, n))
        prev = stack
        out.append((frames, count))
    return out


def total(rows):
    return sum(c for _, c in rows)


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def cmd_valid(args):
    for p in args:
        rows = parse(p)
        print('  %s: %d stacks, %d samples' % (os.path.basename(p), len(rows), total(rows)))


def opt(args, name, default=None, n=1):
    if name in args:
        i = args.index(name)
        vals = args[i + 1:i + 1 + n]
        del args[i:i + 1 + n]
        return vals if n > 1 else vals[0]
    return default


def cmd_split(args):
    tol = float(opt(args, '--tol', '3'))
    path, specs = args[0], args[1:]
    rows = parse(path)
    want = {}
    for s in specs:
        k, v = s.split('=')
        want[k] = float(v)
    # Denominator: stacks containing any of the named functions.
    counts = {k: 0 for k in want}
    denom = 0
    for frames, c in rows:
        hit = [k for k in want if k in frames]
        if len(hit) > 1:
            die('stack contains several of %s: %s' % (list(want), ';'.join(frames)))
        if hit:
            counts[hit[0]] += c
            denom += c
    print('  samples in %s: %d of %d' % ('/'.join(want), denom, total(rows)))
    if denom < 500:
        die('too few samples (%d) to measure a split' % denom)
    bad = False
    for k, w in want.items():
        got = pct(counts[k], denom)
        ok = abs(got - w) <= tol
        bad |= not ok
        print('  %-8s %5.1f%% (true %g%%, tolerance %g pp)%s' % (k, got, w, tol, '' if ok else '  <-- OFF'))
    if bad:
        die('split outside tolerance')


def cmd_threads(args):
    renamed = opt(args, '--renamed', None, 2)
    exited = opt(args, '--exited')
    path, errfile = args
    rows = parse(path)
    # Threads the program announced on stderr: "cpu_hotspot: thread NAME tid=N"
    announced = {}
    with open(errfile) as f:
        for line in f:
            m = re.match(r'^cpu_hotspot: thread (\S+) tid=(\d+)$', line.strip())
            if m:
                announced[int(m.group(2))] = m.group(1)
    if not announced:
        die('program announced no threads on stderr')
    per = {}   # (name, tid) -> samples
    for frames, c in rows:
        m = THREAD_RE.match(frames[0])
        if not m:
            die('root frame is not "[name tid=N]": %r' % frames[0])
        key = (m.group(1), int(m.group(2)))
        per[key] = per.get(key, 0) + c
    for (name, tid), c in sorted(per.items(), key=lambda x: x[0][1]):
        print('  [%s tid=%d] %d samples' % (name, tid, c))
    tids = {t for _, t in per}
    stray = tids - set(announced)
    if stray:
        die('root frames for tids the program does not have: %s' % sorted(stray))
    for tid, name in announced.items():
        got = {n: c for (n, t), c in per.items() if t == tid}
        if not got:
            die('no samples for thread %s tid=%d' % (name, tid))
        if renamed and name == renamed[1]:
            tot = sum(got.values())
            new = got.get(renamed[1], 0)
            # It works 20% of the run under the old name, 80% under the new.
            if pct(new, tot) < 60:
                die('renamed thread tid=%d: only %.0f%% of its samples under %r: %s'
                    % (tid, pct(new, tot), renamed[1], got))
            extra = set(got) - set(renamed)
            if extra:
                die('renamed thread tid=%d has unexpected names %s' % (tid, extra))
        elif name not in got:
            die('thread tid=%d is %r but its root frames say %s' % (tid, name, sorted(got)))
        elif len(got) > 1:
            die('thread tid=%d has several names %s' % (tid, sorted(got)))
    if exited:
        if not any(n == exited for n, _ in per):
            die('no root frame for the exited thread %r' % exited)
        c = sum(c for (n, _), c in per.items() if n == exited)
        if c < 50:
            die('exited thread %r: only %d samples' % (exited, c))
    if renamed and not any(n == renamed[1] for n, _ in per):
        die('no root frame named %r' % renamed[1])


MAIN_CHAIN = ['main', 'run_main_thread', 'phase']
WORKER_CHAIN = ['start_thread', 'worker_main', 'run_worker', 'phase']


def contains_chain(frames, chain):
    """chain appears as consecutive frames."""
    n = len(chain)
    return any(frames[i:i + n] == chain for i in range(len(frames) - n + 1))


def cmd_complete(args):
    minp = float(opt(args, '--min', '95'))
    path = args[0]
    rows = parse(path)
    burn = complete = 0
    bad = {}
    for frames, c in rows:
        f = frames[1:] if THREAD_RE.match(frames[0]) else frames
        if not any(x in ('burn_a', 'burn_b', 'burn_c') for x in f):
            continue
        burn += c
        ok = False
        if f and f[0] == '_start' and contains_chain(f, MAIN_CHAIN):
            ok = True
        elif len(f) > 1 and f[0] in ('clone3', 'clone', '__clone', '__clone3', '__GI___clone3') \
                and contains_chain(f, WORKER_CHAIN):
            ok = True
        if ok:
            complete += c
        else:
            s = ';'.join(f)
            bad[s] = bad.get(s, 0) + c
    print('  stacks through burn_*: %d samples, complete (from _start or clone3;start_thread): %.1f%%'
          % (burn, pct(complete, burn)))
    if burn < 200:
        die('too few samples in burn_* (%d)' % burn)
    if pct(complete, burn) < minp:
        for s, c in sorted(bad.items(), key=lambda x: -x[1])[:8]:
            print('    incomplete x%d: %s' % (c, s[:300]))
        die('only %.1f%% complete, want >= %g%%' % (pct(complete, burn), minp))


def cmd_rate(args):
    tol = float(opt(args, '--tol', '5'))
    path, cpu, hz = args[0], float(args[1]), float(args[2])
    got = total(parse(path))
    want = cpu * hz
    print('  samples %d, expected %.0f (%.3f CPU s x %g Hz): %.1f%% delivered'
          % (got, want, cpu, hz, pct(got, want)))
    if abs(got - want) > want * tol / 100:
        die('delivered samples off by more than %g%%' % tol)


def cmd_has(args):
    minshare = float(opt(args, '--min-share', '0'))
    i = args.index('--frame')
    paths, pats = args[:i], [re.compile(p) for p in args[i + 1:]]
    allrows = []
    for p in paths:
        allrows += parse(p)
    tot = total(allrows)
    hit = sum(c for frames, c in allrows if any(p.fullmatch(fr) for p in pats for fr in frames))
    print('  %d of %d samples have a frame matching %s (%.1f%%)'
          % (hit, tot, ' or '.join(p.pattern for p in pats), pct(hit, tot)))
    if hit == 0:
        top = {}
        for frames, c in allrows:
            top[frames[-1]] = top.get(frames[-1], 0) + c
        print('  top leaves: %s' % sorted(top.items(), key=lambda x: -x[1])[:10])
        die('no matching frame')
    if pct(hit, tot) < minshare:
        die('share %.1f%% below %g%%' % (pct(hit, tot), minshare))


def cmd_nothreads(args):
    rows = parse(args[0])
    for frames, _ in rows:
        if THREAD_RE.match(frames[0]):
            die('FLAMEPRE_THREADS=0 but a stack starts with a thread frame: %s' % frames[0])
    print('  %d stacks, none with a thread frame' % len(rows))


def cmd_modframes(args):
    path, mod = args
    rows = parse(path)
    r = re.compile(r'^\[' + re.escape(mod) + r'\+0x([0-9a-f]+)\]$')
    leaves = {}
    tot = total(rows)
    hit = 0
    for frames, c in rows:
        if any(r.match(f) for f in frames):
            hit += c
        m = r.match(frames[-1])
        if m:
            leaves[m.group(1)] = leaves.get(m.group(1), 0) + c
    sys.stderr.write('  %d of %d samples have [%s+0x...] frames\n' % (hit, tot, mod))
    if pct(hit, tot) < 50:
        die('fewer than half the samples show [%s+0x...] frames' % mod)
    for off, c in sorted(leaves.items(), key=lambda x: -x[1])[:5]:
        print('0x%s %d' % (off, c))


def find_keys(obj, pred, path=''):
    """Yield (path, value) for every key in nested obj satisfying pred(key)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = path + '.' + k if path else k
            if pred(k.lower()):
                yield p, v
            yield from find_keys(v, pred, p)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from find_keys(v, pred, '%s[%d]' % (path, i))


def one_number(meta, what, pred):
    hits = [(p, v) for p, v in find_keys(meta, pred) if isinstance(v, int) and not isinstance(v, bool)]
    if not hits:
        die('meta.json has no integer field for %s' % what)
    print('  %s: %s' % (what, ', '.join('%s=%s' % h for h in hits)))
    return hits[0][1]


def cmd_meta(args):
    hz = opt(args, '--hz')
    pid = opt(args, '--pid')
    meta_path, folded = args[0], args[1:]
    try:
        with open(meta_path) as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        die('meta.json does not parse: %s' % e)
    if not isinstance(meta, dict):
        die('meta.json is not an object')
    print('  keys: %s' % ', '.join(sorted(meta)))
    taken = one_number(meta, 'samples taken',
                       lambda k: k in ('samples', 'samples_taken', 'taken', 'samples_total'))
    dropped = one_number(meta, 'samples dropped', lambda k: 'dropped' in k)
    failures = one_number(meta, 'unwind failures',
                          lambda k: 'unwind' in k and 'fail' in k or k == 'unwind_errors')
    one_number(meta, 'truncated stacks', lambda k: 'truncat' in k)
    kinds = [v for p, v in find_keys(meta, lambda k: 'sampler' in k or k in ('timer', 'source', 'clock'))
             if isinstance(v, str)]
    print('  sampler: %s' % kinds)
    if not any(re.match(r'(perf|timer)\b', v) for v in kinds):
        die('meta.json does not say which sampler ran ("perf" or "timer")')
    if pid is not None:
        if not any(v == int(pid) for _, v in find_keys(meta, lambda k: k == 'pid')):
            die('meta.json pid is not %s' % pid)
    if hz is not None:
        if not any(v == int(hz) for _, v in find_keys(meta, lambda k: k in ('hz', 'frequency'))):
            die('meta.json does not record hz=%s' % hz)
        if not any(isinstance(v, int) and abs(v - 1e9 / int(hz)) <= 1e9 / int(hz) * 0.01
                   for _, v in find_keys(meta, lambda k: 'period' in k)):
            die('meta.json does not record the sampling period in ns for hz=%s' % hz)
    if not list(find_keys(meta, lambda k: 'unwind' == k or k == 'unwind_mode')):
        die('meta.json does not record the unwind mode')
    # Counts must add up: every delivered sample is either in the folded
    # file or counted as dropped (failed unwinds may still be recorded).
    got = sum(total(parse(p)) for p in folded)
    print('  folded total %d, taken %d, dropped %d, unwind failures %d' % (got, taken, dropped, failures))
    if got > taken:
        die('folded file has more samples (%d) than meta.json says were taken (%d)' % (got, taken))
    if got < taken - dropped - failures:
        die('samples unaccounted for: taken %d - dropped %d - failures %d > folded %d'
            % (taken, dropped, failures, got))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    fn = globals().get('cmd_' + sys.argv[1])
    if not fn:
        print(__doc__)
        sys.exit(2)
    fn(sys.argv[2:])


if __name__ == '__main__':
    main()
