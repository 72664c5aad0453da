"use strict";
(function () {
var t0 = performance.now();
var H = JSON.parse(document.getElementById('hm-data').textContent);
var A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
var dec = new Int8Array(128), k;
for (k = 0; k < 64; k++) dec[A.charCodeAt(k)] = k;
function reader(s) {
  var pos = 0;
  return function () {
    var v = 0, mul = 1, c;
    do { c = dec[s.charCodeAt(pos++)]; v += (c & 31) * mul; mul *= 32; } while (c & 32);
    return v;
  };
}
function vlq(v) {
  var s = '';
  while (v >= 32) { s += A[(v % 32) | 32]; v = Math.floor(v / 32); }
  return s + A[v];
}
/* ---- the data: stacks (metric, thread, frames root first), events ---- */
var NS = H.ns, sMetric = new Int32Array(NS), sThread = new Int32Array(NS), sFrames = new Array(NS);
var num = reader(H.stacks), i, j;
for (i = 0; i < NS; i++) {
  sMetric[i] = num(); sThread[i] = num();
  var nf = num(), fr = new Int32Array(nf);
  for (j = 0; j < nf; j++) fr[j] = num();
  sFrames[i] = fr;
}
var NE = H.ne, eT = new Float64Array(NE), eS = new Int32Array(NE), eW = new Float64Array(NE);
num = reader(H.events);
var tus = 0;
for (i = 0; i < NE; i++) { tus += num(); eT[i] = tus; eS[i] = num(); eW[i] = num(); }
var SECONDS = NE ? Math.floor(eT[NE - 1] / 1e6) + 1 : 1;
/* ---- state ---- */
var metricSel = document.getElementById('metric'), viewSel = document.getElementById('view');
var stateSel = document.getElementById('state'), stateLab = document.getElementById('state-label');
var rowsIn = document.getElementById('rows'), enhIn = document.getElementById('enhanced');
var maps = document.getElementById('maps'), info = document.getElementById('info');
var frame = document.getElementById('graph');
var metric = 0, rows = Math.max(1, Math.min(1000, H.rows | 0)), grids = [];
var state = -1; /* wall: the name index of the state leaf kept, -1 all */
var sel = [null, null], drag = null;
H.metrics.forEach(function (m, mi) {
  var o = document.createElement('option');
  o.value = mi; o.textContent = m.name + ' (' + m.label + ')';
  metricSel.appendChild(o);
  if (m.name === H.metric) metric = mi;
});
metricSel.value = metric;
(function () {
  var o = document.createElement('option');
  o.value = 'merged'; o.textContent = 'all, merged'; viewSel.appendChild(o);
  o = document.createElement('option');
  o.value = 'each'; o.textContent = 'one heatmap per thread'; viewSel.appendChild(o);
  var used = new Uint8Array(H.threads.length);
  for (var q = 0; q < NS; q++) used[sThread[q]] = 1;
  H.threads.forEach(function (t, ti) {
    if (!used[ti]) return; /* a thread with no stack (never sampled) */
    o = document.createElement('option');
    o.value = 't' + ti; o.textContent = t.name + ' (tid ' + t.tid + ')';
    viewSel.appendChild(o);
  });
  viewSel.value = H.perThread ? 'each' : 'merged';
})();
/* The leaf of a stack (a wall stack's state frame, "[sleep]"), or -1. */
function leafOf(s) { var f = sFrames[s]; return f.length ? f[f.length - 1] : -1; }
/* Does stack s count: of the metric, the thread (-1: any), the state? */
function keep(s, thread) {
  return sMetric[s] === metric && (thread < 0 || sThread[s] === thread) &&
    (state < 0 || leafOf(s) === state);
}
/* The state filter: offered for the wall metric, one entry per state leaf. */
function fillStates() {
  stateSel.textContent = '';
  var o = document.createElement('option');
  o.value = -1; o.textContent = 'all'; stateSel.appendChild(o);
  var leaves = [];
  if (H.metrics[metric].name === 'wall')
    for (var q = 0; q < NS; q++) {
      var l = leafOf(q);
      if (sMetric[q] === metric && l >= 0 && /^\[.*\]$/.test(H.names[l]) && leaves.indexOf(l) < 0) leaves.push(l);
    }
  leaves.sort(function (x, y) { return H.names[x] < H.names[y] ? -1 : 1; });
  leaves.forEach(function (l) {
    o = document.createElement('option');
    o.value = l; o.textContent = H.names[l]; stateSel.appendChild(o);
  });
  state = -1; stateSel.value = -1;
  stateLab.style.display = leaves.length ? '' : 'none';
}
fillStates();
rowsIn.value = rows;
enhIn.checked = !!H.enhanced;
/* ---- grids: weight per (second, row) of one metric and thread (-1: all) ---- */
function gridOf(thread) {
  var g = new Float64Array(SECONDS * rows), any = false, max = 0;
  for (var e = 0; e < NE; e++) {
    if (!keep(eS[e], thread)) continue;
    var sec = Math.floor(eT[e] / 1e6), row = Math.floor((eT[e] - sec * 1e6) * rows / 1e6);
    var c = sec * rows + row;
    g[c] += eW[e]; any = true;
    if (g[c] > max) max = g[c];
  }
  return { cells: g, max: max, any: any, thread: thread };
}
function cellSize() {
  var avail = Math.max(200, maps.clientWidth - 4);
  return { w: Math.max(2, Math.min(32, Math.floor(avail / SECONDS))),
           h: Math.max(2, Math.min(12, Math.floor(400 / rows))) };
}
/* White to red; "enhanced": a log scale, so sparse cells still show. */
function shade(v, max) {
  if (!(v > 0)) return 255;
  var f = enhIn.checked ? Math.log(1 + v) / Math.log(1 + max) : v / max;
  return Math.round(235 * (1 - Math.min(1, f)));
}
function inSel(s, g, t) { return s && (s.thread < 0 || s.thread === g.thread) && t >= s.a && t < s.b; }
/* One pass over the cells into an ImageData: a million cells stay fast. */
function drawGrid(g) {
  var cs = cellSize(), cv = g.canvas, ctx = cv.getContext('2d');
  var W = SECONDS * cs.w, Hh = rows * cs.h;
  cv.width = W; cv.height = Hh;
  var img = ctx.createImageData(W, Hh), px = img.data;
  var marks = [sel[0], sel[1], drag && drag.g === g ? drag.s : null];
  var tint = [[0, 90, 255], [0, 170, 60], [0, 0, 0]];
  for (var sec = 0; sec < SECONDS; sec++)
    for (var r = 0; r < rows; r++) {
      var c = shade(g.cells[sec * rows + r], g.max), R = 255, G = c, B = c;
      var t = (sec * rows + r) * 1e6 / rows;
      for (var m = 0; m < 3; m++)
        if (inSel(marks[m], g, t)) {
          R = (R * 0.6 + tint[m][0] * 0.4) | 0; G = (G * 0.6 + tint[m][1] * 0.4) | 0;
          B = (B * 0.6 + tint[m][2] * 0.4) | 0;
        }
      for (var y = r * cs.h; y < (r + 1) * cs.h; y++)
        for (var x = sec * cs.w, o = (y * W + x) * 4; x < (sec + 1) * cs.w; x++, o += 4) {
          px[o] = R; px[o + 1] = G; px[o + 2] = B; px[o + 3] = 255;
        }
    }
  for (sec = 10; sec < SECONDS; sec += 10) /* a tick every 10 s */
    for (y = Hh - 3; y < Hh; y++) { o = (y * W + sec * cs.w) * 4; px[o] = px[o + 1] = px[o + 2] = 120; }
  ctx.putImageData(img, 0, 0);
}
function cellAt(g, ev) {
  var cs = cellSize(), rc = g.canvas.getBoundingClientRect();
  var sec = Math.floor((ev.clientX - rc.left) / cs.w), r = Math.floor((ev.clientY - rc.top) / cs.h);
  sec = Math.max(0, Math.min(SECONDS - 1, sec)); r = Math.max(0, Math.min(rows - 1, r));
  return (sec * rows + r) * 1e6 / rows; /* the cell's start, us */
}
/* A selection from two cells: every cell between them in time order. */
function span(g, ta, tb) {
  var a = Math.min(ta, tb), b = Math.max(ta, tb) + 1e6 / rows;
  return { a: a, b: b, thread: g.thread };
}
function build() {
  maps.textContent = '';
  grids = [];
  var v = viewSel.value, list = [];
  if (v === 'merged') list = [-1];
  else if (v === 'each') for (var t = 0; t < H.threads.length; t++) list.push(t);
  else list = [+v.substr(1)];
  list.forEach(function (t) {
    var g = gridOf(t);
    if (v === 'each' && !g.any) return;
    var lab = document.createElement('div');
    lab.className = 'label';
    lab.textContent = (t < 0 ? 'all threads' : H.threads[t].name + ' (tid ' + H.threads[t].tid + ')') +
      ' \u2014 ' + H.metrics[metric].label + (state >= 0 ? ' ' + H.names[state] : '') +
      ', max ' + fmt(g.max) + ' a cell';
    g.canvas = document.createElement('canvas');
    maps.appendChild(lab); maps.appendChild(g.canvas);
    g.canvas.addEventListener('mousedown', function (e) {
      e.preventDefault();
      var ta = cellAt(g, e);
      drag = { g: g, ta: ta, s: span(g, ta, ta), shift: e.shiftKey };
      drawGrid(g);
    });
    g.canvas.addEventListener('mousemove', function (e) {
      if (!drag) { /* what the cell under the pointer holds */
        var t = cellAt(g, e), sec = Math.floor(t / 1e6), r = Math.round((t - sec * 1e6) * rows / 1e6);
        info.textContent = 'second ' + sec + ', +' + (r * 1000 / rows).toFixed(0) + ' ms: ' +
          fmt(g.cells[sec * rows + r]);
        return;
      }
      if (drag.g !== g) return;
      drag.s = span(g, drag.ta, cellAt(g, e));
      drawGrid(g);
      info.textContent = rangeText(drag.s);
    });
    grids.push(g);
    drawGrid(g);
  });
  if (!grids.length) maps.textContent = 'No events of this metric.';
}
window.addEventListener('mouseup', function () {
  if (!drag) return;
  var s = drag.s;
  if (drag.shift && sel[0]) sel[1] = s; else { sel[0] = s; sel[1] = null; }
  drag = null;
  grids.forEach(drawGrid);
  show();
});
function fmt(v) {
  var u = H.metrics[metric].unit;
  if (u === 'ns') return v >= 1e9 ? (v / 1e9).toFixed(2) + ' s' : v >= 1e6 ? (v / 1e6).toFixed(2) + ' ms' : (v / 1e3).toFixed(1) + ' \u00b5s';
  if (u === 'bytes') return v >= 1073741824 ? (v / 1073741824).toFixed(2) + ' GiB' : v >= 1048576 ? (v / 1048576).toFixed(2) + ' MiB' : v >= 1024 ? (v / 1024).toFixed(1) + ' KiB' : Math.round(v) + ' B';
  return String(Math.round(v)) + (u === 'samples' ? ' samples' : '');
}
function rangeText(s) {
  return (s.a / 1e6).toFixed(3) + '\u2013' + (s.b / 1e6).toFixed(3) + ' s' +
    (s.thread >= 0 ? ' of ' + H.threads[s.thread].name : '');
}
/* ---- the range graph: the canvas page of render -o X.html ---- */
function weights(s) {
  var w = new Map();
  for (var e = 0; e < NE; e++) {
    if (eT[e] < s.a || eT[e] >= s.b) continue;
    var st = eS[e];
    if (!keep(st, s.thread)) continue;
    w.set(st, (w.get(st) || 0) + eW[e]);
  }
  return w;
}
/* The html.js node table of one or two columns (diff: BEFORE, AFTER). */
function table(cols) {
  var root = { nm: 0, kids: new Map(), self: [0, 0] };
  cols.forEach(function (w, c) {
    w.forEach(function (v, st) {
      var n = root, fr = sFrames[st];
      for (var q = 0; q < fr.length; q++) {
        var ch = n.kids.get(fr[q]);
        if (!ch) { ch = { nm: fr[q], kids: new Map(), self: [0, 0] }; n.kids.set(fr[q], ch); }
        n = ch;
      }
      n.self[c] += v;
    });
  });
  var names = [], colors = '', local = new Map(), nodes = [], count = 0, prev = 0;
  var pal = H.metrics[metric].colors;
  function nameIdx(g) {
    var x = local.get(g);
    if (x === undefined) {
      x = names.length; local.set(g, x); names.push(H.names[g]); colors += pal.substr(6 * g, 6);
    }
    return x;
  }
  var stack = [[root, 0]];
  while (stack.length) {
    var top = stack.pop(), n = top[0], d = top[1];
    nodes.push(vlq(count ? prev + 1 - d : 0) + vlq(nameIdx(n.nm) + 1) + vlq(n.self[0]) +
               (cols.length > 1 ? vlq(n.self[1]) : ''));
    prev = d; count++;
    var kids = Array.from(n.kids.values());
    kids.sort(function (x, y) { var a = H.names[x.nm], b = H.names[y.nm]; return a < b ? 1 : a > b ? -1 : 0; });
    for (var q = 0; q < kids.length; q++) stack.push([kids[q], d + 1]);
  }
  return { n: count, names: names, colors: colors, nodes: nodes.join('') };
}
function total(w) { var t = 0; w.forEach(function (v) { t += v; }); return t; }
function esc(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
var api = window.heatmap = { seconds: SECONDS, rows: function () { return rows; }, graph: null };
function show() {
  if (!sel[0]) return;
  var m = H.metrics[metric], diff = !!sel[1];
  var wa = weights(sel[0]), wb = diff ? weights(sel[1]) : null;
  var t = table(diff ? [wa, wb] : [wa]);
  var title = m.label + ' ' + rangeText(sel[0]) + (diff ? ' vs ' + rangeText(sel[1]) : '');
  var D = { v: 1, unit: m.unit, period: m.unit === 'samples' ? H.period : 0, scale: 1, inverted: false,
    n: t.n, keep: H.keep, minCut: H.minCut, title: title, names: t.names, colors: t.colors,
    more: H.more, nodes: t.nodes,
    diff: diff ? { tb: total(wa), ta: total(wb), normalize: total(wa) > 0 && total(wb) > 0,
                   minDelta: -1, flat: H.flat } : null };
  var json = JSON.stringify(D).replace(/</g, '\\u003c');
  var page = (diff ? H.tplDiff : H.tpl).split('@@FP-DATA@@').join(json)
    .split('@@FP-TITLE@@').join(esc(title))
    .split('@@FP-LEGEND@@').join('before = first range (' + esc(rangeText(sel[0])) + '), after = second (' +
      esc(rangeText(sel[1] || sel[0])) + '); red = grew, blue = shrank');
  api.graph = { title: title, diff: diff, total: total(wa), frame: frame };
  frame.srcdoc = page;
  info.textContent = title + ': ' + fmt(total(wa)) + (diff ? ' / ' + fmt(total(wb)) : '');
}
api.select = function (a, b, shift, thread) {
  var s = { a: a * 1e6, b: b * 1e6, thread: thread === undefined ? -1 : thread };
  if (shift && sel[0]) sel[1] = s; else { sel[0] = s; sel[1] = null; }
  grids.forEach(drawGrid);
  show();
};
/* The client rectangle of cell (second, row) of grid g, for tests. */
api.cellRect = function (g, sec, row) {
  var cs = cellSize(), rc = grids[g].canvas.getBoundingClientRect();
  return { x: rc.left + sec * cs.w, y: rc.top + row * cs.h, w: cs.w, h: cs.h };
};
api.grids = function () { return grids.length; };
metricSel.addEventListener('change', function () {
  metric = +metricSel.value; sel = [null, null]; fillStates(); build();
});
stateSel.addEventListener('change', function () { state = +stateSel.value; sel = [null, null]; build(); });
viewSel.addEventListener('change', function () { sel = [null, null]; build(); });
enhIn.addEventListener('change', function () { grids.forEach(drawGrid); });
rowsIn.addEventListener('change', function () {
  var r = Math.max(1, Math.min(1000, rowsIn.value | 0));
  if (r !== rows) { rows = r; build(); }
});
window.addEventListener('resize', function () { grids.forEach(drawGrid); });
build();
api.loadMs = performance.now() - t0;
api.ready = true;
})();
