// The web UI in headless Chromium, as a user drives it:
//  - frames of the demo pipeline in the page (WebSocket and MJPEG viewers, pixels read
//    back through a canvas) with measured fps and bytes/s; a smaller size chosen for a viewer;
//  - live charts (fps, QoS, latency, viewers per pipeline; memory, viewers, pipelines
//    for the server), and a live pipeline slower than its frame rate still showing frames;
//  - a pipeline made from the element catalogue (search, details, insert), its graph
//    (elements, pads, negotiated caps, push mode), properties changed through the
//    controls generated from the factory description (select, slider, switch), a
//    refused value put back with the server's message, a locked property's reason;
//  - the seek bar of a pipeline with a duration, EOS and ERROR badges with the error
//    text, the editor marking a parse error's line:column;
//  - pipelines created and deleted through REST appear and go without polling; a deep
//    link /#/pipelines/NAME; buttons named after their pipeline; no console errors
//    and no failed request (favicon);
//  - encoded video (avenc ! websink): H.264 through WebCodecs into a canvas and VP8
//    through Media Source Extensions into a <video> (each forced with ?video=, since
//    http://127.0.0.1 is a secure context), frames appear and the SMPTE bars read back
//    within tolerance; a second page joining mid-stream shows frames too;
//  - with --token: the token prompt, "wrong token" told from "unreachable" without
//    retrying a refused token, tickets instead of the token in every URL;
//  - over TLS (--tls-cert/--tls-key, a certificate made here by openssl, Chromium
//    started with --ignore-certificate-errors): the page loads from https://, a pipeline
//    created from the page shows frames (over wss://), no console errors.
//
//   node ui.spec.mjs [BUILD_DIR]      (default: build; run from anywhere)
//
// Uses the system's Chromium (/usr/bin/chromium, from `scripts/install-deps browser`)
// through playwright-core. Every wait is bounded; the servers are stopped at the end.
// Screenshots of the main views (light and dark) go to $TESSERA_UI_SCREENSHOTS
// (default: BUILD_DIR/ui-screenshots, so a test run leaves the checkout clean);
// TESSERA_UI_SCREENSHOTS=docs/images refreshes the ones README shows.
import { chromium } from 'playwright-core';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const build = path.resolve(repo, process.argv[2] || 'build');
const tessera = path.join(build, 'bin', 'tessera');
const shots = process.env.TESSERA_UI_SCREENSHOTS || path.join(build, 'ui-screenshots');
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
  const proc = spawn(tessera, ['serve', '--port', '0', '--web-root', path.join(repo, 'web'), ...flags],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`tessera serve did not start: ${output}`)); }, WAIT);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/serving on (https?:\/\/\S+?)\/?\s/);
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

