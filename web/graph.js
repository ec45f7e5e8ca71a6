// A pipeline's graph drawn as SVG from its description (pipeline.describe): elements
// as boxes in columns left to right (a column per step from the sources, so every
// link goes rightwards), sink pads on a box's left edge, source pads on its right,
// and each link labelled with its negotiated caps (shortened; the full caps in the
// tooltip) and its scheduling mode (push or pull). Buffer counts come from
// server.stats when given.

import { s } from './dom.js';

const NODE_GAP_X = 150;   // room for a link's label between columns
const NODE_GAP_Y = 26;
const PAD_ROW = 20;
const HEAD = 52;
const CHAR = 7.2;         // px per character of the 12 px UI font, for box widths

/// "RGBA 320×240 @30/1" for video caps, "S16LE 48000 Hz ×2" for audio, else the type.
export function shortCaps(caps) {
  if (!caps) return 'not negotiated';
  const [type, ...fields] = caps.split(',');
  const f = Object.fromEntries(fields.map((kv) => kv.split('=')));
  if (type === 'video/x-raw') {
    return [f.format, f.width && f.height ? `${f.width}×${f.height}` : null, f.framerate ? `@${f.framerate}` : null,
            f.layout === 'tiled' ? 'tiled' : null].filter(Boolean).join(' ');
  }
  if (type === 'audio/x-raw') {
    return [f.format, f.rate ? `${f.rate} Hz` : null, f.channels ? `×${f.channels}` : null].filter(Boolean).join(' ');
  }
  return type;
}

/// Columns: an element's column is one more than its furthest upstream neighbour's.
function columns(elements) {
  const byName = new Map(elements.map((e) => [e.name, e]));
  const column = new Map();
  const visiting = new Set();
  const place = (e) => {
    if (column.has(e.name)) return column.get(e.name);
    if (visiting.has(e.name)) return 0;  // a loop (not a valid pipeline): cut it here
    visiting.add(e.name);
    let c = 0;
    for (const pad of e.pads.filter((p) => p.direction === 'sink' && p.peer)) {
      const up = byName.get(pad.peer.split('.')[0]);
      if (up) c = Math.max(c, place(up) + 1);
    }
    visiting.delete(e.name);
    column.set(e.name, c);
    return c;
  };
  elements.forEach(place);
  return column;
}

/// The SVG of `pipeline` (a pipeline.describe result). `counts` (optional) maps an
/// element's name to its stats ({buffers_in, buffers_out, ...}).
export function renderGraph(pipeline, counts = {}) {
  const elements = pipeline.elements || [];
  const column = columns(elements);
  const ncols = Math.max(0, ...column.values()) + 1;
  const inColumn = Array.from({ length: ncols }, () => []);
  for (const e of elements) inColumn[column.get(e.name)].push(e);

  // Box sizes, then positions: a column is as wide as its widest box.
  const box = new Map();
  for (const e of elements) {
    const sinks = e.pads.filter((p) => p.direction === 'sink');
    const srcs = e.pads.filter((p) => p.direction !== 'sink');
    const text = Math.max(e.name.length, e.factory.length + 2, 17);  // 17: room for the counts line
    const padText = Math.max(0, ...sinks.map((p) => p.name.length)) + Math.max(0, ...srcs.map((p) => p.name.length));
    box.set(e.name, { e, sinks, srcs, w: Math.ceil(Math.max(text, padText + 4) * CHAR) + 20,
                      h: HEAD + Math.max(sinks.length, srcs.length, 1) * PAD_ROW + 8 });
  }
  let x = 10, height = 0;
  for (const col of inColumn) {
    const w = Math.max(...col.map((e) => box.get(e.name).w));
    let y = 10;
    for (const e of col) {
      const b = box.get(e.name);
      Object.assign(b, { x, y, w });
      y += b.h + NODE_GAP_Y;
    }
    height = Math.max(height, y);
    x += w + NODE_GAP_X;
  }
  const width = x - NODE_GAP_X + 10;

  // Pad anchor points.
  const anchor = new Map();  // "element.pad" -> {x, y}
  for (const b of box.values()) {
    b.sinks.forEach((p, i) => anchor.set(`${b.e.name}.${p.name}`, { x: b.x, y: b.y + HEAD + i * PAD_ROW + PAD_ROW / 2 }));
    b.srcs.forEach((p, i) => anchor.set(`${b.e.name}.${p.name}`, { x: b.x + b.w, y: b.y + HEAD + i * PAD_ROW + PAD_ROW / 2 }));
  }

  const links = [];
  for (const b of box.values()) {
    for (const pad of b.srcs) {
      if (!pad.peer) continue;
      const from = anchor.get(`${b.e.name}.${pad.name}`), to = anchor.get(pad.peer);
      if (!from || !to) continue;
      const dx = Math.max(40, (to.x - from.x) / 2);
      const mid = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
      links.push(s('g', { class: 'link', 'data-link': `${b.e.name}.${pad.name}->${pad.peer}` },
        s('title', {}, `${b.e.name}.${pad.name} → ${pad.peer}\n${pad.caps || 'caps not negotiated yet'}\nmode: ${pad.mode}`),
        s('path', { d: `M${from.x},${from.y} C${from.x + dx},${from.y} ${to.x - dx},${to.y} ${to.x},${to.y}` }),
        s('text', { x: mid.x, y: mid.y - 6, 'text-anchor': 'middle', class: 'caps' }, shortCaps(pad.caps)),
        s('text', { x: mid.x, y: mid.y + 12, 'text-anchor': 'middle', class: 'mode' }, pad.mode || '')));
    }
  }

  const nodes = [...box.values()].map((b) => {
    const c = counts[b.e.name];
    const countText = c ? [c.buffers_in ? `in ${c.buffers_in}` : null, c.buffers_out ? `out ${c.buffers_out}` : null,
                           c.dropped ? `dropped ${c.dropped}` : null].filter(Boolean).join(' · ') : '';
    return s('g', { class: 'node', 'data-element': b.e.name, 'data-state': b.e.state },
      s('title', {}, `${b.e.name} (${b.e.factory}), ${b.e.state}`),
      s('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 6 }),
      s('text', { x: b.x + 10, y: b.y + 16, class: 'name' }, b.e.name),
      s('text', { x: b.x + 10, y: b.y + 30, class: 'factory' }, b.e.factory),
      s('text', { x: b.x + 10, y: b.y + 44, class: 'counts' }, countText),
      b.sinks.map((p, i) => s('g', { class: 'pad sink' },
        s('rect', { x: b.x - 4, y: b.y + HEAD + i * PAD_ROW + 4, width: 8, height: PAD_ROW - 8, rx: 2 }),
        s('text', { x: b.x + 8, y: b.y + HEAD + i * PAD_ROW + 14 }, p.name))),
      b.srcs.map((p, i) => s('g', { class: 'pad src' },
        s('rect', { x: b.x + b.w - 4, y: b.y + HEAD + i * PAD_ROW + 4, width: 8, height: PAD_ROW - 8, rx: 2 }),
        s('text', { x: b.x + b.w - 8, y: b.y + HEAD + i * PAD_ROW + 14, 'text-anchor': 'end' }, p.name))));
  });

  return s('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
                    'aria-label': `graph of pipeline ${pipeline.name}: ${elements.map((e) => e.name).join(', ')}` },
    s('g', { class: 'links' }, links), s('g', { class: 'nodes' }, nodes));
}
