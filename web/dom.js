// Small DOM and formatting helpers shared by the UI's modules.

export const $ = (id) => document.getElementById(id);

/// An element: h('button', {class: 'x', onclick: f, 'aria-label': 'play p0'}, 'play').
/// Attributes named on* become listeners, `dataset` an object of data-*, `hidden`,
/// `disabled`, `checked`, `value` are set as properties; null children are skipped.
export function h(tag, attrs = {}, ...children) {
  const e = tag === 'svg' || attrs.svg ? document.createElementNS('http://www.w3.org/2000/svg', tag)
                                       : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false || k === 'svg') continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (['hidden', 'disabled', 'checked', 'value', 'selected'].includes(k)) e[k] = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/// An SVG element (h with the SVG namespace).
export const s = (tag, attrs = {}, ...children) => h(tag, { ...attrs, svg: true }, ...children);

/// "0:07.3" / "1:02:03" for a time in nanoseconds; "–" when unknown.
export function formatNs(ns) {
  if (ns === null || ns === undefined || ns < 0) return '–';
  const total = ns / 1e9;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const sec = seconds.toFixed(1).padStart(4, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${sec.padStart(4, '0')}` : `${minutes}:${sec}`;
}

/// "12.3 kB" for a byte count (SI units, as network rates are quoted).
export function formatBytes(n) {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB'];
  let v = n, i = -1;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i += 1; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/// A CSS.escape'd attribute selector value, for names users choose.
export const sel = (name) => CSS.escape(name);

/// A range bound for people: JSON numbers past 2^53 lose digits in JavaScript
/// (INT64_MAX reads 9223372036854776000), so the 64-bit extremes are named.
export function boundText(n) {
  if (n >= 9.2e18) return 'INT64_MAX';
  if (n <= -9.2e18) return 'INT64_MIN';
  return String(n);
}