/// A page that records console errors and failed requests.
async function openPage(browser, options = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ...options });
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e}`));
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`HTTP ${r.status()} for ${r.url()}`); });
  return page;
}

const card = (name) => `.pipeline[data-pipeline="${name}"]`;

const framesShown = ([pipeline, min]) => {
  const imgs = [...document.querySelectorAll(`.pipeline[data-pipeline="${pipeline}"] .viewers img`)];
  return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth >= min);
};

/// The first viewer's frame read back through a canvas: its size and how many pixels
/// are bright (> 200) and dark (< 50).
/// null while the <img> is between two frames (the viewer swaps its src per frame).
const pixelsOf = (pipeline) => {
  const img = document.querySelector(`.pipeline[data-pipeline="${pipeline}"] .viewers img`);
  if (!img || !img.complete || img.naturalWidth === 0) return null;
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let bright = 0, dark = 0;
  for (let i = 0; i < data.length; i += 4) {
    const y = (data[i] + data[i + 1] + data[i + 2]) / 3;
    if (y > 200) bright += 1;
    if (y < 50) dark += 1;
  }
  return { width: canvas.width, height: canvas.height, bright, dark };
};

const measured = (pipeline) => {
  const c = document.querySelector(`.pipeline[data-pipeline="${pipeline}"] .viewers figcaption`);
  return c && Number(c.dataset.fps) > 0 && Number(c.dataset.bytesPerSecond) > 0;
};

async function rest(server, method, route, body, headers = {}) {
  const r = await fetch(server.url + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let data = text;
  try { data = JSON.parse(text); } catch { /* text */ }
  return { status: r.status, body: data };
}

/// Creates through the form; with a name, waits until its card is listed.
async function create(page, name, description, play = true) {
  await page.fill('#create-name', name);
  await page.fill('#create-description', description);
  await page.setChecked('#create-play', play);
  await page.click('#create-submit');
  if (name) check(await eventually(page, (n) => !!document.querySelector(`.pipeline[data-pipeline="${n}"]`), name),
                  `${name} is not listed after Create`);
}

async function framesAndPixels(page) {
  check(await eventually(page, framesShown, ['demo', 1]), 'no demo frames in the WebSocket viewer');
  const px = await (await page.waitForFunction(pixelsOf, 'demo', { timeout: WAIT, polling: 50 })).jsonValue();
  check(px.width === 320 && px.height === 240, `demo frame ${px.width}x${px.height}, want testsrc's default 320x240`);
  check(px.bright > 100 && px.dark > 10000, `the demo frame is not a white ball on black: ${JSON.stringify(px)}`);
  check(await eventually(page, measured, 'demo'), 'no fps and bytes/s measured for the demo viewer');
  // A smaller size for this viewer only: its frames become 160x120, then full again.
  for (const [size, width] of [['height=120', 160], ['', 320]]) {
    await page.selectOption('[aria-label="frame size of demo/preview"]', size);
    check(await eventually(page, ([p, w]) => {
      const img = document.querySelector(`.pipeline[data-pipeline="${p}"] .viewers img`);
      return img.complete && img.naturalWidth === w;
    }, ['demo', width]), `choosing "${size || 'Full size'}" did not give ${width}-pixel-wide frames`);
  }
  check(await page.$('[aria-label="JPEG quality of demo/preview"]') !== null, 'no quality choice labelled with demo/preview');
  check(await page.$eval(`${card('demo')} .seek`, (s) => s.disabled), 'the seek bar of a live pipeline (no duration) is enabled');
  for (const label of ['play demo', 'pause demo', 'stop demo', 'delete demo', 'seek demo'])
    check(await page.$(`[aria-label="${label}"]`) !== null, `no control labelled "${label}"`);
}

/// The last sample of each series of a chart (charts.js keeps them in data-last).
const chartLast = ([scope, chart]) =>
  JSON.parse(document.querySelector(`${scope} [data-chart="${chart}"]`)?.dataset.last || '[]');

/// Live charts from the one server.stats call a second: the demo card's frames, latency
/// and viewer; the server panel's memory and viewers; and a live pipeline slower than
/// its frame rate, whose sink drops late frames as GStreamer's does (QoS) yet still
/// shows one a second.
async function liveCharts(page, server) {
  const demo = card('demo');
  check(await eventually(page, ([scope, last]) => {
    const f = eval(last);
    return f([scope, 'fps'])[0] > 5 && f([scope, 'latency'])[0] > 30 && f([scope, 'viewers'])[0] >= 1;
  }, [demo, chartLast.toString()]), 'the demo card does not chart its fps, a live latency (> 30 ms) and one viewer');
  check(await eventually(page, (last) => {
    const f = eval(last);
    return f(['#server-charts', 'memory'])[0] > 0 && f(['#server-charts', 'viewers'])[0] >= 1 &&
      f(['#server-charts', 'pipelines'])[0] >= 1;
  }, chartLast.toString()), 'the server panel does not chart memory allocated, viewers and pipelines');

  await create(page, 'slow1', 'testsrc is-live=true pattern=ball ! identity sleep-us=40000 ! websink name=out');
  check(await eventually(page, framesShown, ['slow1', 320]), 'a live pipeline slower than its frame rate shows no frame');
  check(await eventually(page, ([scope, last]) => eval(last)([scope, 'qos'])[1] > 0, [card('slow1'), chartLast.toString()]),
        'the QoS chart of a live pipeline slower than its frame rate shows no dropped frames');
  const stats = await rest(server, 'GET', '/api/v1/stats');
  const slow = stats.body.per_pipeline?.slow1;
  check(slow && slow.qos.dropped > 0 && slow.latency_ns > 0 && slow.viewers >= 1,
        `stats of slow1 lack drops, latency or a viewer: ${JSON.stringify(slow?.qos)} ${slow?.latency_ns} ${slow?.viewers}`);
  await page.click('[aria-label="delete slow1"]');
  check(await eventually(page, () => !document.querySelector('.pipeline[data-pipeline="slow1"]')), 'slow1 still listed after delete');
  await page.fill('#create-description', '');
}

