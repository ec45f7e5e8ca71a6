// tessera's web UI: plain ES modules, no build step. This module wires the page:
// the connection (api.js), the pipeline cards (pipelines.js), the description editor
// (editor.js), the element catalogue (catalogue.js), the statistics (stats.js), the bus
// log, the token prompt, deep links (#/pipelines/NAME) and the theme.

import { RpcClient, plainMessage, tokenStore } from './api.js';
import { Catalogue, factory } from './catalogue.js';
import { $, h } from './dom.js';
import { DescriptionEditor } from './editor.js';
import { PipelineList } from './pipelines.js';
import { ServerCharts, StatsFeed } from './stats.js';

const BUS_TYPES = ['state-changed', 'eos', 'error', 'warning', 'element', 'latency', 'async-done', 'stream-start',
                   'segment-done'];

// --- errors ---

function showError(what, err) {
  $('error-text').textContent = `${what}: ${plainMessage(err)}`;
  $('error').hidden = false;
}
$('error-close').onclick = () => { $('error').hidden = true; };

// --- theme: the system's (prefers-color-scheme) unless chosen with the toggle ---

const THEMES = ['auto', 'light', 'dark'];
function applyTheme(theme) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  const button = $('theme');
  button.textContent = { auto: '◐ auto', light: '☀ light', dark: '☾ dark' }[theme];
  button.setAttribute('aria-label', `colour theme: ${theme} (change)`);
  localStorage.setItem('tessera.theme', theme);
}
$('theme').onclick = () => {
  const now = localStorage.getItem('tessera.theme') || 'auto';
  applyTheme(THEMES[(THEMES.indexOf(now) + 1) % THEMES.length]);
};
applyTheme(THEMES.includes(localStorage.getItem('tessera.theme')) ? localStorage.getItem('tessera.theme') : 'auto');

// --- connection ---

const rpc = new RpcClient({
  status: (state, text) => {
    $('connection').textContent = text;
    $('connection').dataset.state = state;
  },
  open: () => {
    subscribeBus();
    pipelines.sync().catch((err) => showError('pipeline list', err));
    if (!catalogueLoaded) catalogue.load().then(() => { catalogueLoaded = true; }, (err) => showError('catalogue', err));
  },
  notification: (method, params) => {
    if (method === 'bus.message') {
      pipelines.onBus(params);
      logBusMessage(params);
    } else if (method === 'pipeline.created') {
      pipelines.onCreated(params);
    } else if (method === 'pipeline.deleted') {
      pipelines.onDeleted(params);
    }
  },
  unauthorized: () => askToken(),
});

const pipelines = new PipelineList($('pipeline-list'), rpc, { factory, showError });

// --- statistics: one server.stats call a second feeds the server panel and the cards ---

const stats = new StatsFeed(rpc);
const serverCharts = new ServerCharts($('server-charts'));
stats.listen((now, before, seconds) => serverCharts.update(now, before, seconds));
stats.listen((now, before, seconds) => pipelines.onStats(now, before, seconds));

// --- token prompt ---

function askToken() {
  const dialog = $('token-dialog');
  const had = tokenStore.get();
  $('token-reason').textContent = had
    ? 'The server refused this token (401): check it and try again.'
    : 'This server needs an access token (tessera serve --token).';
  $('token-input').value = '';
  if (!dialog.open) dialog.showModal();
}
$('token-form').onsubmit = () => {  // method=dialog closes it
  tokenStore.set($('token-input').value.trim());
  rpc.start();
  catalogueLoaded = false;
};
$('token-button').onclick = askToken;
$('token-cancel').onclick = () => $('token-dialog').close();

// --- description editor and create ---

const editor = new DescriptionEditor($('create-description'), $('editor-backdrop'), $('editor-error'));

$('create-form').onsubmit = async (event) => {
  event.preventDefault();
  const description = editor.value.trim();
  const name = $('create-name').value.trim();
  if (!description) {
    editor.showError('write a pipeline description first, e.g. testsrc ! websink');
    return;
  }
  try {
    const created = await rpc.call('pipeline.create', name ? { name, description } : { description });
    pipelines.add(created.name).update(created);
    // Cleared only if still ours: the user may be typing the next one meanwhile.
    if ($('create-name').value.trim() === name) $('create-name').value = '';
    $('error').hidden = true;
    if ($('create-play').checked) await rpc.call('pipeline.set_state', { pipeline: created.name, state: 'playing' });
  } catch (err) {
    if (!editor.showError(plainMessage(err))) showError('create', err);
  }
};
$('examples').onchange = (event) => {
  if (event.target.value) editor.value = event.target.value;
};

// --- catalogue ---

let catalogueLoaded = false;
const catalogue = new Catalogue($('catalogue'), (name) => editor.insert(name));

// --- bus log ---

function subscribeBus() {
  const types = $('bus-qos').checked ? [...BUS_TYPES, 'qos'] : BUS_TYPES;
  return rpc.call('bus.subscribe', { types }).catch((err) => showError('bus.subscribe', err));
}

function logBusMessage(m) {
  const { pipeline, type, source, timestamp_ns, ...fields } = m;
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const li = h('li', { 'data-type': type }, h('b', {}, `${pipeline} ${type}`),
               h('span', {}, ` ${source}${parts.length ? ': ' + parts.join(' ') : ''}`));
  const log = $('bus-log');
  log.prepend(li);
  while (log.children.length > 200) log.lastElementChild.remove();
}
$('bus-clear').onclick = () => $('bus-log').replaceChildren();
$('bus-qos').onchange = subscribeBus;

// --- frames transport ---

$('viewer-mode').value = localStorage.getItem('tessera.viewer-mode') === 'mjpeg' ? 'mjpeg' : 'ws';
pipelines.viewerMode = $('viewer-mode').value;
$('viewer-mode').onchange = () => {
  localStorage.setItem('tessera.viewer-mode', $('viewer-mode').value);
  pipelines.setViewerMode($('viewer-mode').value);
};

// --- deep links: #/pipelines/NAME ---

function route() {
  const m = /^#\/pipelines\/(.+)$/.exec(location.hash);
  pipelines.focus(m ? decodeURIComponent(m[1]) : null);
}
window.addEventListener('hashchange', route);
route();

rpc.start();
