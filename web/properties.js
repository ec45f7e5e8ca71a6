// Property editors generated from the factory description (GET /api/v1/factories/{f}):
// a slider for an int or double with a usable range (a number box otherwise), a select
// for an enum, a switch for a boolean, a text box for the rest (strings, fractions).
// Each shows the current value; a change is sent as element.set and the control takes
// the value the server answers, or goes back to the old one with the server's message
// beside it. A property the element's current state does not allow changing
// (its mutability) is disabled, the reason in its tooltip.

import { plainMessage } from './api.js';
import { boundText, h } from './dom.js';

const STATE_ORDER = ['null', 'ready', 'paused', 'playing'];
const SLIDER_MAX_STEPS = 100000;  // wider int ranges (e.g. 1..2^31) get a number box

/// Why `spec` cannot change while its element is in `state`, or '' when it can.
export function lockReason(spec, state) {
  if (!spec.writable) return 'read-only: the element reports it, nobody sets it';
  const at = STATE_ORDER.indexOf(state);
  const shown = (state || 'unknown').toUpperCase();
  switch (spec.mutable_in) {
    case 'construct-only': return 'construct-only: set it in the pipeline description';
    case 'ready': return at <= 1 ? '' : `changes only in NULL or READY (the element is ${shown}): stop the pipeline first`;
    case 'paused': return at <= 2 ? '' : `changes only up to PAUSED (the element is ${shown}): pause first`;
    default: return '';
  }
}

function numeric(spec) { return spec.type === 'int' || spec.type === 'uint' || spec.type === 'int64' || spec.type === 'double'; }

function sliderFits(spec) {
  if (!numeric(spec) || spec.min === undefined || spec.max === undefined) return false;
  return spec.type === 'double' ? Number.isFinite(spec.max - spec.min) && spec.max - spec.min <= 1e6
                                : spec.max - spec.min <= SLIDER_MAX_STEPS;
}

function rangeText(spec) {
  const parts = [];
  if (spec.min !== undefined && spec.max !== undefined) parts.push(`${boundText(spec.min)} … ${boundText(spec.max)}`);
  if (spec.default !== undefined && spec.default !== '') parts.push(`default ${JSON.stringify(spec.default)}`);
  return parts.join(', ');
}

/// One property's row: label, control, value read-out and error line.
/// commit(value) -> Promise of the value the server kept.
function propertyRow(spec, label, commit) {
  const id = `prop-${Math.random().toString(36).slice(2)}`;
  const error = h('span', { class: 'prop-error', role: 'alert' });
  const readout = h('output', { class: 'prop-value', for: id });
  let input, current;

  const parse = (raw) => {
    if (spec.type === 'bool') return raw;
    if (spec.type === 'double') return Number(raw);
    if (numeric(spec)) return Math.round(Number(raw));
    return raw;
  };
  const show = (value) => {
    current = value;
    if (spec.type === 'bool') input.checked = Boolean(value);
    else input.value = value === null || value === undefined ? '' : String(value);
    // A read-out where the control does not show the value as text itself.
    if (spec.type === 'bool') readout.textContent = value ? 'on' : 'off';
    else if (input.type === 'range') readout.textContent = String(value ?? '');
  };

  const attrs = { id, 'aria-label': label, 'data-property': spec.name };
  if (spec.type === 'bool') {
    input = h('input', { ...attrs, type: 'checkbox', role: 'switch', class: 'switch' });
  } else if (spec.type === 'enum') {
    input = h('select', attrs, (spec.enum || []).map((e) => h('option', { value: e.nick, title: e.description }, e.nick)));
  } else if (sliderFits(spec)) {
    const step = spec.type === 'double' ? (spec.max - spec.min) / 200 : 1;
    input = h('input', { ...attrs, type: 'range', min: spec.min, max: spec.max, step });
    input.addEventListener('input', () => { readout.textContent = input.value; });
  } else if (numeric(spec)) {
    input = h('input', { ...attrs, type: 'number', min: spec.min, max: spec.max, step: spec.type === 'double' ? 'any' : 1 });
  } else {
    input = h('input', { ...attrs, type: 'text', autocomplete: 'off', spellcheck: 'false' });
  }

  input.addEventListener('change', async () => {
    const before = current;
    const wanted = parse(spec.type === 'bool' ? input.checked : input.value);
    error.textContent = '';
    input.setAttribute('aria-busy', 'true');
    try {
      show(await commit(wanted));
    } catch (err) {
      show(before);  // refused: back to what the element has
      error.textContent = plainMessage(err);
    } finally {
      input.removeAttribute('aria-busy');
    }
  });

  const row = h('div', { class: 'prop', 'data-property': spec.name },
    h('label', { for: id, title: spec.blurb || '' }, spec.name, h('small', {}, ` ${spec.type}`)),
    h('span', { class: 'prop-control' }, input, readout),
    h('small', { class: 'prop-range' }, rangeText(spec)),
    error);
  return {
    row,
    set: (value) => { if (document.activeElement !== input) show(value); },
    lock: (reason) => {
      input.disabled = Boolean(reason);
      row.classList.toggle('locked', Boolean(reason));
      row.title = reason;
    },
  };
}

/// The property editors of every element of one pipeline. `factory(name)` resolves to
/// a factory description; `rpc` is the RpcClient. update(describe) refreshes values and
/// locks from a new pipeline.describe result.
export class PropertyPanel {
  constructor(root, pipelineName, rpc, factory) {
    this.root = root;
    this.pipeline = pipelineName;
    this.rpc = rpc;
    this.factory = factory;
    this.rows = new Map();  // "element\0property" -> row
    this.built = null;      // the promise of the first build
  }

  update(described) {
    if (!this.built) this.built = this.build(described.elements);
    this.built.then(() => {
      for (const e of described.elements) {
        for (const [name, value] of Object.entries(e.properties || {})) {
          const row = this.rows.get(`${e.name}\0${name}`);
          if (!row) continue;
          row.set(value);
          row.lock(lockReason(row.spec, e.state));
        }
      }
    });
  }

  async build(elements) {
    const sections = [];
    for (const e of elements) {
      let desc;
      try {
        desc = await this.factory(e.factory);
      } catch (err) {
        sections.push(h('p', { class: 'hint' }, `${e.name}: ${err.message}`));
        continue;
      }
      const props = desc.properties.filter((p) => p.name !== 'name');
      const rows = props.map((spec) => {
        const commit = (value) => this.rpc.call('element.set', { pipeline: this.pipeline, element: e.name,
                                                                 property: spec.name, value })
          .then((r) => r.value);
        const row = propertyRow(spec, `${this.pipeline} ${e.name} ${spec.name}`, commit);
        row.spec = spec;
        this.rows.set(`${e.name}\0${spec.name}`, row);
        return row.row;
      });
      sections.push(h('fieldset', { class: 'element-props', 'data-element': e.name },
        h('legend', {}, e.name, h('small', {}, ` ${e.factory}`)), rows));
    }
    this.root.replaceChildren(...sections);
  }
}
