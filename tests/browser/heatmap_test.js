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
//      under 2 s (from navigation start to the script's end).
// Screenshots of (2) and (3) go to the artifact directory.
//
//   node heatmap_test.js --page burst.html --band SEC:ROW0:ROW1 --off SEC:ROW0:ROW1 \
//        --big big.html --artifacts DIR [--chromium /usr/bin/chromium]
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
});
