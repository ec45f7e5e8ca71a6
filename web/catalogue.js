// The element catalogue: every factory the server has (GET /api/v1/factories), found
// by name, class or description; opening one shows its pads with their caps and its
// properties with types, ranges, enum values, defaults and when they can change
// (GET /api/v1/factories/{f}). "Insert" puts the element into the description editor.

import { http } from './api.js';
import { boundText, h } from './dom.js';
import { lockReason } from './properties.js';

const described = new Map();  // factory name -> Promise of its description

/// The description of factory `name`, fetched once per page.
export function factory(name) {
  if (!described.has(name)) {
    const p = http('GET', `/api/v1/factories/${encodeURIComponent(name)}`);
    p.catch(() => described.delete(name));  // try again next time
    described.set(name, p);
  }
  return described.get(name);
}

function valuesText(p) {
  if (p.enum) return p.enum.map((e) => e.nick).join(' | ');
  if (p.min !== undefined && p.max !== undefined) return `${boundText(p.min)} … ${boundText(p.max)}`;
  return '';
}

function mutabilityText(p) {
  if (!p.writable) return 'read-only';
  return { 'construct-only': 'at creation', ready: 'in NULL/READY', paused: 'up to PAUSED', playing: 'any time' }[p.mutable_in]
    || p.mutable_in;
}

function details(desc) {
  return h('div', { class: 'factory-details' },
    h('p', { class: 'hint' }, `${desc.klass} — ${desc.description}`),
    h('h4', {}, 'Pads'),
    h('ul', { class: 'pads' }, desc.pad_templates.map((t) => h('li', {},
      h('b', {}, t.name), ` ${t.direction}, ${t.presence}`, h('code', { class: 'caps' }, t.caps)))),
    h('h4', {}, 'Properties'),
    h('table', { class: 'props' },
      h('thead', {}, h('tr', {}, ['name', 'type', 'values', 'default', 'changes'].map((c) => h('th', {}, c)))),
      h('tbody', {}, desc.properties.map((p) => h('tr', { title: p.blurb || '' },
        h('td', {}, p.name), h('td', {}, p.type), h('td', { class: 'values' }, valuesText(p)),
        h('td', {}, JSON.stringify(p.default)), h('td', { title: lockReason(p, 'playing') }, mutabilityText(p)))))));
}

export class Catalogue {
  /// `onInsert(factoryName)` is called by an entry's Insert button.
  constructor(root, onInsert) {
    this.root = root;
    this.onInsert = onInsert;
    this.search = root.querySelector('input[type=search]');
    this.list = root.querySelector('.factory-list');
    this.search.addEventListener('input', () => this.filter());
  }

  async load() {
    try {
      const { factories } = await http('GET', '/api/v1/factories');
      this.list.replaceChildren(...factories.map((f) => this.entry(f)));
      this.filter();
    } catch (err) {
      this.list.replaceChildren(h('li', { class: 'hint' }, `the catalogue did not load: ${err.message}`));
      throw err;
    }
  }

  entry(f) {
    const body = h('div', { class: 'factory-body' });
    const item = h('details', { class: 'factory', 'data-factory': f.name,
                                'data-search': `${f.name} ${f.long_name} ${f.klass} ${f.description}`.toLowerCase() },
      h('summary', {},
        h('b', {}, f.name), h('span', { class: 'klass' }, f.klass),
        h('button', { type: 'button', class: 'insert', 'aria-label': `insert ${f.name} into the description`,
                      onclick: (event) => { event.preventDefault(); this.onInsert(f.name); } }, 'insert')),
      body);
    item.addEventListener('toggle', () => {
      if (!item.open || body.childElementCount) return;
      body.append(h('p', { class: 'hint' }, 'loading…'));
      factory(f.name).then((d) => body.replaceChildren(details(d)),
                           (err) => body.replaceChildren(h('p', { class: 'hint' }, err.message)));
    });
    return h('li', {}, item);
  }

  filter() {
    const words = this.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const li of this.list.children) {
      const d = li.firstElementChild;
      li.hidden = d && d.dataset.search ? !words.every((w) => d.dataset.search.includes(w)) : false;
    }
  }
}
