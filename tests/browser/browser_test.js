#!/usr/bin/env node
// Headless Chromium test of flamepre's interactive graphs (issue 3).
//
// Opens an SVG made by `flamepre render` in Debian's Chromium (driven by
// playwright-core; no browser is downloaded) and checks, on the page:
//   1. search by keyboard shortcut ("/" and Ctrl-F open the prompt): the
//      "Matched: X%" text equals the share of samples whose stack contains a
//      matching frame, computed here independently from the folded input, so
//      recursive and nested matches must not be counted twice;
//   2. click on a frame: it now spans the full graph width, its ancestors are
//      dimmed and full width, frames outside it are hidden, its descendants
//      keep their share of its width;
//   3. reset zoom (button and Escape) restores every frame's width;
//   4. a PNG screenshot of the zoomed, searched graph is kept in the artifact
//      directory.
// An HTML graph (--html) is tested the same way through its canvas and the
// window.flamepre hooks (see htmlTest).
//
//   node browser_test.js --svg G.svg --folded IN.folded [--hostile H.svg]
//        [--html G.html] [--deep-svg D.svg --deep-html D.html]
//        [--artifacts DIR] [--chromium /usr/bin/chromium]
// (--hostile: an SVG of tests/golden/in/hostile.folded, see hostileTest;
// --deep-*: graphs of 999 shallow stacks and one 300 deep, see deepTest)
//
// Exit status 0 when every check passed; each check prints one line.
'use strict';
const fs = require('fs');
const path = require('path');
const { check, runInChromium } = require('./harness');

function parseArgs(argv) {
  const a = { artifacts: 'build/artifacts', chromium: '/usr/bin/chromium' };
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in { svg: 1, html: 1, hostile: 1, folded: 1, artifacts: 1, chromium: 1, 'deep-svg': 1, 'deep-html': 1 }) ||
        i + 1 >= argv.length)
      throw new Error('usage: browser_test.js --svg G.svg --folded IN.folded [--html G.html] [--artifacts DIR]');
    a[k] = argv[i + 1];
  }
  if (!a.svg || !a.folded) throw new Error('--svg and --folded are required');
  return a;
}


// Share (in %) of samples whose stack has at least one frame matching re.
function expectedMatch(foldedText, re) {
  let total = 0, hit = 0;
  for (const line of foldedText.split('\n')) {
    const l = line.replace(/\r$/, '');
    const m = /^(.*?)\s+([0-9]*\.?[0-9]+)\s*$/.exec(l);
    if (!m) continue;
    const n = +m[2];
    total += n;
    if (m[1].split(';').some((f) => re.test(f))) hit += n;
  }
  return total > 0 ? (100 * hit) / total : 0;
}

function matchedPct(text) {
  const m = /Matched:\s*([0-9.]+)%/.exec(text || '');
  return m ? +m[1] : NaN;
}

// Screenshot of the whole SVG: fullPage screenshots hang on SVG documents in
// Chromium (no scrollable HTML body), so size the viewport to the image.
async function shot(page, file) {
  const w = Math.ceil(+(await page.getAttribute('svg', 'width')));
  const h = Math.ceil(+(await page.getAttribute('svg', 'height')));
  await page.setViewportSize({ width: w, height: h });
  await page.screenshot({ path: file, timeout: 15000 });
}

// Geometry of every frame: name, classes, x and width of its rect.
async function frames(page) {
  return page.$$eval('g.f', (gs) => gs.map((g) => ({
    name: g.querySelector('title').textContent.split('\n')[0],
    cls: g.getAttribute('class'),
    x: +g.querySelector('rect').getAttribute('x'),
    w: +g.querySelector('rect').getAttribute('width'),
    d: +g.getAttribute('fp:d'),
  })));
}

