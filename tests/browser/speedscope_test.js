#!/usr/bin/env node
// flamepre's speedscope export in the real speedscope viewer (the npm
// package's offline build, dist/release/index.html) in headless Chromium:
// a schema check cannot say whether the app imports the file and shows it.
//
// For each export: load it through the app's own "Browse" file input, then
// check on the page:
//   1. the import finished without a script error or the app's "Something
//      went wrong" screen, and the window title names the file;
//   2. the profile selector lists the expected profiles (one per thread);
//   3. the Sandwich view (key 3) of the first profile lists an expected
//      frame name;
//   4. weights are shown in the export's unit: a time ("ms", "s") for
//      nanoseconds, a size ("KB", "MB") for bytes;
// and keep a PNG screenshot of the flame chart in the artifact directory.
//
//   node speedscope_test.js --viewer DIR/index.html --artifacts DIR \
//        [--chromium /usr/bin/chromium] FILE.json:PROFILE:FRAME:UNIT...
// (UNIT: ns, bytes or none)
//
// Exit status 0 when every check passed; each check prints one line.
'use strict';
const fs = require('fs');
const path = require('path');
const { check, runInChromium } = require('./harness');


function parseArgs(argv) {
  const a = { artifacts: 'build/artifacts', chromium: '/usr/bin/chromium', cases: [] };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k in { viewer: 1, artifacts: 1, chromium: 1 } && i + 1 < argv.length) {
      a[k] = argv[++i];
      continue;
    }
    const m = /^(.*\.json):(.+):(.+):(ns|bytes|none)$/.exec(argv[i]);
    if (!m) throw new Error('usage: speedscope_test.js --viewer index.html FILE.json:PROFILE:FRAME:UNIT...');
    a.cases.push({ file: m[1], profile: m[2], frame: m[3], unit: m[4] });
  }
  if (!a.viewer || !a.cases.length) throw new Error('--viewer and at least one case are required');
  return a;
}

const UNIT_RE = { ns: /[0-9.]+\s?(ns|µs|us|ms|s|min)\b/, bytes: /[0-9.]+\s?(B|KB|MB|GB)\b/, none: /./ };

async function viewerTest(browser, args, c) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const base = path.basename(c.file);
  await page.goto('file://' + path.resolve(args.viewer));
  await page.waitForSelector('#file', { state: 'attached', timeout: 15000 });
  await page.setInputFiles('#file', path.resolve(c.file));
  const loaded = await page.waitForFunction(() => document.title !== 'speedscope', null, { timeout: 15000 })
    .then(() => true, () => false);
  const body = await page.textContent('body');
  check(loaded && !/Something went wrong/.test(body) && errors.length === 0,
    `${base}: speedscope imports it without errors`, errors.join('; '));
  const title = await page.title();
  check(title.startsWith(base.replace(/\.json$/, '.folded')), `${base}: window title "${title}"`);
  check(body.includes(c.profile), `${base}: profile "${c.profile}" listed`);
  await page.keyboard.press('3'); // Sandwich view: a DOM table of frames
  const sandwich = await page.waitForFunction((f) => document.body.textContent.includes(f), c.frame, { timeout: 10000 })
    .then(() => true, () => false);
  const text = await page.textContent('body');
  check(sandwich, `${base}: frame "${c.frame}" in the Sandwich view`);
  const unitOk = c.unit === 'none' ? !/[0-9]\s?(ms|KB|MB)\b/.test(text.split('Symbol Name')[1] || '')
    : UNIT_RE[c.unit].test(text.split('Symbol Name')[1] || '');
  check(unitOk, `${base}: weights shown as ${c.unit}`, (text.split('Symbol Name')[1] || '').slice(0, 80));
  await page.keyboard.press('1'); // back to the flame chart for the picture
  await page.waitForTimeout(300);
  fs.mkdirSync(args.artifacts, { recursive: true });
  const png = path.join(args.artifacts, `speedscope-${base.replace(/\.json$/, '')}.png`);
  await page.screenshot({ path: png });
  check(fs.statSync(png).size > 1000, `${base}: screenshot ${png}`);
  check(errors.length === 0, `${base}: no script errors during the test`, errors.join('; '));
  await page.close();
}

const args = parseArgs(process.argv);
runInChromium(args.chromium, async (browser) => {
  for (const c of args.cases) await viewerTest(browser, args, c);
});
