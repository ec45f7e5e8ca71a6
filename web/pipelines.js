// The pipeline cards, kept live from what the server pushes.
//
// The list is read once per connection (pipeline.list); after that pipeline.created and
// pipeline.deleted notifications add and remove cards, and the bus messages of each
// pipeline (state-changed, eos, error, async-done, stream-start) update its card at
// once and trigger one pipeline.describe for the details (element states, duration,
// EOS cleared by a seek). The only polling is the position of pipelines that are
// playing, at most 4 times a second; the counters (graph buffer counts, charts) come from
// the page's one server.stats call a second (stats.js).

import { $, formatBytes, formatNs, h } from './dom.js';
import { renderGraph } from './graph.js';
import { PropertyPanel } from './properties.js';
import { PipelineCharts } from './stats.js';
import { capsHeight, Meter, startViewer, variantPicker, variantQuery } from './viewers.js';
import { encodedMode, isEncodedCaps, startEncodedViewer } from './encoded_viewer.js';

const POSITION_PERIOD_MS = 250;

/// JPEG input: websink passes it on as it is, so its viewers cannot choose a size or quality.
const isJpegCaps = (caps) => /^image\/jpeg/.test(caps || '');  // 4 position queries a second per playing pipeline

class PipelineCard {
  constructor(list, name) {
    this.list = list;
    this.name = name;
    this.info = null;       // the last pipeline.describe
    this.viewers = new Map();  // sink name -> {stop, meter, caption}
    this.viewerMode = null;
    this.seeking = false;   // the user holds the seek slider
    this.positionBusy = false;
    this.describeTimer = null;
    this.counts = {};
    const rpc = list.rpc;
    const control = (state, icon, label) => h('button', {
      type: 'button', 'data-state': state, 'aria-label': `${label} ${name}`, title: `${label} ${name}`,
      onclick: () => this.act(`${label} ${name}`, rpc.call('pipeline.set_state', { pipeline: name, state })),
    }, icon, h('span', { class: 'label' }, ` ${label}`));

    this.stateBadge = h('span', { class: 'state badge' });
    this.eosBadge = h('span', { class: 'badge eos', hidden: true, title: 'end of stream' }, 'EOS');
    this.errorBadge = h('span', { class: 'badge error', hidden: true, role: 'status' }, 'ERROR');
    this.errorText = h('p', { class: 'error-text', hidden: true, role: 'alert' });
    this.seek = h('input', { type: 'range', class: 'seek', min: 0, max: 1000, step: 1, value: 0, disabled: true,
                             'aria-label': `seek ${name}` });
    this.time = h('span', { class: 'time' }, '–');
    this.description = h('code', { class: 'description' });
    this.viewerBox = h('div', { class: 'viewers' });
    this.graphBox = h('div', { class: 'graph-box' });
    this.propsBox = h('div', { class: 'props-box' });
    this.graphDetails = h('details', { class: 'graph-details', open: true, ontoggle: () => this.drawGraph() },
      h('summary', {}, 'Graph'), this.graphBox);
    this.chartsBox = h('div', { class: 'charts' });
    this.chartsDetails = h('details', { class: 'charts-details', open: true }, h('summary', {}, 'Charts'), this.chartsBox);
    this.charts = new PipelineCharts(this.chartsBox);
    this.propsDetails = h('details', { class: 'props-details' }, h('summary', {}, 'Properties'), this.propsBox);
    this.root = h('article', { class: 'pipeline', 'data-pipeline': name, 'aria-label': `pipeline ${name}`, tabindex: -1 },
      h('header', {},
        h('h3', {}, h('a', { href: `#/pipelines/${encodeURIComponent(name)}`, class: 'name' }, name)),
        this.stateBadge, this.eosBadge, this.errorBadge,
        h('span', { class: 'controls' },
          control('playing', '▶', 'play'), control('paused', '❚❚', 'pause'), control('null', '■', 'stop'),
          h('button', { type: 'button', class: 'delete', 'aria-label': `delete ${name}`, title: `delete ${name}`,
                        onclick: () => this.act(`delete ${name}`, rpc.call('pipeline.delete', { pipeline: name })) },
            'delete'))),
      this.errorText,
      h('div', { class: 'seekbar' }, this.seek, this.time),
      this.description, this.viewerBox, this.chartsDetails, this.graphDetails, this.propsDetails);

    this.properties = new PropertyPanel(this.propsBox, name, rpc, list.factory);
    this.seek.addEventListener('input', () => {
      this.seeking = true;
      this.time.textContent = `${formatNs(this.seekTarget())} / ${formatNs(this.info?.duration_ns)}`;
    });
    this.seek.addEventListener('change', () => {
      const position_ns = this.seekTarget();
      this.seeking = false;
      this.act(`seek ${name}`, rpc.call('pipeline.seek', { pipeline: name, position_ns, flags: ['flush'] })
        .then((r) => { this.showPosition(r.position_ns); this.describeSoon(); }));
    });
  }

