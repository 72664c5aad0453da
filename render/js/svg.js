"use strict";
var svg, frames, details, matched, unzoomBtn, searchBtn, total, W, XPAD, FS, FW, EPS;
var zoomed = null, term = null;
var framesG, clipRect, ROWS0 = 0, FH, INV, KEEP, MINCUT, H0, WID, CY0, DY0;
function init(evt) {
  svg = document.documentElement;
  var c = document.getElementById('frames');
  total = +c.getAttribute('fp:total'); W = +c.getAttribute('fp:width');
  XPAD = +c.getAttribute('fp:xpad'); FS = +c.getAttribute('fp:fs'); FW = 0.59;
  EPS = total * 1e-9;
  details = document.getElementById('details');
  matched = document.getElementById('matched');
  unzoomBtn = document.getElementById('unzoom');
  searchBtn = document.getElementById('search');
  framesG = c; clipRect = document.getElementById('fpcliprect');
  if (clipRect) {
    ROWS0 = +c.getAttribute('fp:rows'); FH = +c.getAttribute('fp:fh');
    INV = c.getAttribute('fp:inverted') === '1'; KEEP = +c.getAttribute('fp:permille') / 1000;
    MINCUT = +c.getAttribute('fp:mincut');
    H0 = +svg.getAttribute('height'); WID = +svg.getAttribute('width');
    CY0 = +clipRect.getAttribute('y'); DY0 = +details.getAttribute('y');
  }
  frames = Array.prototype.slice.call(c.getElementsByTagName('g'));
  frames.forEach(function (g) {
    g.fx = +g.getAttribute('fp:x'); g.fw = +g.getAttribute('fp:w');
    g.fd = +g.getAttribute('fp:d'); g.fmore = g.classList.contains('m');
    g.rect = g.getElementsByTagName('rect')[0];
    g.text = g.getElementsByTagName('text')[0];
    g.tip = g.getElementsByTagName('title')[0].textContent;
    g.fname = g.tip.split('\n')[0];
    g.ffill = g.rect.getAttribute('fill');
  });
  svg.addEventListener('click', function (e) {
    var g = frameOf(e);
    if (g) zoom(g);
  });
  svg.addEventListener('mouseover', function (e) {
    var g = frameOf(e);
    if (g) details.textContent = g.tip.replace(/\n/g, ' | ');
  });
  svg.addEventListener('mouseout', function () { details.textContent = ' '; });
  unzoomBtn.addEventListener('click', function (e) { e.stopPropagation(); unzoom(); });
  searchBtn.addEventListener('click', function (e) {
    e.stopPropagation();
    if (term !== null) clearSearch(); else askSearch();
  });
  window.addEventListener('keydown', function (e) {
    if (((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F')) || e.key === '/') {
      e.preventDefault(); askSearch();
    } else if (e.key === 'Escape') {
      clearSearch(); unzoom();
    }
  });
}
function frameOf(e) {
  for (var n = e.target; n && n !== svg; n = n.parentNode)
    if (n.classList && n.classList.contains('f')) return n;
  return null;
}
function place(g, x, w) {
  g.rect.setAttribute('x', x.toFixed(2));
  g.rect.setAttribute('width', Math.max(w, 0).toFixed(2));
  g.text.setAttribute('x', (x + 3).toFixed(2));
  var n = Math.floor((w - 6) / (FS * FW)), s = g.fname;
  g.text.textContent = n < 3 ? '' : s.length <= n ? s : s.substr(0, n - 2) + '..';
}
/* Rows for a zoom on z (null: none), as svg.c sizes the first screen. */
function fit(z) {
  if (!ROWS0) return;
  var rows = ROWS0;
  if (z) {
    var w = [], lim = z.fw * (1 - KEEP) * (1 + 1e-9), d = z.fd, deep = z.fd;
    frames.forEach(function (g) {
      if (g.fd > z.fd && g.fx >= z.fx - EPS && g.fx + g.fw <= z.fx + z.fw + EPS) {
        w[g.fd] = (w[g.fd] || 0) + g.fw;
        if (g.fd > deep) deep = g.fd;
      }
    });
    while (d < deep && w[d + 1] > lim) d++;
    if (deep - d < MINCUT) d = deep; /* LAYOUT_CUT_MIN_ROWS */
    rows = Math.max(rows, d + 1);
  }
  var dh = (rows - ROWS0) * FH, h = H0 + dh;
  svg.setAttribute('height', h); svg.setAttribute('viewBox', '0 0 ' + WID + ' ' + h);
  clipRect.setAttribute('height', rows * FH);
  if (!INV) {
    clipRect.setAttribute('y', CY0 - dh);
    framesG.setAttribute('transform', 'translate(0,' + dh + ')');
  }
  details.setAttribute('y', DY0 + dh); matched.setAttribute('y', DY0 + dh);
  return rows;
}
function zoom(z) {
  var x0 = z.fx, w0 = z.fw, d0 = z.fd;
  if (w0 <= 0) return;
  var s = W / w0;
  zoomed = z;
  unzoomBtn.classList.remove('hide');
  frames.forEach(function (g) {
    if (g.fd < d0 && g.fx <= x0 + EPS && g.fx + g.fw >= x0 + w0 - EPS) {
      g.classList.add('dim'); g.classList.remove('hide'); place(g, XPAD, W);
    } else if (g.fd >= d0 && g.fx >= x0 - EPS && g.fx + g.fw <= x0 + w0 + EPS) {
      g.classList.remove('dim'); g.classList.remove('hide');
      place(g, XPAD + (g.fx - x0) * s, g.fw * s);
    } else {
      g.classList.add('hide');
    }
  });
  fit(z);
}
function unzoom() {
  if (!zoomed) return;
  zoomed = null;
  unzoomBtn.classList.add('hide');
  var s = total > 0 ? W / total : 0;
  frames.forEach(function (g) {
    g.classList.remove('dim'); g.classList.remove('hide');
    place(g, XPAD + g.fx * s, g.fw * s);
  });
  fit(null);
}
function askSearch() {
  var t = prompt('Search frames (regular expression):', term === null ? '' : term);
  if (t !== null && t !== '') search(t);
}
function search(t) {
  var re;
  try { re = new RegExp(t); } catch (err) { alert('Invalid regular expression: ' + err.message); return; }
  term = t;
  var hits = [];
  frames.forEach(function (g) {
    var hit = !g.fmore && re.test(g.fname);
    g.rect.setAttribute('fill', hit ? 'rgb(230,0,230)' : g.ffill);
    if (hit) hits.push(g);
  });
  hits.sort(function (a, b) { return a.fx - b.fx || b.fw - a.fw; });
  var sum = 0, end = -Infinity;
  hits.forEach(function (g) {
    if (g.fx + EPS >= end) { sum += g.fw; end = g.fx + g.fw; }
  });
  var pct = total > 0 ? 100 * sum / total : 0;
  matched.textContent = 'Matched: ' + pct.toFixed(pct < 10 ? 2 : 1) + '%';
  searchBtn.textContent = 'Reset Search';
  return pct;
}
function clearSearch() {
  term = null;
  frames.forEach(function (g) { g.rect.setAttribute('fill', g.ffill); });
  matched.textContent = ' ';
  searchBtn.textContent = 'Search';
}
