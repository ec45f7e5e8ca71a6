// Live frames of one websink in an <img>, with what arrives measured.
//
// Two transports, chosen in the header: a WebSocket (/ws, one binary JPEG message per
// frame) or the MJPEG stream (/mjpeg, multipart/x-mixed-replace) read with fetch and
// split into its parts here. Reading MJPEG ourselves instead of handing the URL to the
// <img> is what lets the page count frames and bytes (an <img> fires `load` once for a
// whole multipart stream). Both show each JPEG through an object URL; frames that
// arrive while one is decoding replace each other, so a slow page shows the newest.
// A browser keeps at most 6 HTTP/1.1 connections per server and each MJPEG stream holds
// one: with many sinks, use WebSocket (the default).
//
// Each connection gets its own ticket (api.js); a broken stream retries every 2 s.
//
// A viewer of JPEG frames made by websink from raw video may ask for a smaller size
// and its own JPEG quality (docs/api.md, "Viewer variants"): variantPicker is the
// choice under each such viewer, and a change reconnects that viewer only.

import { h } from './dom.js';
import { sinkPath, withTicket, wsUrl } from './api.js';

const SIZES = [['', 'Full size'], ['height=720', '720p'], ['height=480', '480p'], ['height=360', '360p'],
  ['height=240', '240p'], ['height=120', '120p']];
const QUALITIES = [['', "Sink's quality"], ['quality=90', 'High quality'], ['quality=70', 'Medium quality'],
  ['quality=40', 'Low quality']];

/// The query a choice {size, quality} asks with ('' for the sink's own frames).
export const variantQuery = (choice) => [choice.quality, choice.size].filter(Boolean).join('&');

/// The height in websink caps ("video/x-raw,...,height=1080,..."), or 0 when unknown.
export function capsHeight(caps) {
  const m = /\bheight=(?:\(int\))?(\d+)/.exec(caps || '');
  return m ? Number(m[1]) : 0;
}

/// A size select (only sizes below the frames' `frameHeight`, when known) and a
/// quality select for the viewer of `label` ("pipeline/sink"); `choice` {size, quality}
/// is changed in place and handed to onChange.
export function variantPicker(label, frameHeight, choice, onChange) {
  const sizes = SIZES.filter(([q]) => !q || !frameHeight || Number(q.split('=')[1]) < frameHeight);
  if (!sizes.some(([q]) => q === choice.size)) choice.size = '';
  const select = (what, options, key) => h('select', {
    class: 'variant', 'aria-label': `${what} of ${label}`, 'data-variant': key,
    onchange: (event) => { choice[key] = event.target.value; onChange(choice); },
  }, options.map(([value, text]) => h('option', { value, selected: value === choice[key] }, text)));
  return h('span', { class: 'viewer-choice' }, select('frame size', sizes, 'size'),
    select('JPEG quality', QUALITIES, 'quality'));
}

/// Why the server refuses `path` (its error message), or null when it streams.
async function refusalOf(path) {
  const abort = new AbortController();
  const response = await fetch(await withTicket(path), { signal: abort.signal, cache: 'no-store' });
  if (response.ok) { abort.abort(); return null; }
  const body = await response.json().catch(() => null);
  return body?.error?.message ?? `HTTP ${response.status}`;
}

/// Frames and bytes received, as rates over the last two seconds (one second would
/// jitter with frames that arrive in bursts).
export class Meter {
  constructor() {
    this.started = performance.now();
    this.arrivals = [];  // {t: ms, bytes, frames}
  }

  /// `bytes` received and `frames` shown (encoded video counts them apart: a frame
  /// decoded is not a message received).
  add(bytes, frames = 1) {
    this.arrivals.push({ t: performance.now(), bytes, frames });
  }

  /// {fps, bytesPerSecond} now.
  sample() {
    const now = performance.now();
    const windowMs = Math.min(2000, now - this.started);
    while (this.arrivals.length && this.arrivals[0].t < now - windowMs) this.arrivals.shift();
    if (windowMs <= 0) return { fps: 0, bytesPerSecond: 0 };
    const bytes = this.arrivals.reduce((n, a) => n + a.bytes, 0);
    const frames = this.arrivals.reduce((n, a) => n + a.frames, 0);
    return { fps: (frames * 1000) / windowMs, bytesPerSecond: (bytes * 1000) / windowMs };
  }
}

