// The page side of bench/glass_to_browser.mjs (served next to the web UI's modules,
// from a copy of web/): shows one websink in `count` viewers with the web UI's own
// players and records, per frame, the frame's pts and the moment this page had it
// decoded and ready to paint. Nothing here decodes or plays: it only observes.
//
//  - jpeg: viewers.js startViewer('ws') with `?timestamps=1`, so a text message with
//    the pts comes before each JPEG (docs/api.md). The UI shows each JPEG through an
//    object URL in an <img>; "ready" is when img.decode() resolves after the <img>'s
//    load (Chromium decodes an <img> lazily, at raster, unless asked). When the UI
//    sets the next JPEG as the <img>'s src before that decode ends, Chromium rejects
//    it: such a frame has its load time only (`ready` null).
//  - webcodecs: encoded_viewer.js over the WebSocket; "ready" is the VideoDecoder's
//    output callback (before the UI draws the frame into its canvas); pts is the
//    VideoFrame's timestamp (the message's pts, µs).
//  - mse: encoded_viewer.js fetching .../fmp4 into a <video>; "ready" is
//    requestVideoFrameCallback's presentationTime (the frame handed to the
//    compositor); pts is its mediaTime minus the SourceBuffer's timestampOffset
//    (sequence mode shifts the stream's own timestamps, which are the pts).
//
// The clock: the pipeline object's running_time_ns, read by GET between two readings
// of performance.now() (the best of `rounds`), places running time on this page's clock:
// pageMs = runningMs + offset, within ± rtt/2. A live source's frame pts is the running
// time at which it was captured (handed out by testsrc).

import { sinkPath, withTicket, wsUrl } from './api.js';
import { Meter, startViewer } from './viewers.js';
import { startEncodedViewer } from './encoded_viewer.js';

// {viewer, pts (µs), ready (page ms, null: a JPEG replaced before decoded), arrived (page
// ms or null), loaded (JPEG: the <img>'s load event, page ms)}
const records = [];
const arrivals = new Map();  // `${viewer}/${pts in whole ms}` -> page ms its message or segment came
const arrivalKey = (viewer, pts) => `${viewer}/${Math.round(pts / 1000)}`;
// The viewer whose player is opening its connection: startProbe starts them one at a
// time, each once the one before has opened its WebSocket or MediaSource (`opened`).
let currentViewer = 0;
let opened = 0;
let recording = false;

function record(viewer, pts, ready, loaded = null) {
  if (!recording || !Number.isFinite(pts)) return;
  const key = arrivalKey(viewer, pts);
  records.push({ viewer, pts, ready, loaded, arrived: arrivals.get(key) ?? null });
  arrivals.delete(key);
}

// Every WebSocket the players open: note when each frame's message arrives (and, for
// JPEG, which pts the next binary message has). Listeners added here run before the
// player's onmessage.
const blobPts = new WeakMap();
const urlPts = new Map();
const sourceOfUrl = new Map();  // MSE: the <video>'s src -> its MediaSource
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    const viewer = currentViewer;
    opened += 1;
    let pendingPts = null;
    this.addEventListener('message', (event) => {
      const t = performance.now();
      currentViewer = viewer;  // a VideoDecoder made by the player's handler of this message is this viewer's
      if (typeof event.data === 'string') {
        const m = JSON.parse(event.data);
        if ('pts_us' in m) pendingPts = m.pts_us;
        return;
      }
      if (event.data instanceof Blob) {  // JPEG
        if (pendingPts !== null) {
          blobPts.set(event.data, { viewer, pts: pendingPts });
          if (recording) arrivals.set(arrivalKey(viewer, pendingPts), t);
        }
        pendingPts = null;
        return;
      }
      const pts = Number(new DataView(event.data).getBigUint64(1));  // encoded: flags, pts, access unit
      if (recording) arrivals.set(arrivalKey(viewer, pts), t);
    });
  }
};
const nativeCreateObjectURL = URL.createObjectURL.bind(URL);
URL.createObjectURL = (object) => {
  const url = nativeCreateObjectURL(object);
  const p = object instanceof Blob ? blobPts.get(object) : undefined;
  if (p) urlPts.set(url, p);
  if (object instanceof MediaSource) sourceOfUrl.set(url, object);
  return url;
};