  seekTarget() { return Math.round((Number(this.seek.value) / 1000) * (this.info?.duration_ns || 0)); }

  act(what, promise) {
    promise.catch((err) => this.list.showError(what, err));
    return promise;
  }

  /// A fresh description, fetched shortly (several notifications make one call).
  describeSoon() {
    clearTimeout(this.describeTimer);
    this.describeTimer = setTimeout(() => this.describe(), 60);
  }

  async describe() {
    try {
      this.update(await this.list.rpc.call('pipeline.describe', { pipeline: this.name }));
    } catch (err) {
      if (err.status !== 404) this.list.showError(`describe ${this.name}`, err);  // 404: deleted meanwhile
    }
  }

  update(info) {
    const first = this.info === null;
    this.info = info;
    this.description.textContent = info.description;
    this.showState(info.state);
    this.showEos(info.eos);
    this.showError(info.error);
    this.showPosition(info.position_ns);
    // Viewers restart when the mode changes or a websink's input turns out to be
    // encoded video (its caps are known once the pipeline has negotiated).
    if (first || this.viewerMode !== this.list.viewerMode || this.viewerKinds() !== this.shownKinds) this.startViewers();
    else this.refreshPickers();
    this.drawGraph();
    this.properties.update(info);
    if (first) this.list.applyFocus();
  }

  drawGraph() {
    if (!this.info || !this.graphDetails.open) return;
    this.graphBox.replaceChildren(renderGraph(this.info, this.counts));
  }

  showState(state) {
    this.state = state;
    this.stateBadge.textContent = state;
    this.stateBadge.dataset.state = state;
    this.root.dataset.state = state;
    this.enableSeek();
  }

  showEos(eos) {
    this.eos = Boolean(eos);
    this.eosBadge.hidden = !this.eos;
  }

  showError(error) {
    this.error = error || null;
    this.errorBadge.hidden = !error;
    this.errorText.hidden = !error;
    this.errorText.textContent = error ? `${error.source ? error.source + ': ' : ''}${error.message}` : '';
    this.errorBadge.title = this.errorText.textContent;
  }

  /// The seek bar works with a known duration in PAUSED or PLAYING.
  enableSeek() {
    const duration = this.info?.duration_ns ?? null;
    this.seek.disabled = !(duration > 0) || this.state === 'null' || this.state === 'ready';
    this.seek.title = duration > 0 ? '' : 'the duration is unknown (a live or endless stream): nothing to seek in';
  }

  showPosition(position_ns) {
    const duration = this.info?.duration_ns ?? null;
    this.enableSeek();
    if (this.seeking) return;
    if (duration > 0 && position_ns !== null && position_ns !== undefined)
      this.seek.value = String(Math.min(1000, Math.round((position_ns / duration) * 1000)));
    this.time.textContent = `${formatNs(position_ns)} / ${formatNs(duration)}`;
  }

  /// A bus message of this pipeline.
  onBus(m) {
    if (m.type === 'state-changed' && m.source === this.name) {
      this.showState(m.new);
      this.describeSoon();
    } else if (m.type === 'eos') {
      this.showEos(true);
      this.describeSoon();
    } else if (m.type === 'error') {
      this.showError({ message: m.message, source: m.source });
      this.describeSoon();
    } else if (m.type === 'async-done' || m.type === 'stream-start' || m.type === 'segment-done') {
      this.describeSoon();
    }
  }