async function svgTest(browser, args, folded) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 500 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  let answer = null;
  page.on('dialog', async (d) => {
    if (d.type() === 'prompt' && answer !== null) await d.accept(answer);
    else await d.dismiss();
  });
  await page.goto('file://' + path.resolve(args.svg));
  await page.waitForFunction(() => typeof frames !== 'undefined' && frames && frames.length > 0);
  check(errors.length === 0, 'SVG loads without script errors', errors.join('; '));

  const W = +(await page.getAttribute('#frames', 'fp:width'));
  const XPAD = +(await page.getAttribute('#frames', 'fp:xpad'));
  const before = await frames(page);
  check(before.length > 1, `SVG has ${before.length} frames`);

  // 1. search through the keyboard shortcuts
  const searches = [
    { key: '/', re: 'sha256|deflate' },
    { key: 'Control+f', re: '^(compute|fib)$' }, // nested: fib inside compute
    { key: '/', re: 'fib' },                     // recursive: fib;fib;fib counted once
  ];
  for (const s of searches) {
    answer = s.re;
    await page.keyboard.press(s.key);
    await page.waitForFunction(() => /Matched/.test(document.getElementById('matched').textContent));
    const txt = await page.textContent('#matched');
    const want = expectedMatch(folded, new RegExp(s.re));
    const got = matchedPct(txt);
    check(Math.abs(got - want) <= (want < 10 ? 0.006 : 0.06),
      `search ${s.key} /${s.re}/ shows "${txt.trim()}"`, `expected ${want.toFixed(3)}%`);
    const hl = await page.$$eval('g.f rect', (rs) => rs.filter((r) => r.getAttribute('fill') === 'rgb(230,0,230)').length);
    check(hl > 0, `search /${s.re}/ highlights ${hl} frames`);
    if (s !== searches[searches.length - 1]) {
      await page.click('#search'); // "Reset Search"
      check((await page.textContent('#matched')).trim() === '', 'Reset Search clears "Matched"');
    }
  }
  answer = null;

  // 2. click to zoom into "compute" (has ancestors, descendants, and siblings)
  const target = before.find((f) => f.name === 'compute');
  check(!!target, 'frame "compute" present');
  if (target) {
    const g = page.locator('g.f', { has: page.locator('title', { hasText: /^compute\n/ }) }).first();
    await g.locator('rect').click();
    const after = await frames(page);
    const z = after.find((f) => f.name === 'compute');
    check(Math.abs(z.x - XPAD) < 0.02 && Math.abs(z.w - W) < 0.02,
      'zoomed frame spans the full width', `x=${z.x} w=${z.w}, graph x=${XPAD} w=${W}`);
    check(!/\bdim\b/.test(z.cls), 'zoomed frame is not dimmed');
    const anc = after.filter((f) => f.d < z.d && !/\bhide\b/.test(f.cls));
    check(anc.length === z.d && anc.every((f) => /\bdim\b/.test(f.cls) && Math.abs(f.w - W) < 0.02),
      `its ${anc.length} ancestors are dimmed and full width`, anc.map((f) => `${f.name}:${f.cls}`).join(' '));
    const other = after.find((f) => f.name === 'sha256_update');
    check(other && /\bhide\b/.test(other.cls), 'frames outside the zoomed one are hidden');
    const child = after.find((f) => f.name === 'fib' && f.d === z.d + 1);
    const child0 = before.find((f) => f.name === 'fib' && f.d === target.d + 1);
    check(child && Math.abs(child.w / W - child0.w / target.w) < 0.01,
      'a child keeps its share of the zoomed frame', `${(child.w / W).toFixed(3)} vs ${(child0.w / target.w).toFixed(3)}`);
    check(await page.isVisible('#unzoom'), '"Reset Zoom" is shown');

    fs.mkdirSync(args.artifacts, { recursive: true });
    const png = path.join(args.artifacts, 'browser-svg-zoom-search.png');
    await shot(page, png);
    check(fs.statSync(png).size > 1000, `screenshot ${png}`);

    // 3. reset zoom with the button, then zoom again and reset with Escape
    await page.click('#unzoom');
    const reset = await frames(page);
    const same = reset.every((f, i) => Math.abs(f.w - before[i].w) < 0.02 && Math.abs(f.x - before[i].x) < 0.02 && !/\b(dim|hide)\b/.test(f.cls));
    check(same, 'Reset Zoom restores every frame');
    await g.locator('rect').click();
    await page.keyboard.press('Escape');
    const esc = await frames(page);
    check(esc.every((f, i) => Math.abs(f.w - before[i].w) < 0.02 && !/\b(dim|hide)\b/.test(f.cls)) &&
      (await page.textContent('#matched')).trim() === '', 'Escape resets zoom and search');
  }
  const png2 = path.join(args.artifacts, 'browser-svg.png');
  await shot(page, png2);
  check(errors.length === 0, 'no script errors during the test', errors.join('; '));
  await page.close();
}