// MSE: the bytes of .../fmp4 as the player reads them (its one reader per viewer):
// when each fragment came, by its tfdt (the frame's pts since the muxer keeps them),
// read at the timescale of the initialisation segment's mdhd.
function boxes(bytes, type) {
  const found = [];
  const [a, b, c, d] = [...type].map((ch) => ch.charCodeAt(0));
  for (let i = bytes.indexOf(a, 4); i >= 0 && i + 4 <= bytes.length; i = bytes.indexOf(a, i + 1))
    if (bytes[i + 1] === b && bytes[i + 2] === c && bytes[i + 3] === d) found.push(i - 4);
  return found;
}
const nativeGetReader = ReadableStream.prototype.getReader;
ReadableStream.prototype.getReader = function getReader(...args) {
  const reader = nativeGetReader.apply(this, args);
  const viewer = currentViewer;
  opened += 1;
  let timescale = 0;
  const nativeRead = reader.read.bind(reader);
  reader.read = async () => {
    const chunk = await nativeRead();
    const t = performance.now();
    const bytes = chunk.value;
    if (!bytes) return chunk;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!recording && timescale) return chunk;
    if (!timescale) for (const at of boxes(bytes, 'mdhd')) {
      if (at + 36 > bytes.length) continue;
      timescale = view.getUint32(at + (bytes[at + 8] === 1 ? 28 : 20));
    }
    for (const at of boxes(bytes, 'tfdt')) {
      if (!timescale || at + 20 > bytes.length) continue;
      const ticks = bytes[at + 8] === 1 ? Number(view.getBigUint64(at + 12)) : view.getUint32(at + 12);
      if (recording) arrivals.set(arrivalKey(viewer, (ticks * 1e6) / timescale), t);
    }
    return chunk;
  };
  return reader;
};

// Every VideoDecoder the players make: their output callback, timed first.
const NativeDecoder = window.VideoDecoder;
if (NativeDecoder) {
  window.VideoDecoder = class extends NativeDecoder {
    constructor(init) {
      const viewer = currentViewer;
      super({ ...init, output: (frame) => { record(viewer, frame.timestamp, performance.now()); init.output(frame); } });
    }
  };
}

// The SourceBuffer each MSE player adds: its timestampOffset as it changes,
// [{from: media time (s) from which it applies, offset (s)}].
const offsetsOf = new WeakMap();
const nativeAddSourceBuffer = MediaSource.prototype.addSourceBuffer;
MediaSource.prototype.addSourceBuffer = function addSourceBuffer(type) {
  const sb = nativeAddSourceBuffer.call(this, type);
  const entry = { offsets: [] };
  offsetsOf.set(sb, entry);
  let end = 0;
  sb.addEventListener('updateend', () => {
    const last = entry.offsets[entry.offsets.length - 1];
    if (!last || last.offset !== sb.timestampOffset) entry.offsets.push({ from: end, offset: sb.timestampOffset });
    try {
      const b = sb.buffered;
      if (b.length) end = b.end(b.length - 1);
    } catch { /* removed from its source */ }
  });
  return sb;
};