  get playing() { return this.state === 'playing' && !this.eos && !this.error; }

  async pollPosition() {
    if (this.positionBusy) return;
    this.positionBusy = true;
    try {
      const r = await this.list.rpc.call('pipeline.position', { pipeline: this.name });
      if (this.info && r.duration_ns !== null) this.info.duration_ns = r.duration_ns;
      this.showPosition(r.position_ns);
    } catch { /* deleted meanwhile: pipeline.deleted removes the card */ }
    this.positionBusy = false;
  }

  /// Which websinks carry encoded video or JPEG (no size/quality choice), as a string to compare.
  viewerKinds() {
    return (this.info.elements || []).filter((e) => e.factory === 'websink')
      .map((e) => {
        const caps = (e.pads || []).find((p) => p.direction === 'sink')?.caps;
        return `${e.name}:${isEncodedCaps(caps)}:${isJpegCaps(caps)}`;
      }).join(',');
  }

  startViewers() {
    this.stopViewers();
    this.shownKinds = this.viewerKinds();
    this.viewerMode = this.list.viewerMode;
    const sinks = (this.info.elements || []).filter((e) => e.factory === 'websink');
    this.viewerBox.replaceChildren(...sinks.map((e) => {
      const caption = h('figcaption', {}, e.name);
      const status = h('span', { class: 'viewer-status' });
      const meter = new Meter();
      const onStatus = (text) => { status.textContent = text; };
      const sinkCaps = (e.pads || []).find((p) => p.direction === 'sink')?.caps;
      if (isEncodedCaps(sinkCaps)) {
        // H.264/VP8/VP9: WebCodecs into a canvas, or MSE into a <video> (encoded_viewer.js).
        const mode = encodedMode();
        const label = `video of ${this.name}/${e.name}`;
        const view = mode === 'mse'
          ? h('video', { muted: '', autoplay: '', playsinline: '', 'aria-label': label, 'data-sink': e.name, 'data-mode': mode })
          : h('canvas', { role: 'img', 'aria-label': label, 'data-sink': e.name, 'data-mode': mode });
        if (mode === 'mse') view.muted = true;
        const stop = startEncodedViewer(mode, view, this.name, e.name, meter, onStatus);
        this.viewers.set(e.name, { stop, meter, caption, view });
        return h('figure', { 'data-sink': e.name }, view, h('div', { class: 'viewer-info' }, caption, status));
      }
      const img = h('img', { alt: `frames of ${this.name}/${e.name}`, 'data-sink': e.name });
      // A size/quality of its own for this viewer where websink encodes (raw input, not image/jpeg).
      const label = `${this.name}/${e.name}`;
      const choice = this.list.viewerChoices.get(label) ?? { size: '', quality: '' };
      const viewer = { meter, caption, img };
      const start = () => {
        viewer.stop?.();
        viewer.meter = new Meter();
        viewer.stop = startViewer(this.viewerMode, img, this.name, e.name, viewer.meter, onStatus, variantQuery(choice));
      };
      // The sizes offered depend on the frames' height, known once negotiated (refreshPickers).
      viewer.picker = (height) => {
        viewer.pickerHeight = height;
        return variantPicker(label, height, choice, () => {
          this.list.viewerChoices.set(label, choice);
          start();
        });
      };
      viewer.pickerBox = isJpegCaps(sinkCaps) ? null : viewer.picker(capsHeight(sinkCaps));
      start();
      this.viewers.set(e.name, viewer);
      return h('figure', { 'data-sink': e.name }, img,
        h('div', { class: 'viewer-info' }, caption, viewer.pickerBox, status));
    }));
  }

  /// The size choices follow the frames' height once the sink has negotiated.
  refreshPickers() {
    for (const e of (this.info.elements || []).filter((el) => el.factory === 'websink')) {
      const v = this.viewers.get(e.name);
      const height = capsHeight((e.pads || []).find((p) => p.direction === 'sink')?.caps);
      if (!v?.pickerBox || height === v.pickerHeight) continue;
      const box = v.picker(height);
      v.pickerBox.replaceWith(box);
      v.pickerBox = box;
    }
  }