async function catalogueToGraph(page, server) {
  await page.fill('#catalogue-search', 'test pattern');
  check(await eventually(page, () => {
    const shown = [...document.querySelectorAll('.factory-list li')].filter((li) => !li.hidden);
    return shown.length === 1 && shown[0].querySelector('[data-factory="testsrc"]');
  }), 'searching "test pattern" does not leave testsrc alone');
  await page.click('[data-factory="testsrc"] summary b');
  check(await eventually(page, () => {
    const d = document.querySelector('[data-factory="testsrc"] .factory-details');
    return d && d.textContent.includes('ball') && d.textContent.includes('video/x-raw') && d.textContent.includes('1 … 2147483647');
  }), 'testsrc details lack its pattern enum, its caps or the width range');
  await page.click('[data-factory="testsrc"] .insert');
  await page.fill('#catalogue-search', 'websink');
  await page.click('[data-factory="websink"] .insert');
  const description = await page.inputValue('#create-description');
  check(description === 'testsrc ! websink', `inserting testsrc then websink gave "${description}"`);
  await page.fill('#create-name', 'cat1');
  await page.setChecked('#create-play', true);
  await page.click('#create-submit');
  check(await eventually(page, () => document.querySelector('.pipeline[data-pipeline="cat1"] .state')?.textContent === 'playing'),
        'the pipeline made from the catalogue is not playing');
  check(await eventually(page, framesShown, ['cat1', 320]), 'no frames from the catalogue pipeline');
  check(await eventually(page, () => {
    const svg = document.querySelector('.pipeline[data-pipeline="cat1"] svg.graph');
    if (!svg) return false;
    const link = svg.querySelector('[data-link="testsrc0.src->websink0.sink"]');
    return svg.querySelector('[data-element="testsrc0"]') && svg.querySelector('[data-element="websink0"]') && link &&
           link.textContent.includes('RGBA 320×240 @30/1') && link.textContent.includes('push');
  }), 'the graph of cat1 lacks its elements or the link with its caps and mode');
  check(await eventually(page, () => /out \d+/.test(
    document.querySelector('.pipeline[data-pipeline="cat1"] [data-element="testsrc0"] .counts')?.textContent || '')),
        'no buffer count on the graph');

  // Properties through their generated controls.
  await page.click(`${card('cat1')} .props-details summary`);
  const control = (element, property) => `${card('cat1')} .element-props[data-element="${element}"] [data-property="${property}"]:is(input, select)`;
  check(await eventually(page, (sel) => document.querySelector(sel)?.tagName === 'SELECT', control('testsrc0', 'pattern')),
        'the enum property pattern has no select');
  check(await page.inputValue(control('testsrc0', 'pattern')) === 'smpte', 'the pattern select does not show the current value');
  await page.selectOption(control('testsrc0', 'pattern'), 'ball');
  check(await eventually(page, () => true) &&
        (await waitFor(async () => (await rest(server, 'GET', '/api/v1/pipelines/cat1/elements/testsrc0/properties/pattern')).body.value === 'ball')),
        'choosing ball in the select did not set pattern');

  const quality = control('websink0', 'quality');
  check(await page.getAttribute(quality, 'type') === 'range', 'quality (1..100) has no slider');
  await page.$eval(quality, (s) => { s.value = '30'; s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); });
  check(await waitFor(async () => (await rest(server, 'GET', '/api/v1/pipelines/cat1/elements/websink0/properties/quality')).body.value === 30),
        'the quality slider did not set 30');

  const sync = control('websink0', 'sync');
  check(await page.getAttribute(sync, 'role') === 'switch' && await page.isChecked(sync), 'sync is not a switch showing true');
  await page.click(sync);
  check(await waitFor(async () => (await rest(server, 'GET', '/api/v1/pipelines/cat1/elements/websink0/properties/sync')).body.value === false),
        'the sync switch did not set false');
  await page.click(sync);

  const width = control('testsrc0', 'width');
  check(await page.getAttribute(width, 'type') === 'number', 'width (1..2^31-1) is not a number box');
  await page.fill(width, '0');
  await page.press(width, 'Enter');
  check(await eventually(page, (sel) => document.querySelector(sel).value === '320' &&
      document.querySelector(sel).closest('.prop').querySelector('.prop-error').textContent.includes('out of range'), width),
        'a refused width did not go back to 320 with the server\'s message');

  const isLive = control('testsrc0', 'is-live');
  check(await page.$eval(isLive, (i) => i.disabled && i.closest('.prop').title.includes('READY')),
        'is-live (changes only in NULL/READY) is not disabled with the reason while playing');
  check(await page.$eval(control('testsrc0', 'height'), (i) => !i.disabled), 'height is disabled while it may change');
}