// A graph of hostile names (<script>, </script>, quotes, control chars,
// invalid UTF-8): the document must parse, hold exactly the one script
// flamepre writes, run no injected code (no alert), and search must still
// work on names with regex metacharacters.
async function hostileTest(browser, file) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  const dialogs = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', async (d) => {
    dialogs.push(d.type() + ':' + d.message());
    if (d.type() === 'prompt') await d.accept('alert\\(');
    else await d.dismiss();
  });
  await page.goto('file://' + path.resolve(file));
  await page.waitForFunction(() => typeof frames !== 'undefined' && frames && frames.length > 0);
  const info = await page.evaluate(() => ({
    scripts: document.getElementsByTagName('script').length,
    parseError: document.getElementsByTagName('parsererror').length,
    names: Array.prototype.map.call(document.querySelectorAll('g.f title'), (t) => t.textContent.split('\n')[0]),
  }));
  check(info.parseError === 0 && info.scripts === 1, 'hostile SVG parses with exactly one script',
    `scripts=${info.scripts} parsererror=${info.parseError}`);
  check(info.names.some((n) => n === '<script>alert(1)</script>') &&
    info.names.some((n) => n === "</script><script>alert('x')</script>") &&
    info.names.some((n) => n === 'a<b>&c"d\'e'), 'hostile names shown verbatim as text');
  await page.keyboard.press('/');
  await page.waitForFunction(() => /Matched/.test(document.getElementById('matched').textContent));
  const txt = (await page.textContent('#matched')).trim();
  check(/^Matched: [0-9.]+%$/.test(txt) && matchedPct(txt) > 0, `search /alert\\(/ on hostile names: "${txt}"`);
  check(dialogs.length === 1 && dialogs[0].startsWith('prompt:'), 'no injected dialogs', dialogs.join(' | '));
  check(errors.length === 0, 'hostile SVG runs without script errors', errors.join('; '));
  await page.close();
}

// HTML graphs (canvas): the page exposes window.flamepre (find, hit(x, y),
// zoom, search); clicks go to canvas pixels found with hit(). Checks search
// through the shortcuts, click-to-zoom (the frame and its parent cover the
// full canvas width), reset, Escape, and keeps a screenshot. Dimming of
// ancestors is painted on the canvas and not checked here.
async function htmlTest(browser, args, folded) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('file://' + path.resolve(args.html));
  await page.waitForFunction(() => window.flamepre && window.flamepre.n > 1);
  check(errors.length === 0, 'HTML loads without script errors', errors.join('; '));
  for (const s of [{ key: '/', re: 'sha256|deflate' }, { key: 'Control+f', re: '^(compute|fib)$' }, { key: '/', re: 'fib' }]) {
    await page.click('body', { position: { x: 5, y: 5 } }).catch(() => {});
    await page.keyboard.press(s.key);
    check(await page.evaluate(() => document.activeElement === document.getElementById('search')),
      `HTML: ${s.key} focuses the search box`);
    await page.keyboard.press('Control+a');
    await page.keyboard.type(s.re);
    await page.keyboard.press('Enter');
    const txt = (await page.textContent('#matched')).trim();
    const want = expectedMatch(folded, new RegExp(s.re));
    check(Math.abs(matchedPct(txt) - want) <= (want < 10 ? 0.006 : 0.06),
      `HTML: search /${s.re}/ shows "${txt}"`, `expected ${want.toFixed(3)}%`);
  }
  const geo = await page.evaluate(() => {
    const f = window.flamepre, c = document.getElementById('fg'), r = c.getBoundingClientRect();
    const idx = f.find('compute');
    for (let y = 4; y < r.height; y += 8)
      for (let x = 1; x < r.width; x += 2)
        if (f.hit(x, y) === idx) return { idx, x, y, left: r.left, top: r.top, w: r.width };
    return { idx, x: -1 };
  });
  check(geo.idx >= 0 && geo.x >= 0, 'HTML: frame "compute" found on the canvas');
  if (geo.x >= 0) {
    await page.mouse.click(geo.left + geo.x + 2, geo.top + geo.y);
    const z = await page.evaluate((g) => {
      const f = window.flamepre;
      return { l: f.hit(1, g.y), r: f.hit(g.w - 2, g.y), pl: f.hit(1, g.y + 16), pr: f.hit(g.w - 2, g.y + 16),
        pu: f.hit(1, g.y - 16), reset: !document.getElementById('reset').disabled };
    }, geo);
    const inverted = false; // flame graph: parent one row below
    void inverted;
    check(z.l === geo.idx && z.r === geo.idx, 'HTML: zoomed frame spans the full canvas width', JSON.stringify(z));
    check(z.pl >= 0 && z.pl === z.pr, 'HTML: its parent spans the full width too');
    check(z.reset, 'HTML: "Reset zoom" enabled');
    fs.mkdirSync(args.artifacts, { recursive: true });
    const png = path.join(args.artifacts, 'browser-html-zoom-search.png');
    await page.screenshot({ path: png, fullPage: true });
    check(fs.statSync(png).size > 1000, `screenshot ${png}`);
    await page.click('#reset');
    const r = await page.evaluate((g) => window.flamepre.hit(g.w - 2, g.y), geo);
    check(r !== geo.idx, 'HTML: Reset zoom restores the layout');
    await page.keyboard.press('Escape');
    check((await page.textContent('#matched')).trim() === '', 'HTML: Escape clears the search');
  }
  await page.screenshot({ path: path.join(args.artifacts, 'browser-html.png'), fullPage: true });
  check(errors.length === 0, 'HTML: no script errors during the test', errors.join('; '));
  await page.close();
}