  /// Once a second: what each viewer received.
  sampleViewers() {
    for (const [name, v] of this.viewers) {
      const { fps, bytesPerSecond } = v.meter.sample();
      const w = v.img ? v.img.naturalWidth : (v.view.videoWidth ?? v.view.width);
      const hgt = v.img ? v.img.naturalHeight : (v.view.videoHeight ?? v.view.height);
      const size = w ? ` · ${w}×${hgt}` : '';
      v.caption.textContent = `${name} · ${fps.toFixed(1)} fps · ${formatBytes(bytesPerSecond)}/s${size}`;
      v.caption.dataset.fps = fps.toFixed(2);
      v.caption.dataset.bytesPerSecond = Math.round(bytesPerSecond);
    }
  }

  stopViewers() {
    for (const v of this.viewers.values()) v.stop();
    this.viewers.clear();
  }

  remove() {
    clearTimeout(this.describeTimer);
    this.stopViewers();
    this.root.remove();
  }
}

export class PipelineList {
  /// `factory(name)`: a factory description (shared with the catalogue);
  /// `showError(what, err)`: the page's error banner.
  constructor(root, rpc, { factory, showError }) {
    this.root = root;
    this.rpc = rpc;
    this.factory = factory;
    this.showError = showError;
    this.cards = new Map();
    this.viewerMode = 'ws';
    this.viewerChoices = new Map();  // "pipeline/sink" -> {size, quality}: kept across viewer restarts
    this.focusName = null;
    setInterval(() => this.pollPositions(), POSITION_PERIOD_MS);
    setInterval(() => { for (const c of this.cards.values()) c.sampleViewers(); }, 1000);
  }

  /// The whole list (on every (re)connection): cards added, removed and described.
  async sync() {
    const { pipelines } = await this.rpc.call('pipeline.list');
    const names = new Set(pipelines.map((p) => p.name));
    for (const name of [...this.cards.keys()]) if (!names.has(name)) this.remove(name);
    await Promise.all(pipelines.map((p) => this.add(p.name).describe()));
    this.changed();
    // A deep link's card again, now that the cards above it have their size.
    this.cards.get(this.focusName)?.root.scrollIntoView({ block: 'start' });
  }

  add(name) {
    let card = this.cards.get(name);
    if (card) return card;
    card = new PipelineCard(this, name);
    this.cards.set(name, card);
    this.root.append(card.root);
    this.changed();
    return card;
  }

  remove(name) {
    const card = this.cards.get(name);
    if (!card) return;
    card.remove();
    this.cards.delete(name);
    this.changed();
  }

  changed() {
    $('no-pipelines').hidden = this.cards.size > 0;
    this.applyFocus();
  }

  onCreated(params) { this.add(params.pipeline).describe(); }
  onDeleted(params) { this.remove(params.pipeline); }
  onBus(m) { this.cards.get(m.pipeline)?.onBus(m); }

  setViewerMode(mode) {
    this.viewerMode = mode;
    for (const c of this.cards.values()) if (c.info) c.startViewers();
  }

  pollPositions() {
    if (!this.rpc.connected) return;
    for (const c of this.cards.values()) if (c.playing) c.pollPosition();
  }

  /// One server.stats sample (stats.js): buffer counts for the graphs, and the charts.
  onStats(stats, previous, seconds) {
    for (const [name, c] of this.cards) {
      const per = stats.per_pipeline?.[name];
      if (!per) continue;
      c.counts = per.elements || {};
      c.drawGraph();
      c.charts.update(per, previous?.per_pipeline?.[name] ?? null, seconds);
    }
  }

  /// Deep link: the card of `name` scrolled to and marked (now or when it appears).
  focus(name) {
    this.focusName = name;
    this.applyFocus();
  }

  applyFocus() {
    for (const c of this.cards.values()) c.root.classList.toggle('focused', c.name === this.focusName);
    const card = this.cards.get(this.focusName);
    if (card && card.info && !card.focusedOnce) {
      card.focusedOnce = true;
      card.propsDetails.open = true;
      card.root.scrollIntoView({ block: 'start' });
      card.root.focus({ preventScroll: true });
    }
    for (const c of this.cards.values()) if (c.name !== this.focusName) c.focusedOnce = false;
  }
}