async function waitFor(fn) {
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function seekEosError(page, server) {
  await create(page, 'seek1', 'testsrc num-buffers=300 pattern=ball ! websink name=out');
  check(await eventually(page, () => document.querySelector('.pipeline[data-pipeline="seek1"] .time')?.textContent.endsWith('/ 0:10.0')),
        'seek1 does not show its 10 s duration');
  await page.click('[aria-label="pause seek1"]');
  check(await eventually(page, () => document.querySelector('.pipeline[data-pipeline="seek1"] .state').textContent === 'paused'),
        'seek1 did not pause');
  check(await eventually(page, () => !document.querySelector('.pipeline[data-pipeline="seek1"] .seek').disabled),
        'the seek bar of a 10 s pipeline is disabled');
  await page.$eval(`${card('seek1')} .seek`, (s) => { s.value = '600'; s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); });
  check(await eventually(page, () => document.querySelector('.pipeline[data-pipeline="seek1"] .time').textContent === '0:06.0 / 0:10.0'),
        'the seek bar did not move seek1 to 6 s');
  // The read-out shows the target while the slider moves, before the seek has reached
  // the server: wait (bounded) for the server's position to get there.
  let position = null;
  check(await waitFor(async () => {
    position = (await rest(server, 'GET', '/api/v1/pipelines/seek1/position')).body.position_ns;
    return position >= 6e9 && position < 6.2e9;
  }), `after seeking to 60% the position is ${position} ns`);

  await create(page, 'eos1', 'testsrc num-buffers=10 ! fakesink');
  check(await eventually(page, () => !document.querySelector('.pipeline[data-pipeline="eos1"] .badge.eos')?.hidden),
        'no EOS badge on eos1');

  // An error while playing: one second in (30 frames at 30 fps on a syncing sink), long
  // after the play request was answered, so it shows on the card and in no banner.
  await create(page, 'err1', 'testsrc num-buffers=100 ! identity error-after=30 ! fakesink sync=true');
  check(await eventually(page, () => {
    const c = document.querySelector('.pipeline[data-pipeline="err1"]');
    return c && !c.querySelector('.badge.error').hidden && c.querySelector('.error-text').textContent.includes('error-after=30 reached');
  }), 'no ERROR badge with the error text on err1');

  // A parse error is marked in the editor at its line and column.
  await create(page, '', 'testsrc !\n  invret ! fakesink');
  check(await eventually(page, () => document.querySelector('#editor-backdrop mark')?.textContent === 'invret' &&
      document.getElementById('editor-error').textContent.includes('line 2, column 3') &&
      document.getElementById('editor-error').textContent.includes('no element "invret"')),
        'the parse error is not marked at line 2, column 3 with its message');
  check(await page.$eval('#error', (e) => e.hidden), 'a parse error also went to the page banner');
}

