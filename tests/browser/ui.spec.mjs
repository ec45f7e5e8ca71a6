// The web UI in headless Chromium, as a user drives it: the demo pipeline's frames
// arrive in the page (MJPEG and WebSocket viewers), a pipeline is created, paused,
// stopped and deleted through the UI, bus messages are listed, a bad description shows
// its error, pipelines created and deleted through REST come and go without a reload,
// and ?token= opens a server that has a token.
//
//   node ui.spec.mjs [BUILD_DIR]      (default: build; run from anywhere)
//
// Uses the system's Chromium (/usr/bin/chromium, from `scripts/install-deps browser`)
// through playwright-core. Every wait is bounded; the servers are stopped at the end.
// A screenshot of the page is written to $TESSERA_UI_SCREENSHOT (default
// /tmp/tessera-ui.png) for a human to look at.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const build = path.resolve(repo, process.argv[2] || 'build');
const tessera = path.join(build, 'bin', 'tessera');
const screenshot = process.env.TESSERA_UI_SCREENSHOT || '/tmp/tessera-ui.png';
const WAIT = 30_000;  // ms for any one thing to show up; generous for a loaded machine

const failures = [];
let checks = 0;
function check(cond, what) {
  checks += 1;
  if (!cond) {
    failures.push(what);
    console.error('FAIL:', what);
  }
}