function frameShower(img) {
  let shownUrl = null, decoding = false, next = null;
  const show = (blob) => {
    if (decoding) { next = blob; return; }
    decoding = true;
    const url = URL.createObjectURL(blob);
    img.onload = img.onerror = () => {
      if (shownUrl) URL.revokeObjectURL(shownUrl);
      shownUrl = url;
      decoding = false;
      if (next) { const b = next; next = null; show(b); }
    };
    img.src = url;
  };
  show.release = () => { if (shownUrl) URL.revokeObjectURL(shownUrl); };
  return show;
}

const CRLFCRLF = [13, 10, 13, 10];

function indexOf(bytes, pattern, from = 0) {
  outer: for (let i = from; i + pattern.length <= bytes.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}

/// Splits a multipart stream whose parts carry Content-Length (tessera's do) into
/// their bodies: feed(chunk) returns the complete parts so far.
export function multipartSplitter() {
  let buffer = new Uint8Array(0);
  const decoder = new TextDecoder();
  return (chunk) => {
    const joined = new Uint8Array(buffer.length + chunk.length);
    joined.set(buffer);
    joined.set(chunk, buffer.length);
    buffer = joined;
    const parts = [];
    for (;;) {
      const headEnd = indexOf(buffer, CRLFCRLF);
      if (headEnd < 0) break;
      const head = decoder.decode(buffer.subarray(0, headEnd));
      const length = /content-length:\s*(\d+)/i.exec(head);
      if (!length) throw new Error(`an MJPEG part without Content-Length: ${head.slice(0, 80)}`);
      const start = headEnd + 4, end = start + Number(length[1]);
      if (buffer.length < end) break;
      parts.push(buffer.slice(start, end));
      buffer = buffer.subarray(end);
    }
    return parts;
  };
}

/// Starts showing `pipeline`/`element` in `img` over `mode` ('ws' or 'mjpeg'), asking
/// for `query` (a variant, e.g. 'quality=40&height=240'; '' for the sink's frames); returns
/// a function that stops it. `onStatus(text)` hears of failures ('' when frames flow).
export function startViewer(mode, img, pipeline, element, meter, onStatus = () => {}, query = '') {
  const show = frameShower(img);
  let stopped = false, retryTimer = null, ws = null, abort = null;
  const withQuery = (kind) => sinkPath(pipeline, element, kind) + (query ? `?${query}` : '');
  const path = withQuery(mode === 'mjpeg' ? 'mjpeg' : 'ws');

  const retry = (why) => {
    if (stopped) return;
    onStatus(why);
    retryTimer = setTimeout(open, 2000);
  };
  const frame = (bytes, blob) => {
    meter.add(bytes);
    onStatus('');
    show(blob);
  };

  async function openWebSocket() {
    const url = wsUrl(await withTicket(path));
    if (stopped) return;
    ws = new WebSocket(url);
    ws.binaryType = 'blob';
    // A text message is the configuration of encoded video: the card switches to an
    // encoded viewer once it sees the sink's caps (encoded_viewer.js).
    let frames = 0;
    ws.onmessage = (event) => { if (typeof event.data !== 'string') { frames++; frame(event.data.size, event.data); } };
    ws.onclose = async () => {
      // A variant refused at the upgrade: a WebSocket does not show why, the MJPEG route does.
      const why = query && !frames ? await refusalOf(withQuery('mjpeg')).catch(() => null) : null;
      retry(why ? `refused: ${why}; retrying` : 'stream closed; reconnecting');
    };
  }

  async function openMjpeg() {
    const url = await withTicket(path);
    if (stopped) return;
    abort = new AbortController();
    const response = await fetch(url, { signal: abort.signal, cache: 'no-store' });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      throw new Error(body?.error?.message ? `refused: ${body.error.message}` : `HTTP ${response.status}`);
    }
    const reader = response.body.getReader();
    const split = multipartSplitter();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const part of split(value)) frame(part.length, new Blob([part], { type: 'image/jpeg' }));
    }
    retry('stream ended; reconnecting');
  }

  function open() {
    if (stopped) return;
    (mode === 'mjpeg' ? openMjpeg() : openWebSocket()).catch((err) => {
      if (stopped || err.name === 'AbortError') return;
      if (err.status === 401) onStatus('refused: wrong token');  // the same token would be refused again
      else retry(`${err.message}; retrying`);
    });
  }

  open();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    if (ws) { ws.onclose = null; ws.close(); }
    if (abort) abort.abort();
    show.release();
  };
}
