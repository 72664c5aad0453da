#!/usr/bin/env node
// The heatmap page of `flamepre heatmap` (render/heatmap.c, render/js/heatmap.js)
// in headless Chromium:
//   1. the page of a real run of examples/burst loads without a script error;
//   2. dragging the mouse over the cells of one band (BAND: second and rows)
//      shows the range's flame graph beside the heatmap: the canvas page of
//      html.js in an iframe, which names burst, and burst is >= 60% of it;
//   3. shift-dragging over cells between bands shows the differential graph
//      of the two ranges (a diff page: its width-mode selector exists);
//   4. the page of a synthetic 1-hour, 2-thread, 99 Hz timeline is ready in
//      under 2 s (from navigation start to the script's end);
//   5. with --alloc (the page of examples/alloc_burst recorded with
//      alloc,wall,cpu): switching the metric to alloc_bytes redraws the
//      heatmap, and the mouse selection of a band (--alloc-band) graphs
//      burst (>= 60%); switching to wall offers the state filter, and with
//      [sleep] chosen, a selection between the bands (--sleep) graphs
//      nanosleep under rest.
// Screenshots of (2), (3) and (5) go to the artifact directory.
//
//   node heatmap_test.js --page burst.html --band SEC:ROW0:ROW1 --off SEC:ROW0:ROW1 \
//        --big big.html --artifacts DIR [--chromium /usr/bin/chromium] \
//        [--alloc alloc.html --alloc-band SEC:ROW0:ROW1 --sleep SEC:ROW0:ROW1]
'use strict';
const path = require('path');
const { check, runInChromium } = require('./harness');

function parseArgs(argv) {
  const a = { artifacts: 'build/artifacts', chromium: '/usr/bin/chromium' };
  for (let i = 2; i + 1 < argv.length; i += 2) a[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const k of ['page', 'band', 'off', 'big'])
    if (!a[k]) throw new Error('usage: heatmap_test.js --page P --band S:R0:R1 --off S:R0:R1 --big B');
  return a;
}

// Drag the mouse from cell (sec, r0) to (sec, r1) of the first heatmap.
async function dragCells(page, spec, shift) {
  const [sec, r0, r1] = spec.split(':').map(Number);
  const a = await page.evaluate(([s, r]) => window.heatmap.cellRect(0, s, r), [sec, r0]);
  const b = await page.evaluate(([s, r]) => window.heatmap.cellRect(0, s, r), [sec, r1]);
  if (shift) await page.keyboard.down('Shift');
  await page.mouse.move(a.x + a.w / 2, a.y + a.h / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.w / 2, (a.y + b.y) / 2 + a.h / 2, { steps: 3 });
  await page.mouse.move(b.x + b.w / 2, b.y + b.h / 2, { steps: 3 });
  await page.mouse.up();
  if (shift) await page.keyboard.up('Shift');
}

// The flame graph page in the iframe, once its script ran.
async function graphFrame(page) {
  const el = await page.waitForSelector('#graph');
  for (let i = 0; i < 100; i++) {
    const f = await el.contentFrame();
    if (f && await f.evaluate(() => !!(window.flamepre && window.flamepre.n)).catch(() => false)) return f;
    await page.waitForTimeout(50);
  }
  return null;
}

// Choose the option of <select id> whose text starts with `prefix`.
async function choose(page, id, prefix) {
  const v = await page.evaluate(([i, p]) => {
    const o = Array.from(document.getElementById(i).options).find((x) => x.textContent.startsWith(p));
    return o ? o.value : null;
  }, [id, prefix]);
  if (v !== null) await page.selectOption('#' + id, v);
  return v !== null;
}

// The names of the range graph and the share of `fn` in it.
async function graphShare(page, fn) {
  const f = await graphFrame(page);
  if (!f) return null;
  return f.evaluate((name) => {
    const api = window.flamepre, i = api.find(name);
    return { names: api.names, share: i >= 0 ? api.width(i) / api.width(0) : 0 };
  }, fn);
}

