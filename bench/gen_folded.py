#!/usr/bin/env python3
"""Generate a large, deterministic folded-stack file for the render benchmark.

Shape (defaults): 200,000 distinct stacks, ~90 MB, deep C++-style frames as
a symbolizer prints them (namespaces, nested templates, argument lists,
lambdas, [clone .cold], [lib.so+0x..] frames), with thread root frames
"[name tid=N]". Stacks are paths of a random call tree, so they share long
prefixes like real profiles; counts are skewed (a few hot stacks). Lines are
sorted, as stackcollapse tools and flamepre itself write them (--unsorted
for the slow path). The same seed gives the same bytes on every machine
(Python's random.Random is specified to be reproducible for a given seed).

    bench/gen_folded.py -o big.folded [--stacks 200000] [--seed 1] [--unsorted]
"""
import argparse
import random
import sys

NS = ["std", "boost", "absl", "folly", "llvm", "grpc", "google::protobuf", "tbb",
      "app", "app::core", "app::net", "app::db::detail", "v8::internal", "mozilla::dom"]
CLS = ["Vector", "HashMap", "Parser", "Session", "Allocator", "Request", "Handler",
       "Executor", "Future", "Buffer", "Tree", "Index", "Serializer", "Connection",
       "Scheduler", "Codec", "Matrix", "Visitor", "Iterator", "Table"]
FN = ["operator()", "run", "parse", "handle", "process", "emplace_back", "insert",
      "find", "operator[]", "reserve", "dispatch", "visit", "encode", "decode", "flush",
      "resize", "compute", "poll", "apply", "invoke", "step", "merge", "lookup"]
TY = ["int", "unsigned long", "char", "double", "std::string", "bool", "void*",
      "std::basic_string<char, std::char_traits<char>, std::allocator<char> >",
      "std::vector<int, std::allocator<int> >", "long long", "float const&"]


def tmpl(r, depth=0):
    if depth > 1 or r.random() < 0.55:
        return r.choice(TY)
    args = ", ".join(tmpl(r, depth + 1) for _ in range(r.randint(1, 3)))
    return "%s::%s<%s>" % (r.choice(NS), r.choice(CLS), args)


def frame_name(r):
    k = r.random()
    if k < 0.04:
        return "[lib%s.so.%d+0x%x]" % (r.choice(["ssl", "z", "crypto", "stdc++"]), r.randint(1, 9),
                                        r.randint(0x1000, 0xfffff))
    if k < 0.08:
        return "%s_%s_%d" % (r.choice(["memcpy", "malloc", "__libc", "pthread", "epoll"]),
                             r.choice(["avx2", "impl", "wait", "fast"]), r.randint(0, 99))
    cls = r.choice(CLS)
    if r.random() < 0.25:
        cls += "<%s>" % ", ".join(tmpl(r) for _ in range(r.randint(1, 2)))
    args = ", ".join(r.choice(TY) for _ in range(r.randint(0, 2)))
    name = "%s::%s::%s(%s)" % (r.choice(NS), cls, r.choice(FN), args)
    if r.random() < 0.1:
        name = "%s::{lambda(auto:1)#%d}::operator()" % (name, r.randint(1, 3))
    if r.random() < 0.05:
        name += " [clone .cold]"
    if r.random() < 0.3:
        name += " const"
    return name


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default="-")
    ap.add_argument("--stacks", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--names", type=int, default=6000, help="distinct function names")
    ap.add_argument("--min-depth", type=int, default=4)
    ap.add_argument("--max-depth", type=int, default=10)
    ap.add_argument("--unsorted", action="store_true")
    a = ap.parse_args()
    r = random.Random(a.seed)
    names = list(dict.fromkeys(frame_name(r) for _ in range(a.names)))
    threads = ["[main tid=1000]"] + ["[worker-%d tid=%d]" % (i, 1001 + i) for i in range(7)]
    # Call tree: node -> children (lazily grown); a stack is a random walk
    # from a thread root that prefers existing children (shared prefixes).
    children = {}
    seen = set()
    lines = []
    tries = 0
    while len(lines) < a.stacks:
        tries += 1
        if tries > a.stacks * 20:
            sys.exit("gen_folded: cannot find enough distinct stacks")
        path = [r.choice(threads)]
        node = (path[0],)
        depth = r.randint(a.min_depth, a.max_depth)
        for _ in range(depth):
            ch = children.setdefault(node, [])
            if ch and r.random() < 0.85 - 0.4 / (1 + len(ch)):
                nm = r.choice(ch)
            else:
                nm = r.choice(names)
                ch.append(nm)
            path.append(nm)
            node = node + (nm,)
        line = ";".join(path)
        if line in seen:
            continue
        seen.add(line)
        count = int(r.paretovariate(1.2)) if r.random() < 0.9 else r.randint(1, 2000)
        lines.append("%s %d\n" % (line, count))
    if not a.unsorted:
        lines.sort()
    out = sys.stdout if a.output == "-" else open(a.output, "w", encoding="utf-8")
    out.writelines(lines)
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
