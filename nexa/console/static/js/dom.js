// DOM helpers. Text always goes in as text (never parsed as HTML), so data cannot inject markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** h('button', {class: 'x', onClick: fn, dataset: {id: 1}}, 'Save') */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key === 'text') element.textContent = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key in element && typeof element[key] !== 'function') element[key] = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** An SVG element; every attribute is set as an attribute. */
export function s(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

// --- formatting ------------------------------------------------------------------------------

const money = new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR' });
const count = new Intl.NumberFormat('en-IN');

export function fmtMoney(value) {
  if (value === null || value === undefined || value === '') return '—';
  const number = Number(value);
  return Number.isFinite(number) ? money.format(number) : String(value);
}

export function fmtCount(value) {
  if (value === null || value === undefined) return '—';
  return count.format(Number(value));
}

export function fmtDateTime(value, { seconds = false } = {}) {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString('en-IN', { dateStyle: 'medium', timeStyle: seconds ? 'medium' : 'short' });
}

export function fmtDate(value) {
  if (!value) return '—';
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00` : value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleDateString('en-IN', { dateStyle: 'medium' });
}

export function fmtBytes(value) {
  if (value === null || value === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let size = Number(value);
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${size.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

const LABELS = { upi: 'UPI', sms: 'SMS', in_app: 'In-app', faq: 'FAQ' };

export function label(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (LABELS[value]) return LABELS[value];
  const text = String(value).replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function badge(value, kind) {
  const text = value === true ? 'Yes' : value === false ? 'No' : label(value);
  const tone = kind || String(value).toLowerCase();
  return h('span', { class: `badge badge-${tone.replace(/[^a-z0-9_-]/g, '')}` }, text);
}

// --- messages -------------------------------------------------------------------------------

let flashRegion = null;

export function setFlashRegion(element) {
  flashRegion = element;
}

/** A message above the page: kind 'error' | 'ok' | 'info'. Errors stay until closed. */
export function flash(message, kind = 'info') {
  if (!flashRegion) return;
  const item = h(
    'div',
    { class: `alert alert-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', { class: 'alert-text' }, message),
    h('button', { type: 'button', class: 'alert-close', title: 'Dismiss', 'aria-label': 'Dismiss', onClick: () => item.remove() }, '×'),
  );
  flashRegion.append(item);
  if (kind !== 'error') setTimeout(() => item.remove(), 8000);
}

export function flashError(error) {
  flash(error && error.message ? error.message : String(error), 'error');
}

export function clearFlash() {
  if (flashRegion) flashRegion.replaceChildren();
}

// --- building blocks -----------------------------------------------------------------------

export function pageHeader(title, ...actions) {
  return h('header', { class: 'page-header' }, h('h1', {}, title), h('div', { class: 'page-actions' }, actions));
}

export function section(title, ...children) {
  return h('section', { class: 'panel' }, title ? h('h2', {}, title) : null, children);
}

export function button(text, onClick, { kind = 'secondary', ...props } = {}) {
  return h('button', { type: 'button', class: `btn btn-${kind}`, onClick, ...props }, text);
}

/** Runs an action with the button disabled; shows the API's error message on failure. */
export async function busy(buttonElement, action) {
  if (buttonElement) buttonElement.disabled = true;
  try {
    return await action();
  } catch (error) {
    flashError(error);
    return undefined;
  } finally {
    if (buttonElement) buttonElement.disabled = false;
  }
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading' }, text);
}

export function empty(text = 'Nothing here yet.') {
  return h('p', { class: 'empty' }, text);
}

export function stat(title, value, note, testId) {
  return h(
    'div',
    { class: 'stat', dataset: testId ? { stat: testId } : undefined },
    h('div', { class: 'stat-title' }, title),
    h('div', { class: 'stat-value' }, value),
    note ? h('div', { class: 'stat-note' }, note) : null,
  );
}

/**
 * A table; columns: [{label, value: row => text|Node, class}]. Empty rows: a message instead.
 * `rowProps(row)`: the props of a row's <tr> (e.g. a class and an onClick).
 */
export function table(columns, rows, { emptyText = 'Nothing to show.', id, rowProps } = {}) {
  if (!rows || rows.length === 0) return h('div', { class: 'table-empty', id }, empty(emptyText));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data', id },
      h('thead', {}, h('tr', {}, columns.map((column) => h('th', { class: column.class }, column.label)))),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            rowProps ? rowProps(row) : {},
            columns.map((column) => {
              const value = column.value(row);
              return h('td', { class: column.class }, value === null || value === undefined || value === '' ? '—' : value);
            }),
          ),
        ),
      ),
    ),
  );
}

