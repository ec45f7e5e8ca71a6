// tessera's web UI: plain JavaScript, no build step.
//
// Everything that controls the server goes through one JSON-RPC 2.0 WebSocket
// (/api/v1/rpc): the pipeline list, create/state/delete, element properties, and the
// bus messages the server pushes after bus.subscribe. Frames come from each websink
// either as MJPEG in an <img> (/mjpeg) or as JPEG messages on a WebSocket (/ws) shown
// in an <img> through object URLs. A browser keeps at most 6 HTTP/1.1 connections per
// server and an MJPEG <img> holds one for good, so with many sinks choose WebSocket.
// `?token=T` in the page URL is passed on to every socket and stream.
'use strict';

const token = new URLSearchParams(location.search).get('token');
const wsBase = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host;
const busTypes = ['state-changed', 'eos', 'error', 'warning', 'element', 'latency', 'stream-start', 'segment-done'];

const $ = (id) => document.getElementById(id);

function withToken(path) {
  return token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : path;
}

function sinkPath(pipeline, element, kind) {
  return `/api/v1/pipelines/${encodeURIComponent(pipeline)}/sinks/${encodeURIComponent(element)}/${kind}`;
}

// --- JSON-RPC client: one socket, reconnecting; calls return promises ---

class RpcClient {
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;  // {status(text, state), open(), notification(params), lifecycle(method, params)}
    this.nextId = 1;
    this.pending = new Map();  // id -> {resolve, reject}
    this.unsent = [];          // calls made while connecting
    this.retryMs = 500;
    this.connect();
  }

  connect() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.handlers.status('connecting…', 'connecting');
    ws.onopen = () => {
      this.retryMs = 500;
      this.handlers.status('connected', 'connected');
      for (const text of this.unsent) ws.send(text);
      this.unsent = [];
      this.handlers.open();
    };
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = (event) => {
      for (const call of this.pending.values()) call.reject(new Error('the connection to the server closed'));
      this.pending.clear();
      this.unsent = [];
      const why = event.code === 1006 ? ' (refused or unreachable; a token may be needed: ?token=…)' : '';
      this.handlers.status(`disconnected${why}; retrying`, 'disconnected');
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  call(method, params = {}) {
    const id = this.nextId++;
    const text = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
      else this.unsent.push(text);
    });
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;  // not ours to answer
    }
    for (const m of Array.isArray(message) ? message : [message]) {
      if (m.method === 'bus.message') {
        this.handlers.notification(m.params);
        continue;
      }
      if (m.method === 'pipeline.created' || m.method === 'pipeline.deleted') {
        this.handlers.lifecycle(m.method, m.params);
        continue;
      }
      const call = this.pending.get(m.id);
      if (!call) continue;
      this.pending.delete(m.id);
      if (m.error) call.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      else call.resolve(m.result);
    }
  }
}

// --- errors ---

function showError(what, err) {
  $('error-text').textContent = `${what}: ${err.message}`;
  $('error').hidden = false;
}
$('error-close').onclick = () => { $('error').hidden = true; };

// --- frame viewers ---

/// An MJPEG stream in an <img>; retried when the stream breaks (server restart).
function mjpegViewer(img, pipeline, element) {
  let retry = null;
  const start = () => { img.src = withToken(sinkPath(pipeline, element, 'mjpeg')) + `${token ? '&' : '?'}t=${Date.now()}`; };
  img.onerror = () => { retry = setTimeout(start, 2000); };
  start();
  return () => { clearTimeout(retry); img.onerror = null; img.removeAttribute('src'); };
}

/// JPEG messages from a WebSocket shown in an <img>. Frames that arrive while one is
/// still decoding replace each other: only the newest is shown.
function wsViewer(img, pipeline, element) {
  let ws = null, retry = null, closed = false, shownUrl = null, decoding = false, next = null;
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
  const open = () => {
    ws = new WebSocket(wsBase + withToken(sinkPath(pipeline, element, 'ws')));
    ws.binaryType = 'blob';
    ws.onmessage = (event) => show(event.data);
    ws.onclose = () => { if (!closed) retry = setTimeout(open, 2000); };
  };
  open();
  return () => {
    closed = true;
    clearTimeout(retry);
    if (ws) ws.close();
    if (shownUrl) URL.revokeObjectURL(shownUrl);
  };
}

// --- pipelines ---

const cards = new Map();  // pipeline name -> {root, viewers: Map(element -> stop), elements}
let rpc = null;

function viewerMode() { return $('viewer-mode').value; }

function addViewers(card, name) {
  const box = card.root.querySelector('.viewers');
  for (const stop of card.viewers.values()) stop();
  card.viewers.clear();
  box.replaceChildren();
  for (const e of card.elements.filter((el) => el.factory === 'websink')) {
    const figure = document.createElement('figure');
    const img = document.createElement('img');
    img.alt = `frames of ${name}/${e.name}`;
    img.dataset.sink = e.name;
    const caption = document.createElement('figcaption');
    caption.textContent = e.name;
    figure.append(img, caption);
    box.append(figure);
    card.viewers.set(e.name, (viewerMode() === 'ws' ? wsViewer : mjpegViewer)(img, name, e.name));
  }
}