/// `tessera serve --port 0 ...`; resolves with {url, stop} once it prints its URL.
function serve(...flags) {
  const proc = spawn(tessera, ['serve', '--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`tessera serve did not start: ${output}`)); }, WAIT);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/serving on (http:\/\/\S+?)\/?\s/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          stop: () => new Promise((done) => {
            if (proc.exitCode !== null) return done(proc.exitCode);
            const kill = setTimeout(() => proc.kill('SIGKILL'), WAIT);
            proc.once('exit', (code) => { clearTimeout(kill); done(code); });
            proc.kill('SIGTERM');
          }),
        });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tessera serve exited ${code}: ${output}`)); });
  });
}

/// Resolves true when `fn(arg)` in the page becomes truthy within WAIT, false otherwise.
async function eventually(page, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, { timeout: WAIT, polling: 100 });
    return true;
  } catch {
    return false;
  }
}

const framesShown = ([pipeline, min]) => {
  const imgs = [...document.querySelectorAll(`.pipeline[data-pipeline="${pipeline}"] .viewers img`)];
  return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth >= min);
};

async function uiWalkthrough(browser) {
  const server = await serve('--demo');
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  try {
    const response = await page.goto(server.url + '/', { timeout: WAIT });
    check(response.status() === 200, `GET / answered ${response.status()}`);
    check(await eventually(page, () => document.getElementById('connection').dataset.state === 'connected'),
          'the RPC socket did not connect');

    // The demo pipeline's frames arrive in an MJPEG <img>.
    check(await eventually(page, framesShown, ['demo', 1]), 'no demo frames in the MJPEG <img>');
    const width = await page.$eval('.pipeline[data-pipeline="demo"] img', (img) => img.naturalWidth);
    check(width === 320, `demo frame width ${width}, want testsrc's default 320`);

    // Create a pipeline through the form; it plays and its frames show at its size.
    await page.fill('#create-name', 'ui1');
    await page.fill('#create-description', 'testsrc is-live=true pattern=checkers width=200 height=150 ! websink name=view');
    await page.click('#create-submit');
    check(await eventually(page, () => {
      const card = document.querySelector('.pipeline[data-pipeline="ui1"]');
      return card && card.querySelector('.state').textContent === 'playing';
    }), 'the created pipeline ui1 is not listed as playing');
    check(await eventually(page, framesShown, ['ui1', 200]), 'no 200-pixel-wide frames for ui1');
    check(await eventually(page, () => [...document.querySelectorAll('#bus-log li')]
      .some((li) => li.textContent.startsWith('ui1 state-changed'))), 'no state-changed bus message for ui1');

    // Pause and stop with the buttons.
    await page.click('.pipeline[data-pipeline="ui1"] button[data-state="paused"]');
    check(await eventually(page, () => document.querySelector('.pipeline[data-pipeline="ui1"] .state').textContent === 'paused'),
          'ui1 did not show paused');
    await page.click('.pipeline[data-pipeline="ui1"] button[data-state="null"]');
    check(await eventually(page, () => document.querySelector('.pipeline[data-pipeline="ui1"] .state').textContent === 'null'),
          'ui1 did not show null after stop');

    // A property set through the card's form.
    await page.selectOption('.pipeline[data-pipeline="demo"] .set-property .element', 'preview');
    await page.fill('.pipeline[data-pipeline="demo"] .set-property .property', 'quality');
    await page.fill('.pipeline[data-pipeline="demo"] .set-property .value', '50');
    await page.click('.pipeline[data-pipeline="demo"] .set-property button');

    // A bad description shows the server's error, naming the problem.
    await page.fill('#create-name', '');
    await page.fill('#create-description', 'testsrc ! invret');
    await page.click('#create-submit');
    check(await eventually(page, () => !document.getElementById('error').hidden &&
      document.getElementById('error-text').textContent.includes('invret')), 'no error shown for a bad description');
    await page.click('#error-close');

    // The WebSocket viewers show frames too.
    await page.selectOption('#viewer-mode', 'ws');
    check(await eventually(page, framesShown, ['demo', 1]), 'no demo frames through the WebSocket viewer');
    await page.screenshot({ path: screenshot, fullPage: true });

    // Delete through the UI.
    await page.click('.pipeline[data-pipeline="ui1"] .delete');
    check(await eventually(page, () => !document.querySelector('.pipeline[data-pipeline="ui1"]')),
          'ui1 still listed after delete');

    // Created and deleted through REST, elsewhere: pipeline.created / pipeline.deleted
    // notifications bring it into the list and take it out (the page does not poll).
    const created = await fetch(server.url + '/api/v1/pipelines', {
      method: 'POST', body: JSON.stringify({ name: 'rest1', description: 'fakesrc ! fakesink' }),
    });
    check(created.status === 201, `REST create answered ${created.status}`);
    check(await eventually(page, () => !!document.querySelector('.pipeline[data-pipeline="rest1"]')),
          'a pipeline created through REST did not show up');
    const deleted = await fetch(server.url + '/api/v1/pipelines/rest1', { method: 'DELETE' });
    check(deleted.status === 200, `REST delete answered ${deleted.status}`);
    check(await eventually(page, () => !document.querySelector('.pipeline[data-pipeline="rest1"]')),
          'a pipeline deleted through REST is still listed');
    check(pageErrors.length === 0, `errors in the page: ${pageErrors.join('; ')}`);
  } finally {
    await page.close();
    check((await server.stop()) === 0, 'tessera serve did not exit 0');
  }
}

async function tokenInTheUrl(browser) {
  const server = await serve('--demo', '--token', 'ui-secret');
  const page = await browser.newPage();
  try {
    await page.goto(server.url + '/?token=ui-secret', { timeout: WAIT });
    check(await eventually(page, framesShown, ['demo', 1]), 'no frames with ?token=');
    await page.goto(server.url + '/', { timeout: WAIT });
    check(await eventually(page, () => document.getElementById('connection').dataset.state === 'disconnected'),
          'without ?token= the page should show it is not connected');
  } finally {
    await page.close();
    await server.stop();
  }
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  await uiWalkthrough(browser);
  await tokenInTheUrl(browser);
} catch (e) {
  check(false, `the test stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`ui.spec: ${failures.length} failure(s)`);
  process.exit(1);
}
console.log(`ui.spec: ok (${checks} checks); screenshot: ${screenshot}`);