async function uiWalkthrough(browser) {
  const server = await serve('--demo');
  const page = await openPage(browser, { colorScheme: 'light' });
  try {
    const response = await page.goto(server.url + '/', { timeout: WAIT });
    check(response.status() === 200, `GET / answered ${response.status()}`);
    check(await eventually(page, () => document.getElementById('connection').dataset.state === 'connected'),
          'the RPC socket did not connect');
    await framesAndPixels(page);
    await liveCharts(page, server);
    await catalogueToGraph(page, server);
    await seekEosError(page, server);

    // Screenshots: the overview in both themes, the editor's error mark.
    mkdirSync(shots, { recursive: true });
    await page.$eval('#create-description', (e) => e.blur());
    await page.screenshot({ path: path.join(shots, 'ui-editor-error.png'), clip: await page.$eval('.create', (e) => {
      const r = e.getBoundingClientRect();
      return { x: r.x - 8, y: r.y - 8 + window.scrollY, width: r.width + 16, height: r.height + 16 };
    }), fullPage: true });
    await page.fill('#catalogue-search', 'testsrc');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(shots, 'ui-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(shots, 'ui-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });

    // The MJPEG viewers show and measure frames too.
    await page.selectOption('#viewer-mode', 'mjpeg');
    check(await eventually(page, framesShown, ['demo', 1]), 'no demo frames through the MJPEG viewer');
    await page.evaluate(() => { for (const c of document.querySelectorAll('figcaption')) delete c.dataset.fps; });
    check(await eventually(page, measured, 'demo'), 'no fps measured for the MJPEG viewer');
    await page.selectOption('#viewer-mode', 'ws');

    // Deep link: a new page opens at the pipeline.
    const deep = await openPage(browser, { colorScheme: 'dark', viewport: { width: 1280, height: 700 } });
    await deep.goto(server.url + '/#/pipelines/seek1', { timeout: WAIT });
    check(await eventually(deep, () => {
      const c = document.querySelector('.pipeline[data-pipeline="seek1"]');
      if (!c || !c.classList.contains('focused') || !c.querySelector('.props-details').open) return false;
      const r = c.getBoundingClientRect();
      return r.top >= -1 && r.top < window.innerHeight / 2;
    }), 'the deep link #/pipelines/seek1 did not bring seek1 into view with its properties open');
    await eventually(deep, () => document.querySelector('.pipeline[data-pipeline="seek1"] .element-props'));
    await deep.waitForTimeout(1500);  // a viewer's first fps read-out
    await deep.locator(card('seek1')).screenshot({ path: path.join(shots, 'ui-pipeline-dark.png') });
    check(deep.problems.length === 0, `problems in the deep-linked page: ${deep.problems.join('; ')}`);
    await deep.close();

    // Delete through the UI.
    await page.click('[aria-label="delete cat1"]');
    check(await eventually(page, () => !document.querySelector('.pipeline[data-pipeline="cat1"]')),
          'cat1 still listed after delete');

    // Created and deleted through REST, elsewhere: pipeline.created / pipeline.deleted
    // notifications bring it into the list and take it out (the page does not poll).
    const created = await rest(server, 'POST', '/api/v1/pipelines', { name: 'rest1', description: 'fakesrc ! fakesink' });
    check(created.status === 201, `REST create answered ${created.status}`);
    check(await eventually(page, () => !!document.querySelector('.pipeline[data-pipeline="rest1"]')),
          'a pipeline created through REST did not show up');
    const deleted = await rest(server, 'DELETE', '/api/v1/pipelines/rest1');
    check(deleted.status === 200, `REST delete answered ${deleted.status}`);
    check(await eventually(page, () => !document.querySelector('.pipeline[data-pipeline="rest1"]')),
          'a pipeline deleted through REST is still listed');
    check(page.problems.length === 0, `problems in the page: ${page.problems.join('; ')}`);
  } finally {
    await page.close();
    { const code = await server.stop(); check(code === 0, `tessera serve exited ${code}, not 0`); }
  }
}

/// The top bars of testsrc's SMPTE pattern (75%), left to right.
const SMPTE_BARS = [[191, 191, 191], [191, 191, 0], [0, 191, 191], [0, 191, 0], [191, 0, 191], [191, 0, 0], [0, 0, 191]];