function makeCard(info, described) {
  const root = $('pipeline-template').content.firstElementChild.cloneNode(true);
  root.dataset.pipeline = info.name;
  root.querySelector('.name').textContent = info.name;
  root.querySelector('.description').textContent = info.description;
  const card = { root, viewers: new Map(), elements: described.elements || [] };
  for (const button of root.querySelectorAll('button[data-state]')) {
    button.onclick = () => rpc.call('pipeline.set_state', { pipeline: info.name, state: button.dataset.state })
      .then(scheduleRefresh, (err) => showError(`${info.name} to ${button.dataset.state}`, err));
  }
  root.querySelector('.delete').onclick = () => rpc.call('pipeline.delete', { pipeline: info.name })
    .then(scheduleRefresh, (err) => showError(`delete ${info.name}`, err));
  const select = root.querySelector('.set-property .element');
  for (const e of card.elements) select.append(new Option(`${e.name} (${e.factory})`, e.name));
  root.querySelector('.set-property').onsubmit = (event) => {
    event.preventDefault();
    const form = event.target;
    const params = { pipeline: info.name, element: select.value,
                     property: form.querySelector('.property').value.trim(),
                     value: parseValue(form.querySelector('.value').value) };
    rpc.call('element.set', params).then(
      (r) => { form.querySelector('.value').value = String(r.value); },
      (err) => showError(`set ${params.element}.${params.property}`, err));
  };
  addViewers(card, info.name);
  return card;
}

/// A typed value from a text box: numbers and booleans as such, anything else a string
/// (enum nicks, fractions like 30/1).
function parseValue(text) {
  const t = text.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  if (t !== '' && !Number.isNaN(Number(t))) return Number(t);
  return t;
}

function updateCard(card, info) {
  const state = card.root.querySelector('.state');
  state.textContent = info.state;
  state.dataset.state = info.state;
  if (info.state !== 'playing' && info.state !== 'paused') card.root.querySelector('.position').textContent = '';
}

function removeCard(name) {
  const card = cards.get(name);
  for (const stop of card.viewers.values()) stop();
  card.root.remove();
  cards.delete(name);
}

let refreshing = false, refreshAgain = false;
async function refresh() {
  if (refreshing) { refreshAgain = true; return; }
  refreshing = true;
  try {
    const { pipelines } = await rpc.call('pipeline.list');
    const names = new Set(pipelines.map((p) => p.name));
    for (const name of [...cards.keys()]) if (!names.has(name)) removeCard(name);
    for (const info of pipelines) {
      if (!cards.has(info.name)) {
        const described = await rpc.call('pipeline.describe', { pipeline: info.name }).catch(() => null);
        if (!described) continue;  // deleted meanwhile
        const card = makeCard(info, described);
        cards.set(info.name, card);
        $('pipeline-list').append(card.root);
      }
      updateCard(cards.get(info.name), info);
    }
    $('no-pipelines').hidden = cards.size > 0;
  } catch (err) {
    showError('pipeline list', err);
  } finally {
    refreshing = false;
    if (refreshAgain) { refreshAgain = false; refresh(); }
  }
}

let refreshTimer = null;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 150);
}

async function updatePositions() {
  for (const [name, card] of cards) {
    const state = card.root.querySelector('.state').dataset.state;
    const span = card.root.querySelector('.position');
    if (state !== 'playing' && state !== 'paused') { span.textContent = ''; continue; }
    try {
      const r = await rpc.call('pipeline.position', { pipeline: name });
      span.textContent = r.position_ns === null ? '' : `${(r.position_ns / 1e9).toFixed(1)} s`;
    } catch { /* deleted meanwhile: the next refresh removes it */ }
  }
}

// --- bus messages ---

function subscribeBus() {
  const types = $('bus-qos').checked ? [...busTypes, 'qos'] : busTypes;
  return rpc.call('bus.subscribe', { types }).catch((err) => showError('bus.subscribe', err));
}

function logBusMessage(m) {
  const { pipeline, type, source, timestamp_ns, ...fields } = m;
  const li = document.createElement('li');
  li.dataset.type = type;
  const head = document.createElement('b');
  head.textContent = `${pipeline} ${type}`;
  const detail = document.createElement('span');
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  detail.textContent = ` ${source}${parts.length ? ': ' + parts.join(' ') : ''}`;
  li.append(head, detail);
  const log = $('bus-log');
  log.prepend(li);
  while (log.children.length > 200) log.lastElementChild.remove();
  // A state change of the pipeline itself, its end or an error changes the list.
  if ((type === 'state-changed' && source === pipeline) || type === 'eos' || type === 'error') scheduleRefresh();
}

// --- wiring ---

$('create-form').onsubmit = async (event) => {
  event.preventDefault();
  const description = $('create-description').value.trim();
  const name = $('create-name').value.trim();
  const params = name ? { name, description } : { description };
  try {
    const created = await rpc.call('pipeline.create', params);
    if ($('create-play').checked) await rpc.call('pipeline.set_state', { pipeline: created.name, state: 'playing' });
    $('create-name').value = '';
    $('error').hidden = true;
  } catch (err) {
    showError('create', err);
  }
  refresh();
};
$('examples').onchange = (event) => {
  if (event.target.value) $('create-description').value = event.target.value;
};
$('refresh').onclick = refresh;
$('bus-clear').onclick = () => $('bus-log').replaceChildren();
$('bus-qos').onchange = subscribeBus;
$('viewer-mode').onchange = () => {
  localStorage.setItem('tessera.viewer-mode', viewerMode());
  for (const [name, card] of cards) addViewers(card, name);
};
$('viewer-mode').value = localStorage.getItem('tessera.viewer-mode') === 'ws' ? 'ws' : 'mjpeg';

rpc = new RpcClient(wsBase + withToken('/api/v1/rpc'), {
  status: (text, state) => {
    $('connection').textContent = text;
    $('connection').dataset.state = state;
  },
  open: () => { subscribeBus(); refresh(); },
  notification: logBusMessage,
  // Pipelines created or deleted elsewhere (REST, another browser): bus.subscribe for
  // every pipeline brings pipeline.created / pipeline.deleted, so the list never polls.
  lifecycle: () => scheduleRefresh(),
});
setInterval(() => { if (rpc.ws.readyState === WebSocket.OPEN) updatePositions(); }, 1000);
