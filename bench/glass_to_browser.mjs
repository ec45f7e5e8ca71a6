#!/usr/bin/env node
// Glass-to-browser latency (issue "Real media", benchmarks): how long after a live
// 720p30 frame is captured on the server the page has it decoded and ready to paint,
// in headless Chromium, for three ways the web UI plays a websink:
//   jpeg       one JPEG per frame over the WebSocket frame stream (websink encodes),
//   webcodecs  H.264 (avenc tune=zerolatency) over the WebSocket into a VideoDecoder,
//   mse        the same H.264 as fragmented MP4 (.../fmp4) into Media Source Extensions,
// with 1 and 10 viewers and websink sync=true (the default: frames leave at pts + the
// pipeline's latency) and sync=false, one after another in one run, and each mode's
// median and p95 as ratios of JPEG's. Results and their reading: bench/README.md.
//
//   bench/glass_to_browser.mjs [BUILD_DIR] [--seconds 20] [--viewers 1,10]
//       [--modes jpeg,webcodecs,mse] [--sync true,false] [--decoding 1] [--per-page 5]
//
// BUILD_DIR (default build) holds bin/tessera. Uses /usr/bin/chromium through the
// playwright-core that tests/browser installs (`cd tests/browser && npm ci`). Not part
// of `make test`; exits non-zero when a row measured no frame or a page had an error.
//
// What is measured, per frame: ready - capture, where
//  - capture is the frame's pts, which a live testsrc stamps with the running time at
//    which it hands the frame out (the clock reaching it), placed on the page's clock by
//    reading the pipeline object's running_time_ns between two performance.now() (best
//    of 30 round trips, before and after each row; the error is at most half that
//    round trip, printed);
//  - ready is, in the page, when the web UI's own player has the frame decoded:
//    jpeg: img.decode() resolving after the <img>'s load (the load event is given too);
//    webcodecs: the VideoDecoder's output callback; mse: requestVideoFrameCallback's
//    presentationTime (the frame handed to the compositor).
//    bench/glass_to_browser_probe.js says how each is hooked and how it learns the pts.
// Not measured: the compositor, raster and the display (headless: no screen), nor a
// camera's own exposure/readout (testsrc draws the frame before its pts). Frames a
// player skipped (a JPEG replaced before it was decoded, a WebCodecs frame dropped to
// catch up, a video frame never composited) have no latency; the frames counted
// against the 30 fps produced are printed.
//
// Viewers: `--decoding` of them (default 1) are measured players; the others take the
// same stream (WebSocket or fMP4) in other pages without decoding it, so the server
// serves N viewers while the 2-core machine is not swamped by N 720p decoders. At most
// `--per-page` viewers per page (Chromium keeps 6 HTTP/1.1 connections per host per
// profile, and each MSE viewer holds one), each page in its own browser context.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const require = createRequire(path.join(repo, 'tests', 'browser', 'package.json'));
const { chromium } = require('playwright-core');

function parseArgs(argv) {
  const a = { build: 'build', seconds: 20, viewers: [1, 10], modes: ['jpeg', 'webcodecs', 'mse'], perPage: 5,
              sync: [true, false], decoding: 1 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${v} needs a value`);
      return argv[++i];
    };
    if (v === '--seconds') a.seconds = Number(next());
    else if (v === '--viewers') a.viewers = next().split(',').map(Number);
    else if (v === '--modes') a.modes = next().split(',');
    else if (v === '--per-page') a.perPage = Number(next());
    else if (v === '--decoding') a.decoding = Number(next());
    else if (v === '--sync') a.sync = next().split(',').map((x) => {
      if (x !== 'true' && x !== 'false') throw new Error(`--sync takes true, false or true,false, not ${x}`);
      return x === 'true';
    });
    else if (v.startsWith('--')) throw new Error(`unknown option ${v}`);
    else a.build = v;
  }
  if (!(a.seconds > 0)) throw new Error('--seconds must be a positive number');
  if (!Number.isInteger(a.decoding) || a.decoding < 1) throw new Error('--decoding must be a whole number from 1');
  if (!a.viewers.every((n) => Number.isInteger(n) && n >= a.decoding))
    throw new Error(`--viewers must be whole numbers, each at least --decoding (${a.decoding})`);
  for (const m of a.modes) if (!['jpeg', 'webcodecs', 'mse'].includes(m)) throw new Error(`unknown mode ${m}`);
  return a;
}

const SOURCE = 'testsrc is-live=true width=1280 height=720 framerate=30/1 pattern=ball';
const pipelineFor = (mode, sync) =>
  mode === 'jpeg' ? `${SOURCE} ! websink name=out sync=${sync}`
                  : `${SOURCE} ! videoconvert ! avenc codec=h264 tune=zerolatency ! websink name=out sync=${sync}`;
const WAIT_MS = 30_000;

/// `tessera serve` on a free port with `webRoot`; resolves {url, proc, stop}.
function serve(tessera, webRoot) {
  const proc = spawn(tessera, ['serve', '--port', '0', '--bind', '127.0.0.1', '--web-root', webRoot],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`tessera serve did not start: ${output}`)); }, WAIT_MS);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/serving on (https?:\/\/\S+?)\/?\s/);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout.off('data', onData);
      proc.stderr.off('data', onData);
      proc.stdout.resume();
      proc.stderr.resume();
      resolve({
        url: m[1], proc,
        stop: () => new Promise((done) => {
          if (proc.exitCode !== null) return done(proc.exitCode);
          const kill = setTimeout(() => proc.kill('SIGKILL'), WAIT_MS);
          proc.once('exit', (code) => { clearTimeout(kill); done(code); });
          proc.kill('SIGTERM');
        }),
      });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tessera serve exited ${code}: ${output}`)); });
  });
}