// A few deep outliers must not push the base off the first screen: the
// graph of 999 stacks 3 frames deep and one 300 deep (d0;...;d299) opens 4
// rows tall (+ the root) with a line saying what is cut; the deep frames
// are in the document and zooming into d0 grows the graph until d299 is
// inside it; reset shrinks it back.
async function deepTest(browser, svgFile, htmlFile, artifacts) {
  const FH = 16;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('file://' + path.resolve(svgFile));
  await page.waitForFunction(() => typeof frames !== 'undefined' && frames && frames.length > 0);
  const h0 = +(await page.getAttribute('svg', 'height'));
  check(h0 < 5 * FH + 120, `deep SVG opens ${h0} px tall (4 rows of frames, not 301)`);
  check(/deeper than 3 frames \(up to 300\)/.test(await page.textContent('#deep')),
    'deep SVG says what is cut', await page.textContent('#deep'));
  // where d299 is drawn, relative to the image (its rect's box on the page)
  const where = () => page.evaluate(() => {
    const g = frames.find((f) => f.fname === 'd299'), b = g.rect.getBoundingClientRect();
    return { top: b.top, bottom: b.bottom, h: +svg.getAttribute('height'), hidden: g.classList.contains('hide') };
  });
  const w0 = await where();
  check(w0.bottom <= FH * 3, 'd299 is in the document, above the first screen', JSON.stringify(w0));
  await page.evaluate(() => zoom(frames.find((f) => f.fname === 'd0')));
  const w1 = await where();
  check(w1.h >= 300 * FH && w1.top >= 0 && w1.bottom <= w1.h && !w1.hidden,
    'zooming into d0 grows the SVG until d299 is inside it', JSON.stringify(w1));
  const base = await page.evaluate(() => {
    const b = frames.find((f) => f.fname === 'd0').rect.getBoundingClientRect();
    return b.bottom;
  });
  check(base > w1.h - 3 * FH - 20, 'the zoomed frame stays at the bottom of the grown SVG', `${base} of ${w1.h}`);
  await shot(page, path.join(artifacts, 'browser-svg-deep-zoom.png'));
  await page.evaluate(() => unzoom());
  check(+(await page.getAttribute('svg', 'height')) === h0, 'Reset Zoom shrinks the SVG back');
  check(errors.length === 0, 'deep SVG: no script errors', errors.join('; '));
  await page.close();

  const hp = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const herr = [];
  hp.on('pageerror', (e) => herr.push(String(e)));
  await hp.goto('file://' + path.resolve(htmlFile));
  await hp.waitForFunction(() => window.flamepre && window.flamepre.n > 1);
  const r0 = await hp.evaluate(() => window.flamepre.rows());
  check(r0 === 4 && (await hp.evaluate(() => window.flamepre.maxDepth)) === 300,
    `deep HTML opens with ${r0} rows of 301`);
  check(/deeper than 3 frames \(up to 300\)/.test((await hp.textContent('#deep')) || ''),
    'deep HTML says what is cut');
  const r1 = await hp.evaluate(() => { const f = window.flamepre; f.zoom(f.find('d0')); return f.rows(); });
  check(r1 === 301, `zooming into d0 shows ${r1} rows`);
  const d299 = await hp.evaluate(() => {
    const f = window.flamepre, c = document.getElementById('fg');
    return f.hit(c.clientWidth / 2, 2) === f.find('d299');
  });
  check(d299, 'HTML: d299 is on the top row after the zoom');
  await hp.screenshot({ path: path.join(artifacts, 'browser-html-deep-zoom.png'), fullPage: true });
  const r2 = await hp.evaluate(() => { window.flamepre.reset(); return window.flamepre.rows(); });
  check(r2 === r0, 'HTML: reset returns to the first screen');
  check(herr.length === 0, 'deep HTML: no script errors', herr.join('; '));
  await hp.close();
}

const args = parseArgs(process.argv);
const folded = fs.readFileSync(args.folded, 'latin1');
runInChromium(args.chromium, async (browser) => {
  await svgTest(browser, args, folded);
  if (args.hostile) await hostileTest(browser, args.hostile);
  if (args.html) await htmlTest(browser, args, folded);
  if (args['deep-svg'] && args['deep-html'])
    await deepTest(browser, args['deep-svg'], args['deep-html'], args.artifacts);
});
