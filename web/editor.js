// The pipeline description editor: a textarea over a backdrop that mirrors its text,
// so the part a parse error points at (`1:18: no element "invret"`: line 1, column
// 18) can be highlighted in place; the message is shown under the editor and the
// caret moved there. Any edit clears the highlight.

import { h } from './dom.js';

/// {line, column, message} from "L:C: message" (1-based), or null.
export function parseErrorPosition(text) {
  const m = /(?:^|\s)(\d+):(\d+): (.*)$/s.exec(text);
  return m ? { line: Number(m[1]), column: Number(m[2]), message: m[3] } : null;
}

export class DescriptionEditor {
  constructor(textarea, backdrop, messageEl) {
    this.textarea = textarea;
    this.backdrop = backdrop;
    this.messageEl = messageEl;
    textarea.addEventListener('input', () => this.clearError());
    textarea.addEventListener('scroll', () => { backdrop.scrollTop = textarea.scrollTop; });
    this.clearError();
  }

  get value() { return this.textarea.value; }
  set value(text) {
    this.textarea.value = text;
    this.clearError();
  }

  clearError() {
    this.backdrop.replaceChildren(this.textarea.value + '\n');
    this.messageEl.replaceChildren();
    this.messageEl.hidden = true;
    this.textarea.removeAttribute('aria-invalid');
  }

  /// Shows `message`; when it names a line:column of the text, highlights the word
  /// there. Returns true when it could place it.
  showError(message) {
    const text = this.textarea.value;
    const at = parseErrorPosition(message);
    this.messageEl.hidden = false;
    this.textarea.setAttribute('aria-invalid', 'true');
    if (!at) {
      this.messageEl.replaceChildren(h('span', {}, message));
      return false;
    }
    const lines = text.split('\n');
    if (at.line < 1 || at.line > lines.length) {
      this.messageEl.replaceChildren(h('span', {}, message));
      return false;
    }
    const offset = lines.slice(0, at.line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, at.column - 1);
    // The word at the position (at least one character, so an error at the end shows).
    let end = offset;
    while (end < text.length && !/[\s!]/.test(text[end])) end += 1;
    if (end === offset) end = Math.min(text.length, offset + 1);
    const mark = h('mark', { class: 'error-at' }, text.slice(offset, end) || ' ');
    this.backdrop.replaceChildren(text.slice(0, offset), mark, text.slice(end) + '\n');
    this.messageEl.replaceChildren(h('b', {}, `line ${at.line}, column ${at.column}: `), at.message);
    this.textarea.focus();
    this.textarea.setSelectionRange(offset, end);
    return true;
  }

  /// Inserts `factoryName` at the caret, joined with " ! " to what comes before.
  insert(factoryName) {
    const t = this.textarea;
    const start = t.selectionStart ?? t.value.length, end = t.selectionEnd ?? start;
    const before = t.value.slice(0, start), after = t.value.slice(end);
    const trimmed = before.trimEnd();
    const joint = trimmed === '' ? '' : trimmed.endsWith('!') ? ' ' : ' ! ';
    const afterJoint = after.trim() === '' || after.trimStart().startsWith('!') ? '' : ' ! ';
    const inserted = joint + factoryName + afterJoint;
    t.value = trimmed + inserted + after.trimStart();
    const caret = trimmed.length + joint.length + factoryName.length;
    t.focus();
    t.setSelectionRange(caret, caret);
    this.clearError();
  }
}