function watchVideo(video, viewer) {
  const onFrame = (_now, meta) => {
    const source = sourceOfUrl.get(video.src);
    const entry = source && source.sourceBuffers.length ? offsetsOf.get(source.sourceBuffers[0]) : null;
    if (entry && entry.offsets.length) {
      let offset = entry.offsets[0].offset;
      for (const o of entry.offsets) if (o.from <= meta.mediaTime + 1e-4) offset = o.offset;
      record(viewer, Math.round((meta.mediaTime - offset) * 1e6), meta.presentationTime);
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

function watchImage(img, viewer) {
  img.addEventListener('load', () => {
    const p = urlPts.get(img.src);
    urlPts.delete(img.src);
    if (!p) return;
    const loaded = performance.now();
    img.decode().then(() => record(viewer, p.pts, performance.now(), loaded), () => record(viewer, p.pts, null, loaded));
  });
}

/// Best of `rounds` readings of the pipeline's running time: {offset (ms), rtt (ms)}.
async function calibrate(pipeline, rounds) {
  let best = null;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const r = await fetch(`/api/v1/pipelines/${encodeURIComponent(pipeline)}`, { cache: 'no-store' });
    const body = await r.json();
    const t1 = performance.now();
    if (body.running_time_ns === null || body.running_time_ns === undefined) throw new Error(`${pipeline} is not playing`);
    if (!best || t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: (t0 + t1) / 2 - body.running_time_ns / 1e6 };
  }
  return best;
}

const statuses = [];

/// Starts `count` viewers of `pipeline`/`element` in `mode` (jpeg, webcodecs, mse).
window.startProbe = async (mode, pipeline, element, count) => {
  const stops = [];
  window.stopProbe = () => stops.forEach((s) => s());
  for (let i = 0; i < count; i++) {
    currentViewer = i;
    const before = opened;
    statuses[i] = 'starting';
    const onStatus = (text) => { statuses[i] = text; };
    if (mode === 'jpeg') {
      const img = document.body.appendChild(document.createElement('img'));
      watchImage(img, i);
      stops.push(startViewer('ws', img, pipeline, element, new Meter(), onStatus, 'timestamps=1'));
    } else if (mode === 'webcodecs') {
      const canvas = document.body.appendChild(document.createElement('canvas'));
      stops.push(startEncodedViewer('webcodecs', canvas, pipeline, element, new Meter(), onStatus));
    } else {
      const video = document.body.appendChild(document.createElement('video'));
      video.muted = true;
      video.playsInline = true;
      watchVideo(video, i);
      stops.push(startEncodedViewer('mse', video, pipeline, element, new Meter(), onStatus));
    }
    const deadline = performance.now() + 20000;
    while (opened === before) {
      if (performance.now() > deadline) throw new Error(`viewer ${i} opened no connection in 20 s: ${statuses[i]}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
};

/// Starts `count` viewers that take the stream without decoding it (the server serves
/// them as any other: the WebSocket or the fMP4 stream), counting what they get.
const received = { messages: 0, bytes: 0 };
window.startReaders = async (mode, pipeline, element, count) => {
  const stops = [];
  window.stopReaders = () => stops.forEach((s) => s());
  for (let i = 0; i < count; i++) {
    if (mode === 'mse') {
      const abort = new AbortController();
      stops.push(() => abort.abort());
      const response = await fetch(await withTicket(sinkPath(pipeline, element, 'fmp4')), { signal: abort.signal });
      if (!response.ok) throw new Error(`fmp4: HTTP ${response.status}`);
      const reader = response.body.getReader();
      (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          received.messages += 1;
          received.bytes += value.length;
        }
      })().catch(() => {});
    } else {
      const query = mode === 'jpeg' ? '?timestamps=1' : '';
      const ws = new NativeWebSocket(wsUrl(await withTicket(sinkPath(pipeline, element, 'ws') + query)));
      ws.binaryType = 'arraybuffer';
      ws.onmessage = (e) => {
        if (typeof e.data === 'string') return;
        received.messages += 1;
        received.bytes += e.data.byteLength;
      };
      stops.push(() => ws.close());
    }
  }
};

window.probe = {
  received: () => ({ ...received }),
  statuses: () => statuses.slice(),
  begin: () => { records.length = 0; arrivals.clear(); recording = true; },
  peek: () => records.map((r) => ({ viewer: r.viewer })),
  end: () => { recording = false; return records.slice(); },
  calibrate,
};
