// Encoded video (H.264, VP8, VP9) of one websink, in the page (docs/api.md, "Encoded video").
//
// Two ways, chosen per page:
//  - WebCodecs: the WebSocket (/ws) sends a text message with the decoder configuration
//    and then one binary message per frame (1 byte of flags, bit 0 key frame; 8 bytes of
//    big-endian pts in µs; the access unit); a VideoDecoder decodes them into a <canvas>.
//    WebCodecs exists only in a secure context (https, or http://localhost/127.0.0.1).
//  - Media Source Extensions: GET /fmp4 streams fragmented MP4 (H.264) or WebM (VP8/VP9)
//    whose Content-Type names the codec; the bytes go into a SourceBuffer of a muted
//    <video>. Works on plain http too.
// `encodedMode()` picks WebCodecs when the page can use it; `?video=mse` or
// `?video=webcodecs` in the page's URL forces one (to compare them, or to test both).
//
// The server starts every viewer at a key frame and skips a slow viewer to the next
// one; the page does the same when its decoder falls behind, and if no key frame has
// come a second later it joins again, which makes the server ask the encoder for one
// (key frames may be seconds apart). The <video> is kept near the live edge: a little
// faster while more than 150 ms is buffered, a jump when more than half a second is.

import { sinkPath, withTicket, wsUrl } from './api.js';

/// 'webcodecs' or 'mse' for this page.
export function encodedMode() {
  const forced = new URLSearchParams(location.search).get('video');
  if (forced === 'mse' || forced === 'webcodecs') return forced;
  return window.isSecureContext && 'VideoDecoder' in window ? 'webcodecs' : 'mse';
}

/// Whether websink caps (the sink pad's negotiated caps string) are encoded video.
export function isEncodedCaps(caps) {
  return typeof caps === 'string' && /^video\/x-(h264|vp8|vp9)\b/.test(caps);
}

function fromBase64(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/// Starts showing `pipeline`/`element` in `view` (a <canvas> for 'webcodecs', a
/// <video> for 'mse'); returns a function that stops it. `meter.add(bytes, frames)`
/// hears what arrives; `onStatus(text)` of failures ('' when frames flow).
// How long the WebCodecs player waits for a key frame before it joins again.
const keyWaitMs = 1000;

export function startEncodedViewer(mode, view, pipeline, element, meter, onStatus = () => {}) {
  let stopped = false, retryTimer = null, ws = null, abort = null, decoder = null;
  const retry = (why) => {
    if (stopped) return;
    onStatus(why);
    retryTimer = setTimeout(open, 2000);
  };

  async function openWebCodecs() {
    const url = wsUrl(await withTicket(sinkPath(pipeline, element, 'ws')));
    if (stopped) return;
    ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    let waitingKey = true, waitingSince = performance.now();
    const g = view.getContext('2d');
    ws.onmessage = (event) => {
      if (typeof event.data === 'string') {
        const config = JSON.parse(event.data);
        if (decoder) decoder.close();
        decoder = new VideoDecoder({
          output: (frame) => {
            if (view.width !== frame.displayWidth || view.height !== frame.displayHeight) {
              view.width = frame.displayWidth;
              view.height = frame.displayHeight;
            }
            g.drawImage(frame, 0, 0);
            frame.close();
            view.dataset.frames = String(Number(view.dataset.frames || 0) + 1);
            meter.add(0, 1);
            onStatus('');
          },
          error: (e) => { waitingKey = true; onStatus(`decoder: ${e.message}`); },
        });
        // tessera's encoders take BT.601 limited-range YUV (videoconvert) and tag it so;
        // a VP8 stream cannot say it, and Chromium would take BT.709 (greens off by 30).
        const cfg = { codec: config.codec, codedWidth: config.width, codedHeight: config.height, optimizeForLatency: true,
                      colorSpace: { primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: false } };
        if (config.description) cfg.description = fromBase64(config.description);
        decoder.configure(cfg);
        view.dataset.codec = config.codec;
        waitingKey = true;
        return;
      }
      const data = event.data;
      meter.add(data.byteLength, 0);
      if (!decoder || decoder.state !== 'configured') return;
      const head = new DataView(data);
      const key = (head.getUint8(0) & 1) === 1;
      if (!key && (waitingKey || decoder.decodeQueueSize > 8)) {  // behind: skip to a key frame
        if (!waitingKey) waitingSince = performance.now();
        waitingKey = true;
        if (performance.now() - waitingSince > keyWaitMs) rejoin();
        return;
      }
      if (key && !view.dataset.firstKey) view.dataset.firstKey = 'yes';
      waitingKey = false;
      decoder.decode(new EncodedVideoChunk({
        type: key ? 'key' : 'delta',
        timestamp: Number(head.getBigUint64(1)),
        data: new Uint8Array(data, 9),
      }));
    };
    ws.onclose = () => retry('stream closed; reconnecting');
  }

  // A new viewer starts at a key frame that websink asks the encoder for.
  function rejoin() {
    if (ws) { ws.onclose = null; ws.close(); ws = null; }
    open();
  }

  async function openMse() {
    const url = await withTicket(sinkPath(pipeline, element, 'fmp4'));
    if (stopped) return;
    abort = new AbortController();
    const response = await fetch(url, { signal: abort.signal, cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const mime = response.headers.get('content-type');
    if (!window.MediaSource || !MediaSource.isTypeSupported(mime)) throw new Error(`this browser cannot play ${mime}`);
    const source = new MediaSource();
    view.src = URL.createObjectURL(source);
    await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
    const buffer = source.addSourceBuffer(mime);
    buffer.mode = 'sequence';  // segments after a skipped stretch follow on without a gap
    view.dataset.codec = mime;
    const pending = [];
    const pump = () => {
      if (buffer.updating || pending.length === 0 || source.readyState !== 'open') return;
      buffer.appendBuffer(pending.shift());
    };
    buffer.addEventListener('updateend', () => {
      const b = view.buffered;
      if (b.length) {
        const end = b.end(b.length - 1);
        const behind = end - view.currentTime;
        if (behind > 0.5) view.currentTime = end - 0.05;
        view.playbackRate = behind > 0.15 ? 1.1 : 1;
        if (view.currentTime - b.start(0) > 30 && !buffer.updating) buffer.remove(b.start(0), view.currentTime - 10);
      }
      pump();
    });
    const countFrame = () => {
      if (stopped) return;
      view.dataset.frames = String(Number(view.dataset.frames || 0) + 1);
      meter.add(0, 1);
      view.requestVideoFrameCallback(countFrame);
    };
    if ('requestVideoFrameCallback' in view) view.requestVideoFrameCallback(countFrame);
    view.play().catch(() => { /* muted autoplay; a paused tab resumes on its own */ });
    const reader = response.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      meter.add(value.length, 0);
      onStatus('');
      pending.push(value);
      pump();
    }
    retry('stream ended; reconnecting');
  }

  function open() {
    if (stopped) return;
    (mode === 'mse' ? openMse() : openWebCodecs()).catch((err) => {
      if (stopped || err.name === 'AbortError') return;
      if (err.status === 401) onStatus('refused: wrong token');
      else retry(`${err.message}; retrying`);
    });
  }

  open();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    if (ws) { ws.onclose = null; ws.close(); }
    if (abort) abort.abort();
    if (decoder && decoder.state !== 'closed') decoder.close();
  };
}