/// The mean colour at the middle of each top bar of the first viewer's canvas or video,
/// with how many frames it showed, or null before it shows one.
const barsOf = (pipeline) => {
  const view = document.querySelector(`.pipeline[data-pipeline="${pipeline}"] .viewers canvas, ` +
                                      `.pipeline[data-pipeline="${pipeline}"] .viewers video`);
  if (!view || !(Number(view.dataset.frames) > 0)) return null;
  const width = view.videoWidth ?? view.width, height = view.videoHeight ?? view.height;
  if (!width || !height) return null;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  g.drawImage(view, 0, 0);
  const bars = [];
  for (let i = 0; i < 7; i++) {
    const x = Math.floor(((i + 0.5) * width) / 7) - 4, y = Math.floor(height / 3) - 4;
    const d = g.getImageData(x, y, 8, 8).data;
    const mean = [0, 0, 0];
    for (let p = 0; p < d.length; p += 4) for (let c = 0; c < 3; c++) mean[c] += d[p + c] / (d.length / 4);
    bars.push(mean.map(Math.round));
  }
  return { width, height, bars, frames: Number(view.dataset.frames), mode: view.dataset.mode, codec: view.dataset.codec };
};

async function encodedViewer(browser, server, pipeline, mode) {
  const page = await openPage(browser);
  try {
    await page.goto(`${server.url}/?video=${mode}#/pipelines/${pipeline}`, { timeout: WAIT });
    const shown = await page.waitForFunction(barsOf, pipeline, { timeout: WAIT, polling: 100 }).then((h) => h.jsonValue(),
                                                                                                   () => null);
    check(shown !== null, `${pipeline}: no frame through ${mode}`);
    if (!shown) return;
    check(shown.mode === mode, `${pipeline}: the viewer is ${shown.mode}, not ${mode}`);
    check(shown.width === 320 && shown.height === 240, `${pipeline}: ${shown.width}x${shown.height} through ${mode}`);
    const off = shown.bars.map((b, i) => Math.max(...b.map((v, c) => Math.abs(v - SMPTE_BARS[i][c]))));
    check(Math.max(...off) <= 24, `${pipeline} through ${mode}: bars ${JSON.stringify(shown.bars)} (off by ${off})`);
    // Frames keep coming (a live stream, decoded on).
    check(await eventually(page, ([p, n]) => {
      const v = document.querySelector(`.pipeline[data-pipeline="${p}"] .viewers [data-frames]`);
      return v && Number(v.dataset.frames) > n + 5;
    }, [pipeline, shown.frames]), `${pipeline}: frames stopped through ${mode}`);
    check(await eventually(page, measured, pipeline), `${pipeline}: no fps and bytes/s measured through ${mode}`);
    check(page.problems.length === 0, `problems in the ${mode} page: ${page.problems.join('; ')}`);
  } finally {
    await page.close();
  }
}

async function encodedVideo(browser) {
  const server = await serve();
  try {
    for (const [name, codec] of [['h264', 'h264'], ['vp8', 'vp8']]) {
      const made = await rest(server, 'POST', '/api/v1/pipelines', {
        name, description: `testsrc is-live=true ! videoconvert ! avenc codec=${codec} ! websink name=out` });
      check(made.status === 201, `create ${name}: ${made.status} ${JSON.stringify(made.body)}`);
      const played = await rest(server, 'PUT', `/api/v1/pipelines/${name}/state`, { state: 'playing' });
      check(played.status === 200, `play ${name}: ${played.status}`);
    }
    await encodedViewer(browser, server, 'h264', 'webcodecs');
    await encodedViewer(browser, server, 'vp8', 'mse');
    await encodedViewer(browser, server, 'h264', 'mse');
    await encodedViewer(browser, server, 'vp8', 'webcodecs');
  } finally {
    { const code = await server.stop(); check(code === 0, `tessera serve exited ${code}, not 0`); }
  }
}