/** A list of label: value pairs ([[label, value], …]); blank values show as —. */
export function facts(entries, props = {}) {
  return h(
    'dl',
    { class: 'facts', ...props },
    entries.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value === null || value === undefined || value === '' ? '—' : value)]),
  );
}

/** Previous/next buttons and "1–50 of 312". */
export function pager({ skip, limit, total, shown }, onMove) {
  if (!shown && !skip) return document.createDocumentFragment(); // nothing to page through: appends nothing
  const last = skip + (shown ?? 0);
  const known = total !== null && total !== undefined;
  const text = shown ? `${skip + 1}–${last}${known ? ` of ${fmtCount(total)}` : ''}` : known ? `0 of ${fmtCount(total)}` : '';
  return h(
    'div',
    { class: 'pager' },
    button('‹ Previous', () => onMove(Math.max(0, skip - limit)), { disabled: skip <= 0 }),
    h('span', { class: 'pager-text' }, text),
    button('Next ›', () => onMove(skip + limit), { disabled: known ? last >= total : (shown ?? 0) < limit }),
  );
}

// --- forms ----------------------------------------------------------------------------------

export function field(labelText, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, labelText), control, hint ? h('span', { class: 'field-hint' }, hint) : null);
}

export function input(name, props = {}) {
  return h('input', { name, id: props.id || undefined, ...props });
}

export function select(name, options, props = {}) {
  const { value, ...rest } = props;
  const element = h(
    'select',
    { name, ...rest },
    options.map((option) => {
      const [optionValue, optionLabel] = Array.isArray(option) ? option : [option, label(option)];
      return h('option', { value: optionValue }, optionLabel);
    }),
  );
  if (value !== undefined && value !== null) element.value = String(value);
  return element;
}

export function checkbox(name, checked, text) {
  return h('label', { class: 'check' }, h('input', { type: 'checkbox', name, checked: Boolean(checked) }), ' ', text);
}

/** A list's filters with Apply and Clear; `onApply(values)` gets the controls' non-blank values. */
export function filterForm(id, controls, { onApply, onClear }) {
  const form = h('form', { class: 'filters', id }, controls, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply'), button('Clear', onClear));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onApply(compact(formValues(form)));
  });
  return form;
}

/** The form's named controls as an object (checkboxes as booleans), blanks left out. */
export function formValues(form) {
  const values = {};
  for (const element of form.elements) {
    if (!element.name) continue;
    if (element.type === 'checkbox') values[element.name] = element.checked;
    else if (element.type === 'radio') {
      if (element.checked) values[element.name] = element.value;
    } else if (element.value.trim() !== '') values[element.name] = element.value.trim();
  }
  return values;
}

// --- dialogs --------------------------------------------------------------------------------

/**
 * A modal dialog with a form. `onSubmit(values, form)` may throw: the error is shown inside
 * the dialog and it stays open; otherwise it closes.
 */
export function dialog({ title, content, submitText = 'Save', danger = false, onSubmit, className, canSubmit }) {
  const error = h('div', { class: 'dialog-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}` }, submitText);
  const form = h('form', { method: 'dialog', class: 'dialog-form', noValidate: true }, h('h2', {}, title), content, error);
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', onClick: () => close() }, 'Cancel');
  form.append(h('div', { class: 'dialog-actions' }, cancel, submit));
  const element = h('dialog', { class: `dialog ${className || ''}` }, form);
  const close = () => {
    element.close();
    element.remove();
  };
  const update = () => {
    if (canSubmit) submit.disabled = !canSubmit(formValues(form), form);
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      await onSubmit(formValues(form), form);
      close();
    } catch (failure) {
      error.textContent = failure && failure.message ? failure.message : String(failure);
    } finally {
      submit.disabled = false;
      update();
    }
  });
  element.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });
  document.body.append(element);
  element.showModal();
  update();
  const first = form.querySelector('input:not([type=hidden]), select, textarea');
  if (first) first.focus();
  return { element, form, close };
}

/** Ask before doing something; resolves after `action` succeeded. */
export function confirmAction({ title, message, confirmText = 'Confirm', danger = true, action }) {
  return dialog({
    title,
    content: h('p', { class: 'dialog-message' }, message),
    submitText: confirmText,
    danger,
    onSubmit: action,
  });
}

/** The entries that carry a value (for query strings). */
export function compact(values) {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== null && value !== undefined && value !== '' && value !== 0 && value !== '0'),
  );
}
