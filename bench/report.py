#!/usr/bin/env python3
"""Turn bench/run.sh's raw results into the BENCHMARKS.md tables (ratios).

Input lines: config rep wall_s user_s sys_s maxrss_kb thread_cpu_s samples
"""
import os
import platform
import statistics
import subprocess
import sys
import time

res, reps, units, threads, rss_threads, rss_units, load0, load1 = sys.argv[1:9]
rows = {}
for line in open(res):
    cfg, rep, wall, user, sys_, rss, cpu, samples = line.split()
    rows.setdefault(cfg, []).append(dict(wall=float(wall), cpu_all=float(user) + float(sys_),
                                         rss=int(rss), cpu=float(cpu), samples=int(samples)))


def med(cfg, key):
    return statistics.median(r[key] for r in rows[cfg])


def spread(cfg, key, base):
    """Per-repetition overhead range: min..max of value/base median - 1."""
    b = med(base, key)
    v = [100 * (r[key] / b - 1) for r in rows[cfg]]
    return min(v), max(v)


def delivered(cfg, hz):
    v = [r['samples'] / (r['cpu'] * hz) for r in rows[cfg] if r['samples'] >= 0 and r['cpu'] > 0]
    return statistics.median(v) * 100 if v else float('nan')


cpu_model = ''
try:
    for line in open('/proc/cpuinfo'):
        if line.startswith('model name'):
            cpu_model = line.split(':', 1)[1].strip()
            break
except OSError:
    pass
try:
    paranoid = open('/proc/sys/kernel/perf_event_paranoid').read().strip()
except OSError:
    paranoid = '?'
try:
    rev = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True,
                         text=True).stdout.strip() or 'uncommitted'
except OSError:
    rev = '?'

out = []
p = out.append
p('# Benchmarks')
p('')
p('Produced by `make bench` (`bench/run.sh`, raw numbers summarised by `bench/report.py`); '
  'every number below comes from one run of it. Re-run it to refresh this file.')
p('')
p('- date: %s, git %s' % (time.strftime('%Y-%m-%d %H:%M %Z'), rev))
p('- machine: %s, %d CPUs, Linux %s, perf_event_paranoid=%s'
  % (cpu_model, os.cpu_count() or 0, platform.release(), paranoid))
p('- workload: `build/examples/bench_cpu-nofp %s %s` (-O2 -fomit-frame-pointer; %s CPU-bound '
  'threads, fixed work), median of %s repetitions, configurations in rotating order within each '
  'repetition' % (threads, units, threads, reps))
p('- base: median wall %.3f s, median thread CPU %.3f s' % (med('base', 'wall'), med('base', 'cpu')))
p('- load average (1, 5, 15 min) before: %s, after: %s. Wall-time overhead is only meaningful '
  'on an otherwise idle machine (2 busy threads on %d CPUs); CPU-time overhead is robust to '
  'other load and is the headline.' % (load0, load1, os.cpu_count() or 0))
p('')
p('## Overhead and delivered samples')
p('')
p('CPU overhead = median(user+sys CPU time of the whole process, profiler threads included) / '
  'the same uninstrumented - 1. Wall overhead = median(wall time) / median(uninstrumented wall '
  'time) - 1; its range is the per-repetition overhead against the base median. delivered = '
  'samples in the profile / (CPU seconds of the program\'s threads x requested Hz).')
p('')
p('| profiler | Hz | CPU overhead | wall overhead | wall range | delivered / requested |')
p('|---|---:|---:|---:|---:|---:|')
names = {'fp': 'flamepre, FLAMEPRE_UNWIND=fp', 'dwarf': 'flamepre, FLAMEPRE_UNWIND=dwarf',
         'gperf': 'gperftools libprofiler',
         'bare': 'bare mechanism: perf task-clock + signal, empty handler (bench/bare_sampler.c)'}
for hz in (99, 999):
    for kind in ('bare', 'fp', 'dwarf', 'gperf'):
        cfg = '%s-%d' % (kind, hz)
        if cfg not in rows:
            continue
        w = 100 * (med(cfg, 'wall') / med('base', 'wall') - 1)
        lo, hi = spread(cfg, 'wall', 'base')
        c = 100 * (med(cfg, 'cpu_all') / med('base', 'cpu_all') - 1)
        d = delivered(cfg, hz)
        p('| %s | %d | %+.1f%% | %+.1f%% | %+.1f%% .. %+.1f%% | %s |'
          % (names[kind], hz, c, w, lo, hi, '-' if d != d else '%.0f%%' % d))
p('')
p('Note: `FLAMEPRE_UNWIND=fp` on a binary built without frame pointers yields truncated stacks; '
  'its row measures the cost of the fp unwinder on the same workload, not its stack quality.')
p('')
p('The bare-mechanism row arms the same per-thread perf clock and signal as flamepre with an '
  'empty handler: it is what the kernel (here: inside a VM, where every hrtimer expiry exits to '
  'the hypervisor) charges for delivering the requested rate, before any profiler work. '
  'flamepre\'s rows at the same rate minus that row is flamepre\'s own cost. gperftools looks '
  'cheaper at 999 Hz because its process-wide setitimer delivers only a quarter of the samples.')
p('')
p('## Memory: peak RSS with %s threads' % rss_threads)
p('')
p('`bench_cpu-nofp %s %s`, 999 Hz (flamepre with dwarf unwinding), median of the peak RSS '
  '(`/usr/bin/time -f %%M`) over %d runs each.' % (rss_threads, rss_units, len(rows.get('rss-base', []))))
p('')
p('| profiler | peak RSS over uninstrumented | ratio |')
p('|---|---:|---:|')
b = med('rss-base', 'rss')
for cfg, name in (('rss-flamepre', 'flamepre'), ('rss-gperf', 'gperftools libprofiler')):
    m = med(cfg, 'rss')
    p('| %s | %+.1f MiB | %.2fx |' % (name, (m - b) / 1024, m / b))
p('')
p('(uninstrumented peak RSS: %.1f MiB)' % (b / 1024))
print('\n'.join(out))
