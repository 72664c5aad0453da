// A Map-heavy loop for the node tests: most of its CPU time is in V8's
// embedded builtins (Builtins_MapPrototypeSet, ...Get) and the runtime
// functions they call (OrderedHashTable rehashing), called from JIT code.
// Usage: node map_heavy.js [SECONDS]
const secs = Number(process.argv[2] || 1.5);
const t0 = Date.now();
let acc = 0;
while (Date.now() - t0 < secs * 1000) {
  const m = new Map();
  for (let i = 0; i < 2000; i++) m.set(i * 7, i);
  for (let i = 0; i < 2000; i++) acc += m.get(i * 7) | 0;
}
console.log(acc > 0 ? 'ok' : 'no');
