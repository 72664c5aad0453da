# A CPU-bound python3 workload for the perf comparison: recursion in the
# interpreter, string formatting and dict stores, sorting.
# Usage: python3 py_mix.py [SECONDS]
import sys
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


secs = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
t0 = time.time()
d = {}
while time.time() - t0 < secs:
    fib(18)
    for i in range(2000):
        d[str(i)] = i * 2
    s = sorted(d.values())
print('ok')
