// The page's one statistics poll: server.stats once a second while connected and
// visible, turned into per-second rates for the server panel and the pipeline cards.

import { Chart } from './charts.js';
import { formatBytes } from './dom.js';

const PERIOD_MS = 1000;

const count = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, ''));
const perSecond = (v) => `${count(v)}/s`;
const bytesPerSecond = (v) => `${formatBytes(v)}/s`;
const bytes = (v) => formatBytes(v);
const whole = (v) => String(Math.round(v));
const milliseconds = (v) => `${count(v)} ms`;
export const formats = { count, perSecond, bytesPerSecond, bytes, whole, milliseconds };

/// The change of a counter per second; null when there is no earlier sample (or the
/// counter went back: a pipeline made again under the same name).
export function rate(now, before, seconds) {
  if (before === undefined || before === null || now === undefined || seconds <= 0 || now < before) return null;
  return (now - before) / seconds;
}

export class StatsFeed {
  /// `listeners` are called with (stats, previous stats or null, seconds between them).
  constructor(rpc) {
    this.rpc = rpc;
    this.listeners = [];
    this.previous = null;
    this.previousAt = 0;
    this.busy = false;
    setInterval(() => this.tick(), PERIOD_MS);
  }

  listen(fn) { this.listeners.push(fn); }

  async tick() {
    if (!this.rpc.connected || document.hidden || this.busy) return;
    this.busy = true;
    try {
      const stats = await this.rpc.call('server.stats');
      const at = performance.now();
      const seconds = this.previous ? (at - this.previousAt) / 1000 : 0;
      for (const fn of this.listeners) fn(stats, this.previous, seconds);
      this.previous = stats;
      this.previousAt = at;
    } catch { /* the connection went: the next tick tries again */ }
    this.busy = false;
  }
}

/// The server panel: memory, tile cache, swap, viewers and pipelines over the last minute.
export class ServerCharts {
  constructor(root) {
    this.charts = {
      memory: new Chart('memory', ['allocated', 'copied'], bytesPerSecond, { name: 'memory' }),
      live: new Chart('memory in use', ['live'], bytes, { name: 'live-memory' }),
      tiles: new Chart('tile cache', ['hits', 'misses'], perSecond, { name: 'tiles' }),
      swap: new Chart('swap', ['out', 'in'], bytesPerSecond, { name: 'swap' }),
      viewers: new Chart('viewers', ['frame streams', 'websockets'], whole, { name: 'viewers' }),
      pipelines: new Chart('pipelines', ['pipelines'], whole, { name: 'pipelines' }),
    };
    root.replaceChildren(...Object.values(this.charts).map((c) => c.root));
  }

  update(stats, previous, seconds) {
    const r = (pick) => rate(pick(stats), previous ? pick(previous) : null, seconds);
    const c = this.charts;
    c.memory.push(r((s) => s.memory?.allocated_bytes), r((s) => s.memory?.copied_bytes));
    c.live.push(stats.memory?.live_bytes);
    c.tiles.push(r((s) => s.tiles?.cache_hits), r((s) => s.tiles?.cache_misses));
    c.swap.push(r((s) => s.tiles?.swapped_out_bytes), r((s) => s.tiles?.swapped_in_bytes));
    c.viewers.push(stats.streams?.subscribers, stats.http?.websockets_active);
    c.pipelines.push(stats.pipelines);
  }
}

/// The charts of one pipeline card: frames reaching its sinks, QoS, latency, viewers.
export class PipelineCharts {
  constructor(root) {
    this.charts = {
      fps: new Chart('frames at the sinks', ['fps'], count, { name: 'fps' }),
      qos: new Chart('QoS', ['processed', 'dropped'], perSecond, { name: 'qos' }),
      latency: new Chart('latency', ['latency'], milliseconds, { name: 'latency' }),
      viewers: new Chart('viewers', ['viewers'], whole, { name: 'viewers' }),
    };
    root.replaceChildren(...Object.values(this.charts).map((c) => c.root));
  }

  update(now, before, seconds) {
    const r = (pick) => rate(pick(now), before ? pick(before) : null, seconds);
    const c = this.charts;
    c.fps.push(r((p) => p.buffers));
    c.qos.push(r((p) => p.qos?.processed), r((p) => p.qos?.dropped));
    c.latency.push(now.latency_ns === null || now.latency_ns === undefined ? null : now.latency_ns / 1e6);
    c.viewers.push(now.viewers);
  }
}