async function tokenAndTickets(browser) {
  const server = await serve('--demo', '--token', 'ui-secret');
  const page = await openPage(browser);
  const urls = [];
  let ticketRequests = 0;
  page.on('request', (r) => { urls.push(r.url()); if (r.url().endsWith('/api/v1/tickets')) ticketRequests += 1; });
  page.on('websocket', (ws) => urls.push(ws.url()));
  let stopped = false;
  try {
    await page.goto(server.url + '/', { timeout: WAIT });
    check(await eventually(page, () => document.getElementById('token-dialog').open &&
        document.getElementById('connection').textContent === 'token needed'), 'no token prompt on a server with --token');

    await page.fill('#token-input', 'not-it');
    await page.click('#token-submit');
    check(await eventually(page, () => document.getElementById('token-dialog').open &&
        document.getElementById('connection').textContent === 'wrong token' &&
        document.getElementById('token-reason').textContent.includes('refused')), 'a wrong token is not called a wrong token');
    const asked = ticketRequests;
    await page.waitForTimeout(3000);
    check(ticketRequests === asked, `the page retried a refused token (${ticketRequests - asked} more requests)`);

    await page.fill('#token-input', 'ui-secret');
    await page.click('#token-submit');
    check(await eventually(page, () => document.getElementById('connection').dataset.state === 'connected'),
          'the right token did not connect');
    check(await eventually(page, framesShown, ['demo', 1]), 'no frames with the token');
    check(await eventually(page, () => document.querySelectorAll('.factory-list li').length > 10),
          'the catalogue did not load with the token');
    check(!urls.some((u) => u.includes('ui-secret')), `the token appeared in a URL: ${urls.filter((u) => u.includes('ui-secret'))}`);
    check(urls.filter((u) => u.startsWith('ws:')).every((u) => /[?&]ticket=[0-9a-f]{32}$/.test(u)),
          `a WebSocket opened without a ticket: ${urls.filter((u) => u.startsWith('ws:'))}`);
    check(await page.evaluate(() => sessionStorage.getItem('tessera.token')) === 'ui-secret', 'the token is not in sessionStorage');

    // The server going away is "unreachable", not a token problem.
    await server.stop();
    stopped = true;
    check(await eventually(page, () => document.getElementById('connection').dataset.state === 'disconnected' &&
        document.getElementById('connection').textContent.includes('unreachable') &&
        !document.getElementById('token-dialog').open), 'a stopped server is not shown as unreachable');
  } finally {
    await page.close();
    if (!stopped) await server.stop();
  }
}

/// The UI from an HTTPS server: a self-signed certificate made now (no key is kept in the
/// repository) and a Chromium that accepts it, as a user who clicked through would.
async function overTls() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-ui-tls-'));
  const cert = path.join(dir, 'server.crt'), key = path.join(dir, 'server.key');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
                                     '-keyout', key, '-out', cert], { stdio: 'ignore', timeout: WAIT });
  check(made.status === 0, `openssl req (a test certificate) exited ${made.status}`);
  const server = await serve('--tls-cert', cert, '--tls-key', key);
  const tlsBrowser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--ignore-certificate-errors'] });
  try {
    check(server.url.startsWith('https://'), `the TLS server's URL is ${server.url}`);
    const page = await openPage(tlsBrowser);
    const response = await page.goto(server.url + '/', { timeout: WAIT });
    check(response && response.ok(), `GET / over https: ${response && response.status()}`);
    check(await eventually(page, () => document.getElementById('connection').dataset.state === 'connected'),
          'the page over https did not connect (wss://.../api/v1/rpc)');
    await create(page, 'tls1', 'testsrc is-live=true pattern=ball ! websink name=out');
    check(await eventually(page, framesShown, ['tls1', 320]), 'no frames over wss:// from a pipeline created in the page');
    check(page.problems.length === 0, `problems over https: ${page.problems.join('; ')}`);
  } finally {
    await tlsBrowser.close();
    const code = await server.stop();
    check(code === 0, `the TLS tessera serve exited ${code}, not 0`);
    rmSync(dir, { recursive: true, force: true });
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
  await tokenAndTickets(browser);
  await encodedVideo(browser);
  await overTls();
} catch (e) {
  check(false, `the test stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`ui.spec: ${failures.length} failure(s)`);
  process.exit(1);
}
console.log(`ui.spec: ok (${checks} checks); screenshots in ${shots}`);