async function rest(server, method, route, body) {
  const r = await fetch(server.url + route, { method, headers: { 'Content-Type': 'application/json' },
                                              body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${route}: HTTP ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/// utime + stime of `pid` in seconds (/proc/PID/stat fields 14 and 15).
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i), hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

const median = (xs) => quantile([...xs].sort((a, b) => a - b), 0.5);

async function waitFor(what, fn, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function run(browser, server, mode, viewers, sync, args) {
  const name = `g2b_${mode}_${viewers}_${sync ? 'sync' : 'nosync'}`;
  await rest(server, 'POST', '/api/v1/pipelines', { name, description: pipelineFor(mode, sync) });
  await rest(server, 'PUT', `/api/v1/pipelines/${name}/state`, { state: 'playing' });
  const pages = [], readers = [];
  const open = async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.problems = [];
    page.on('pageerror', (e) => page.problems.push(`page error: ${e}`));
    await page.goto(`${server.url}/glass_to_browser.html`);
    return { page, context };
  };
  try {
    for (let first = 0; first < args.decoding; first += args.perPage) {
      const p = { ...(await open()), count: Math.min(args.perPage, args.decoding - first) };
      await p.page.evaluate(([m, n, c]) => window.startProbe(m, n, 'out', c), [mode, name, p.count]);
      pages.push(p);
    }
    for (let first = args.decoding; first < viewers; first += args.perPage) {
      const p = { ...(await open()), count: Math.min(args.perPage, viewers - first) };
      await p.page.evaluate(([m, n, c]) => window.startReaders(m, n, 'out', c), [mode, name, p.count]);
      readers.push(p);
    }
    // Warm up: every viewer past its first frames (a key frame, the MSE live edge).
    for (const p of pages) await p.page.evaluate(() => window.probe.begin());
    await waitFor(`${mode}: frames in every viewer`, async () => {
      for (const p of pages) {
        const recs = await p.page.evaluate(() => window.probe.peek());
        for (let v = 0; v < p.count; v++) if (recs.filter((r) => r.viewer === v).length < 10) return false;
      }
      return true;
    }, 60_000);
    await new Promise((r) => setTimeout(r, 2000));

    const clocksBefore = await Promise.all(pages.map((p) => p.page.evaluate((n) => window.probe.calibrate(n, 30), name)));
    const cpu0 = cpuSeconds(server.proc.pid);
    const got0 = await Promise.all(readers.map((p) => p.page.evaluate(() => window.probe.received())));
    const t0 = Date.now();
    for (const p of pages) await p.page.evaluate(() => window.probe.begin());
    await new Promise((r) => setTimeout(r, args.seconds * 1000));
    const recorded = [];
    for (const p of pages) recorded.push(await p.page.evaluate(() => window.probe.end()));
    const wall = (Date.now() - t0) / 1000;
    const got1 = await Promise.all(readers.map((p) => p.page.evaluate(() => window.probe.received())));
    const others = readers.reduce((n, p) => n + p.count, 0);
    const otherBytes = got1.reduce((n, g, i) => n + g.bytes - got0[i].bytes, 0);
    const cpu = (cpuSeconds(server.proc.pid) - cpu0) / wall;
    const clocksAfter = await Promise.all(pages.map((p) => p.page.evaluate((n) => window.probe.calibrate(n, 30), name)));

    const { latency_ns: pipelineLatency } = await rest(server, 'GET', `/api/v1/pipelines/${name}`);
    const latencies = [], transit = [], decode = [], loads = [], perViewer = [];
    let replaced = 0;
    pages.forEach((p, i) => {
      // Both calibrations: their mean; their difference is printed as a check.
      const offset = (clocksBefore[i].offset + clocksAfter[i].offset) / 2;
      for (let v = 0; v < p.count; v++) perViewer.push(recorded[i].filter((r) => r.viewer === v && r.ready !== null).length);
      for (const r of recorded[i]) {
        const capture = r.pts / 1000 + offset;
        if (r.loaded !== null) loads.push(r.loaded - capture);
        if (r.ready === null) {
          replaced += 1;
          continue;
        }
        latencies.push(r.ready - capture);
        if (r.arrived !== null) {
          transit.push(r.arrived - capture);
          decode.push(r.ready - r.arrived);
        }
      }
    });
    const problems = [...pages, ...readers].flatMap((p) => p.page.problems);
    const sorted = [...latencies].sort((a, b) => a - b);
    const loadsSorted = [...loads].sort((a, b) => a - b);
    const rtts = [...clocksBefore, ...clocksAfter].map((c) => c.rtt);
    const drifts = pages.map((_, i) => clocksAfter[i].offset - clocksBefore[i].offset);
    return {
      mode, viewers, sync, wall, cpu, others, otherRate: others ? otherBytes / others / wall : 0, frames: latencies.length, replaced, pipelineLatency: pipelineLatency / 1e6,
      loads: loads.length, loadMedian: quantile(loadsSorted, 0.5), loadP95: quantile(loadsSorted, 0.95),
      median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), min: sorted[0], max: sorted[sorted.length - 1],
      transit: median(transit), decode: median(decode),
      perViewerMin: Math.min(...perViewer), perViewerMedian: median(perViewer), expected: Math.round(30 * wall),
      rttMax: Math.max(...rtts), driftMax: Math.max(...drifts.map(Math.abs)), problems,
    };
  } finally {
    for (const p of [...pages, ...readers]) {
      await p.page.evaluate(() => { window.stopProbe?.(); window.stopReaders?.(); }).catch(() => {});
      await p.context.close();
    }
    await rest(server, 'DELETE', `/api/v1/pipelines/${name}`);
  }
}

const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const tessera = path.resolve(repo, args.build, 'bin', 'tessera');
  // The web UI's files and the probe page, served by tessera from one directory.
  const webRoot = mkdtempSync(path.join(os.tmpdir(), 'tessera-g2b-'));
  for (const f of readdirSync(path.join(repo, 'web'))) copyFileSync(path.join(repo, 'web', f), path.join(webRoot, f));
  copyFileSync(path.join(here, 'glass_to_browser_probe.js'), path.join(webRoot, 'glass_to_browser_probe.js'));
  writeFileSync(path.join(webRoot, 'glass_to_browser.html'),
                '<!doctype html><meta charset="utf-8"><title>glass to browser</title>' +
                '<script type="module" src="glass_to_browser_probe.js"></script>');

  const server = await serve(tessera, webRoot);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--autoplay-policy=no-user-gesture-required', '--disable-background-timer-throttling',
           '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
  });
  const results = [];
  let failed = false;
  try {
    console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
                `${args.seconds} s measured per row; ${SOURCE}`);
    for (const sync of args.sync) {
      for (const n of args.viewers) {
        for (const mode of args.modes) {
          const r = await run(browser, server, mode, n, sync, args);
          results.push(r);
          report(r);
          if (r.frames === 0 || r.problems.length) failed = true;
        }
      }
    }
    console.log('\n| websink sync | viewers | mode | median ms | p95 ms | median / JPEG | p95 / JPEG | frames ready per viewer (min, of 30 fps) | arrival ms (median) |');
    console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      const j = results.find((x) => x.viewers === r.viewers && x.sync === r.sync && x.mode === 'jpeg');
      console.log(`| ${r.sync} | ${r.viewers} | ${r.mode} | ${fmt(r.median)} | ${fmt(r.p95)} | ${j ? fmt(r.median / j.median, 2) : '-'} | ` +
                  `${j ? fmt(r.p95 / j.p95, 2) : '-'} | ${r.perViewerMin} of ${r.expected} | ${fmt(r.transit)} |`);
      if (r.mode === 'jpeg')
        console.log(`| ${r.sync} | ${r.viewers} | jpeg, <img> load event | ${fmt(r.loadMedian)} | ${fmt(r.loadP95)} | | | ` +
                    `${r.loads} loaded, ${r.replaced} not decoded | |`);
    }
  } finally {
    await browser.close();
    const code = await server.stop();
    rmSync(webRoot, { recursive: true, force: true });
    console.log(`server exit status ${code}`);
    if (code !== 0) failed = true;
  }
  process.exit(failed ? 1 : 0);
}

