// Small live line charts, drawn as SVG in the page (no library): the last minute of
// one or more series, one sample a second, scaled to the largest value shown.

import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 180, HEIGHT = 44;
export const WINDOW = 60;  // samples kept: one minute at one a second

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/// One line of a chart: its label and the values, oldest first.
export class Series {
  constructor(label) {
    this.label = label;
    this.values = [];
  }

  push(value) {
    this.values.push(Number.isFinite(value) ? value : null);
    if (this.values.length > WINDOW) this.values.shift();
  }

  get last() { return this.values.length ? this.values[this.values.length - 1] : null; }
}

/// A titled chart of `labels.length` series; `format(v)` writes a value for people.
/// `push(...values)` adds one sample to each series and redraws.
export class Chart {
  constructor(title, labels, format, { name = title } = {}) {
    this.series = labels.map((l) => new Series(l));
    this.format = format;
    this.lines = this.series.map((_, i) => svg('polyline', { class: `line s${i}`, fill: 'none' }));
    this.scale = svg('text', { x: 2, y: 9, class: 'scale' });
    this.plot = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img',
                             'aria-label': title });
    this.plot.append(svg('line', { x1: 0, y1: HEIGHT - 0.5, x2: WIDTH, y2: HEIGHT - 0.5, class: 'axis' }),
                     ...this.lines, this.scale);
    this.legend = h('figcaption', {});
    this.root = h('figure', { class: 'chart', 'data-chart': name }, h('div', { class: 'chart-title' }, title),
                  this.plot, this.legend);
  }

  push(...values) {
    this.series.forEach((s, i) => s.push(values[i]));
    this.draw();
  }

  draw() {
    const max = Math.max(0, ...this.series.flatMap((s) => s.values.filter((v) => v !== null)));
    const top = max > 0 ? max * 1.1 : 1;
    const step = WIDTH / (WINDOW - 1);
    this.series.forEach((s, i) => {
      const offset = WINDOW - s.values.length;
      const points = [];
      s.values.forEach((v, j) => {
        if (v !== null) points.push(`${((offset + j) * step).toFixed(1)},${(HEIGHT - (v / top) * (HEIGHT - 2)).toFixed(1)}`);
      });
      this.lines[i].setAttribute('points', points.join(' '));
    });
    this.scale.textContent = max > 0 ? this.format(max) : '';
    this.legend.replaceChildren(...this.series.map((s, i) => h('span', { class: `s${i}`, 'data-series': s.label },
      `${s.label} ${s.last === null ? '–' : this.format(s.last)}`)));
    this.root.dataset.last = JSON.stringify(this.series.map((s) => s.last));
  }
}
