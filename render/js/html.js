"use strict";
(function () {
var D = JSON.parse(document.getElementById('fp-data').textContent);
var names = D.names, N = D.n, FH = 16, MINPX = 0.5, FONT = '12px Verdana, sans-serif';
var DIFF = D.diff;
var depth = new Int32Array(N), parent = new Int32Array(N), end = new Int32Array(N);
var nm = new Int32Array(N); /* index in names, or -(frames merged) for "+N more" */
var sA = new Float64Array(N), sB = DIFF ? new Float64Array(N) : null;
var W = new Float64Array(N), X = new Float64Array(N);
var tA = null, tB = null, inten = null;
var maxDepth = 0;
(function decode() {
  var A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  var dec = new Int8Array(128), s = D.nodes, pos = 0, i, k;
  for (k = 0; k < 64; k++) dec[A.charCodeAt(k)] = k;
  function num() {
    var v = 0, mul = 1, c;
    do { c = dec[s.charCodeAt(pos++)]; v += (c & 31) * mul; mul *= 32; } while (c & 32);
    return v;
  }
  var path = new Int32Array(4096), top = -1, sc = D.scale;
  for (i = 0; i < N; i++) {
    var pop = num(), d = i ? depth[i - 1] + 1 - pop : 0, n = num();
    nm[i] = n ? n - 1 : -num();
    sA[i] = num() / sc;
    if (DIFF) sB[i] = num() / sc;
    if (d >= path.length) { var np = new Int32Array(path.length * 2); np.set(path); path = np; }
    while (top >= d) end[path[top--]] = i;
    depth[i] = d; parent[i] = d ? path[d - 1] : -1; path[++top] = i;
    if (d > maxDepth) maxDepth = d;
  }
  while (top >= 0) end[path[top--]] = N;
  if (DIFF) { var t = sA; sA = sB; sB = t; } /* file order is BEFORE, AFTER */
})();
function sums(self) {
  var t = new Float64Array(self), i;
  for (i = N - 1; i > 0; i--) t[parent[i]] += t[i];
  return t;
}
/* Widths and offsets for a width mode; siblings keep the file order. */
function layout(mode) {
  var i, k = DIFF ? DIFF.scale : 1, off = new Float64Array(N);
  rootRows = 0;
  for (i = 0; i < N; i++) {
    if (!DIFF) W[i] = sA[i];
    else if (mode === 'after') W[i] = sA[i] * k;
    else if (mode === 'before') W[i] = sB[i];
    else W[i] = Math.max(sA[i] * k, sB[i]);
  }
  for (i = N - 1; i > 0; i--) W[parent[i]] += W[i];
  X[0] = 0; off[0] = 0;
  for (i = 1; i < N; i++) { var p = parent[i]; X[i] = off[p]; off[i] = X[i]; off[p] += W[i]; }
}
/* ---- units (the same rules as render/units.c) ---- */
function fmtCount(v) {
  var s = Math.round(Math.abs(v)).toString(), r = '';
  for (var i = 0; i < s.length; i++) {
    if (i && (s.length - i) % 3 === 0) r += ',';
    r += s[i];
  }
  return (v < 0 && s !== '0' ? '-' : '') + r;
}
function fmtScaled(v, u, sc) {
  var i = u.length - 1;
  while (i > 0 && Math.abs(v) < sc[i]) i--;
  return i === 0 ? v.toFixed(0) + ' ' + u[0] : (v / sc[i]).toFixed(2) + ' ' + u[i];
}
function fmtNs(v) { return fmtScaled(v, ['ns', '\u00b5s', 'ms', 's'], [1, 1e3, 1e6, 1e9]); }
function fmtUnit(v) {
  switch (D.unit) {
  case 'bytes': return fmtScaled(v, ['B', 'KiB', 'MiB', 'GiB', 'TiB'],
                                 [1, 1024, 1048576, 1073741824, 1099511627776]);
  case 'ns': return fmtNs(v);
  case 'count': return fmtCount(v);
  }
  var c = fmtCount(v), a = c + (c === '1' ? ' sample' : ' samples');
  return D.period > 0 && v > 0 ? a + ', ' + fmtNs(v * D.period) : a;
}
function pct(part, whole) {
  var v = whole > 0 ? 100 * part / whole : 0;
  return v.toFixed(v < 10 ? 2 : 1) + '%';
}
/* ---- differential arithmetic (the same as render/diff.c) ---- */
function diffValues(b, a) {
  var tb = DIFF.tb, ta = DIFF.ta, den = tb > 0 ? tb : ta, v = { before: b, after: a };
  v.afterNorm = a * DIFF.scale; v.delta = v.afterNorm - b;
  if (DIFF.normalize) v.pp = 100 * (a / ta - b / tb);
  else v.pp = den > 0 ? 100 * (a - b) / den : 0;
  if (DIFF.minDelta >= 0) v.th = DIFF.minDelta;
  else if (D.unit === 'bytes' || D.unit === 'ns') v.th = DIFF.flat;
  else if (DIFF.normalize) {
    var p = (a + b) / (ta + tb);
    v.th = 200 * Math.sqrt(p * (1 - p) * (1 / ta + 1 / tb));
  } else v.th = den > 0 ? 200 * Math.sqrt(a + b) / den : 0;
  v.i = 0;
  if (v.pp !== 0 && Math.abs(v.pp) >= v.th) {
    var m = DIFF.maxpp > 0 ? DIFF.maxpp : Math.abs(v.pp);
    v.i = Math.max(-1, Math.min(1, v.pp / m));
  }
  return v;
}
if (DIFF) {
  DIFF.scale = DIFF.normalize ? DIFF.tb / DIFF.ta : 1;
  tA = sums(sA); tB = sums(sB); inten = new Float32Array(N);
  if (DIFF.maxpp == null) { /* a graph built in the browser: as diff.c does */
    DIFF.maxpp = 0;
    for (var m = 1; m < N; m++) {
      var dv = diffValues(tB[m], tA[m]);
      if (dv.i !== 0 && Math.abs(dv.pp) > DIFF.maxpp) DIFF.maxpp = Math.abs(dv.pp);
    }
  }
  for (var q = 0; q < N; q++) inten[q] = diffValues(tB[q], tA[q]).i;
}
/* ---- colors: per name from the file (plain), per node by delta (diff) ---- */
var nameColor = new Array(names.length), diffColors = {};
for (var c = 0; c < names.length; c++) nameColor[c] = '#' + D.colors.substr(6 * c, 6);
function colorDiff(d) {
  var fade = Math.floor(235 - 195 * Math.abs(d)), key = (d > 0 ? 'r' : d < 0 ? 'b' : 'n') + fade;
  var s = diffColors[key];
  if (!s) {
    s = d > 0 ? 'rgb(250,' + fade + ',' + fade + ')' : d < 0 ? 'rgb(' + fade + ',' + fade + ',250)'
      : 'rgb(235,235,235)';
    diffColors[key] = s;
  }
  return s;
}
function colorOf(i) {
  if (DIFF) return colorDiff(inten[i]);
  return nm[i] < 0 ? '#' + D.more : nameColor[nm[i]];
}
function nameOf(i) { return nm[i] < 0 ? '+' + (-nm[i]) + ' more' : names[nm[i]]; }
/* ---- state and page ---- */
var canvas = document.getElementById('fg'), ctx = canvas.getContext('2d');
var tip = document.getElementById('tip'), status = document.getElementById('status');
var resetBtn = document.getElementById('reset'), input = document.getElementById('search');
var matchedEl = document.getElementById('matched'), modeSel = document.getElementById('mode');
var cw = 0, rows = 1, needRows = 1, rootRows = 0, charW = 7, zoomed = 0, zx = 0, zw = 0, zd = 0;
var nameHit = null;
var MAXROWS = Math.floor(32000 / FH);
var api = window.flamepre = { n: N, names: names, lastMs: 0 };
function size() {
  cw = Math.max(200, document.getElementById('wrap').clientWidth);
  rows = Math.min(needRows, MAXROWS);
  var dpr = window.devicePixelRatio || 1;
  if (rows * FH * dpr > 32000) dpr = 1;
  canvas.style.width = cw + 'px'; canvas.style.height = rows * FH + 'px';
  canvas.width = Math.round(cw * dpr); canvas.height = Math.round(rows * FH * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.font = FONT; ctx.textBaseline = 'middle';
  charW = ctx.measureText('abcdefghijklmnopqrstuvwxyzABCDEFGHIJ_::<>()').width / 43;
}
function rowY(d) { return D.inverted ? d * FH : (rows - 1 - d) * FH; }
/* Draw what is visible: a subtree off screen or narrower than MINPX is
 * skipped in one step (end[i]), so the cost follows the picture. */
function draw() {
  var t0 = performance.now();
  ctx.clearRect(0, 0, cw, rows * FH);
  if (!(zw > 0)) return;
  var sx = cw / zw, i = 0, lastFill = '';
  while (i < N) {
    var w = W[i] * sx, d = depth[i];
    if (w < MINPX || d >= rows) { i = end[i]; continue; }
    var x0 = (X[i] - zx) * sx;
    if (x0 >= cw || x0 + w <= 0) { i = end[i]; continue; }
    var a = x0 < 0 ? 0 : x0, b = x0 + w > cw ? cw : x0 + w, y = rowY(d);
    var fill = nameHit && nm[i] >= 0 && nameHit[nm[i]] ? 'rgb(230,0,230)' : colorOf(i);
    if (fill !== lastFill) { ctx.fillStyle = fill; lastFill = fill; }
    var dim = d < zd;
    if (dim) ctx.globalAlpha = 0.5;
    ctx.fillRect(a, y, b - a > 1.5 ? b - a - 0.5 : b - a, FH - 1);
    if (b - a > 3 * charW + 6) {
      var s = nameOf(i), n = Math.floor((b - a - 6) / charW);
      if (s.length > n) s = s.substr(0, n - 2) + '..';
      ctx.fillStyle = '#000'; lastFill = '';
      ctx.fillText(s, a + 3, y + FH / 2);
    }
    if (dim) ctx.globalAlpha = 1;
    i++;
  }
  api.lastMs = performance.now() - t0;
}
/* Rows that show frame i's subtree down to the depth holding D.keep per
 * mille of its weight (as svg.c sizes the first screen). The root's answer
 * is kept until the widths change: it is the one asked on every reset. */
function fitRows(i) {
  if (i === 0 && rootRows) return rootRows;
  var base = depth[i], lim = W[i] * (1000 - D.keep) / 1000 * (1 + 1e-9);
  var w = new Float64Array(maxDepth - base + 2), k, d = 0, deep = 0;
  for (k = i + 1; k < end[i]; k++) {
    w[depth[k] - base] += W[k];
    if (depth[k] - base > deep) deep = depth[k] - base;
  }
  while (d < deep && w[d + 1] > lim) d++;
  if (deep - d < D.minCut) d = deep; /* LAYOUT_CUT_MIN_ROWS */
  if (i === 0) rootRows = d + 1;
  return base + d + 1;
}
function zoom(i) {
  if (i < 0 || !(W[i] > 0)) i = 0;
  zoomed = i; zx = X[i]; zw = W[i]; zd = depth[i];
  resetBtn.disabled = i === 0;
  var r = Math.max(fitRows(i), fitRows(0)); /* never shorter than the first screen */
  if (r !== needRows) { needRows = r; size(); }
  draw();
}
/* The frame under a point: walk down from the root through the child that
 * contains x. */
function hit(mx, my) {
  var r = Math.floor(my / FH), row = D.inverted ? r : rows - 1 - r;
  if (row < 0 || row > maxDepth || !(zw > 0)) return -1;
  var sx = cw / zw, cx = zx + mx / sx, i = 0;
  if (cx < X[0] || cx >= X[0] + W[0]) return -1;
  while (depth[i] < row) {
    var ch = i + 1, found = -1;
    while (ch < end[i]) {
      if (cx >= X[ch] && cx < X[ch] + W[ch]) { found = ch; break; }
      ch = end[ch];
    }
    if (found < 0) return -1;
    i = found;
  }
  return W[i] * sx >= MINPX ? i : -1;
}
function describe(i) {
  var name = nameOf(i), p = parent[i], lines = [name];
  if (DIFF) {
    var v = diffValues(tB[i], tA[i]);
    var s = 'before: ' + fmtUnit(v.before) + ' (' + pct(v.before, DIFF.tb) + ')';
    var t = 'after: ' + fmtUnit(v.after) + ' (' + pct(v.after, DIFF.ta) + ')';
    if (DIFF.scale !== 1) t += ', normalized ' + fmtUnit(v.afterNorm);
    var u = 'delta: ' + (v.pp >= 0 ? '+' : '') + v.pp.toFixed(2) + ' pp (' +
      (v.delta < 0 ? '-' : '+') + fmtUnit(Math.abs(v.delta)) + ')' +
      (v.i === 0 && v.pp !== 0 ? ', within noise' : '');
    lines.push(s, t, u);
  } else {
    var self = W[i];
    for (var ch = i + 1; ch < end[i]; ch = end[ch]) self -= W[ch];
    lines.push(fmtUnit(W[i]) + ' (' + pct(W[i], W[0]) + ' of total, ' +
               pct(W[i], p >= 0 ? W[p] : W[0]) + ' of parent)');
    if (nm[i] >= 0 && self > W[i] * 1e-12)
      lines.push('self: ' + fmtUnit(self) + ' (' + pct(self, W[0]) + ')');
  }
  if (nm[i] < 0) lines.push(-nm[i] + ' frames narrower than the minimum width, merged');
  return lines;
}
/* Search: test each distinct name once, then one pass that adds a match and
 * skips its subtree, so nested and recursive matches count once. */
function search(t) {
  var t0 = performance.now();
  if (!t) { nameHit = null; matchedEl.textContent = ''; input.classList.remove('bad'); draw(); return null; }
  var re;
  try { re = new RegExp(t); } catch (e) { input.classList.add('bad'); return null; }
  input.classList.remove('bad');
  nameHit = new Uint8Array(names.length);
  var any = 0;
  for (var k = 0; k < names.length; k++) if (re.test(names[k])) { nameHit[k] = 1; any = 1; }
  var sum = 0, sb = 0, sa = 0, i = any ? 0 : N;
  while (i < N) {
    if (nm[i] >= 0 && nameHit[nm[i]]) {
      sum += W[i];
      if (DIFF) { sb += tB[i]; sa += tA[i]; }
      i = end[i];
    } else i++;
  }
  var res = DIFF ? { before: DIFF.tb > 0 ? 100 * sb / DIFF.tb : 0, after: DIFF.ta > 0 ? 100 * sa / DIFF.ta : 0 }
    : { pct: W[0] > 0 ? 100 * sum / W[0] : 0 };
  matchedEl.textContent = DIFF ? 'Matched: before ' + res.before.toFixed(2) + '%, after ' + res.after.toFixed(2) + '%'
    : 'Matched: ' + res.pct.toFixed(res.pct < 10 ? 2 : 1) + '%';
  draw();
  api.lastSearchMs = performance.now() - t0;
  return res;
}
function setMode(m) {
  layout(m);
  zoom(W[zoomed] > 0 ? zoomed : 0);
  if (nameHit) search(input.value);
}
/* ---- events ---- */
canvas.addEventListener('mousemove', function (e) {
  var r = canvas.getBoundingClientRect(), i = hit(e.clientX - r.left, e.clientY - r.top);
  if (i < 0) { tip.style.display = 'none'; status.innerHTML = '&nbsp;'; return; }
  var lines = describe(i);
  status.textContent = lines.join(' | ');
  tip.textContent = lines.join('\n');
  tip.style.display = 'block';
  var tx = e.clientX + 12, ty = e.clientY + 14;
  if (tx + tip.offsetWidth > window.innerWidth) tx = Math.max(0, e.clientX - tip.offsetWidth - 12);
  if (ty + tip.offsetHeight > window.innerHeight) ty = Math.max(0, e.clientY - tip.offsetHeight - 14);
  tip.style.left = tx + 'px'; tip.style.top = ty + 'px';
});
canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
canvas.addEventListener('click', function (e) {
  var r = canvas.getBoundingClientRect(), i = hit(e.clientX - r.left, e.clientY - r.top);
  if (i >= 0) zoom(i);
});
resetBtn.addEventListener('click', function () { zoom(0); });
var timer = 0;
input.addEventListener('input', function () {
  clearTimeout(timer); timer = setTimeout(function () { search(input.value); }, 150);
});
input.addEventListener('keydown', function (e) {
  if (e.key === 'Enter') { clearTimeout(timer); search(input.value); }
});
if (modeSel) modeSel.addEventListener('change', function () { setMode(modeSel.value); });
window.addEventListener('keydown', function (e) {
  if (((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F')) ||
      (e.key === '/' && document.activeElement !== input)) {
    e.preventDefault(); input.focus(); input.select();
  } else if (e.key === 'Escape') {
    input.value = ''; search(''); zoom(0); input.blur();
  }
});
window.addEventListener('resize', function () { size(); draw(); });
api.zoom = function (i) { var t0 = performance.now(); zoom(i); return performance.now() - t0; };
api.search = search;
api.reset = function () { zoom(0); };
api.find = function (name) { for (var i = 0; i < N; i++) if (nm[i] >= 0 && names[nm[i]] === name) return i; return -1; };
api.describe = describe;
api.hit = hit;
api.setMode = setMode;
api.width = function (i) { return W[i]; };
api.rows = function () { return rows; };
api.maxDepth = maxDepth;
layout('max');
size();
zoom(0);
/* Say that deep stacks are cut from the first screen, and how to see them. */
(function deepHint() {
  if (!(W[0] > 0) || rootRows >= maxDepth + 1) return;
  var s = 0, el = document.createElement('div');
  for (var k = 0; k < N; k++) if (depth[k] === rootRows) s += W[k];
  el.id = 'deep';
  el.textContent = pct(s, W[0]) + ' of the weight is in stacks deeper than ' + (rootRows - 1) +
    ' frames (up to ' + maxDepth + '): click a frame to see all of its depth';
  document.body.insertBefore(el, document.getElementById('bar'));
})();
})();