// (5): the alloc_bytes and wall metrics of a page.
async function allocAndWall(browser, args) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('file://' + path.resolve(args.alloc));
  await page.waitForFunction(() => window.heatmap && window.heatmap.ready, null, { timeout: 10000 });
  check(await choose(page, 'metric', 'alloc_bytes'), 'the metric switch offers alloc_bytes');
  const label = await page.evaluate(() => document.querySelector('#maps .label').textContent);
  check(/allocated bytes/.test(label) && await page.evaluate(() => window.heatmap.grids()) >= 1,
    'switching to alloc_bytes redraws the heatmap', label);
  await dragCells(page, args['alloc-band'], false);
  let r = await graphShare(page, 'burst');
  check(!!r && r.share >= 0.6, 'the alloc graph of a band is burst (>= 60%)',
    r ? (100 * r.share).toFixed(1) + '% of ' + r.names.slice(0, 8).join(', ') : 'no graph');
  await page.screenshot({ path: path.join(args.artifacts, 'heatmap-alloc.png') });
  check(await choose(page, 'metric', 'wall'), 'the metric switch offers wall');
  const states = await page.evaluate(() =>
    Array.from(document.getElementById('state').options).map((o) => o.textContent));
  check(states.includes('[sleep]') && states.includes('[cpu]'), 'wall offers a state filter',
    states.join(', '));
  check(await choose(page, 'state', '[sleep]'), 'the [sleep] state can be chosen');
  await dragCells(page, args.sleep, false);
  r = await graphShare(page, 'nanosleep');
  check(!!r && r.share >= 0.9 && r.names.includes('[sleep]'), 'the [sleep] graph between bands is nanosleep',
    r ? (100 * r.share).toFixed(1) + '% of ' + r.names.slice(0, 8).join(', ') : 'no graph');
  await page.screenshot({ path: path.join(args.artifacts, 'heatmap-wall-sleep.png') });
  check(errors.length === 0, 'no script errors switching metrics and states', errors.join('; '));
}

runInChromium(parseArgs(process.argv).chromium, async (browser) => {
  const args = parseArgs(process.argv);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('file://' + path.resolve(args.page));
  await page.waitForFunction(() => window.heatmap && window.heatmap.ready, null, { timeout: 10000 });
  check(errors.length === 0, 'heatmap page loads without script errors', errors.join('; '));
  check(await page.evaluate(() => window.heatmap.grids()) >= 1, 'a heatmap is drawn');

  await dragCells(page, args.band, false);
  let f = await graphFrame(page);
  check(!!f, 'selecting the band shows a flame graph beside the heatmap');
  if (f) {
    const r = await f.evaluate(() => {
      const api = window.flamepre, i = api.find('burst');
      return { names: api.names, share: i >= 0 ? api.width(i) / api.width(0) : 0 };
    });
    check(r.names.includes('burst'), 'the range graph names burst', r.names.slice(0, 12).join(', '));
    check(r.share >= 0.6, 'burst is >= 60% of the band\'s graph', (100 * r.share).toFixed(1) + '%');
  }
  await page.screenshot({ path: path.join(args.artifacts, 'heatmap-band.png') });

  await dragCells(page, args.off, true);
  f = await graphFrame(page);
  const diff = f && await f.evaluate(() => !!document.getElementById('mode') && /vs/.test(document.title));
  check(!!diff, 'shift-selecting a second range shows the differential graph');
  await page.screenshot({ path: path.join(args.artifacts, 'heatmap-diff.png') });
  check(errors.length === 0, 'no script errors while selecting', errors.join('; '));

  const big = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const t0 = Date.now();
  await big.goto('file://' + path.resolve(args.big));
  await big.waitForFunction(() => window.heatmap && window.heatmap.ready, null, { timeout: 20000 });
  const ms = await big.evaluate(() => performance.now());
  const wall = Date.now() - t0;
  check(ms < 2000, '1 hour, 2 threads at 99 Hz: ready in under 2 s',
    `${ms.toFixed(0)} ms from navigation start (${wall} ms wall, script ${
      (await big.evaluate(() => window.heatmap.loadMs)).toFixed(0)} ms)`);
  if (args.alloc) await allocAndWall(browser, args);
});
