// What every headless-Chromium test here shares: one line per check, and a
// run in Debian's chromium (driven by playwright-core; no browser is ever
// downloaded) in a throw-away profile, ending with the exit status.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

let failures = 0;

// Print "ok  WHAT" or "FAIL WHAT: DETAIL"; a failure sets the exit status.
function check(ok, what, detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ': ' + detail : ''}`);
  if (!ok) failures++;
}

// Run body(browser) in headless chromium at chromiumPath, then exit 0 when
// every check passed, 1 otherwise or on an exception.
function runInChromium(chromiumPath, body) {
  (async () => {
    const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flamepre-chromium-'));
    const browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 30000,
    });
    try {
      await body(browser);
    } finally {
      await browser.close();
      fs.rmSync(profileDir, { recursive: true, force: true });
    }
    console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
    process.exit(failures ? 1 : 0);
  })().catch((e) => {
    console.error('FAIL', e && e.stack ? e.stack : e);
    process.exit(1);
  });
}

module.exports = { check, runInChromium };