function report(r) {
  console.log(`${r.mode.padEnd(9)} ${String(r.viewers).padStart(2)} viewers, sync=${r.sync}: latency median ` +
              `${fmt(r.median)} ms, p95 ${fmt(r.p95)} ms (min ${fmt(r.min)}, max ${fmt(r.max)}; ${r.frames} frames); ` +
              `arrival ${fmt(r.transit)} ms + decode ${fmt(r.decode)} ms (medians); frames ready per viewer ` +
              `min ${r.perViewerMin} median ${r.perViewerMedian} of ${r.expected}; server CPU ${fmt(100 * r.cpu, 0)} % ` +
              `of a core; clock round trip <= ${fmt(r.rttMax, 2)} ms, offset moved ${fmt(r.driftMax, 2)} ms; ` +
              `pipeline latency ${fmt(r.pipelineLatency)} ms` +
              (r.others ? `; ${r.others} more viewers took ${fmt(r.otherRate / 1e6, 2)} MB/s each` : '') +
              (r.mode === 'jpeg' ? `; <img> load event: median ${fmt(r.loadMedian)} ms, p95 ${fmt(r.loadP95)} ms ` +
                                   `(${r.loads} JPEGs loaded, ${r.replaced} of them replaced before decoded)` : ''));
  for (const p of r.problems) console.log(`  ${p}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
