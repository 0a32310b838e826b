// Files the API answers with (exports, invoice PDFs), handed to the browser as downloads.
import { api } from './api.js';
import { busy, flash, h } from './dom.js';

/** Saves the file of an API answer under its Content-Disposition name (else `fallbackName`). */
export async function saveFile(response, fallbackName) {
  const blob = await response.blob();
  const match = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') || '');
  const name = match ? match[1] : fallbackName;
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name, class: 'hidden' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return { blob, name };
}

/** Downloads a document (a GET answering a file) while `trigger` is disabled; errors flash. */
export function download(path, trigger, fallbackName) {
  return busy(trigger, async () => {
    const response = await api.get(path, undefined, { raw: true });
    const { name } = await saveFile(response, fallbackName);
    flash(`Downloaded ${name}.`, 'ok');
  });
}

/** A small "PDF" button that downloads an invoice or credit note. */
export function pdfButton(path, fallbackName, props = {}) {
  return h('button', { type: 'button', class: 'btn btn-small', onClick: (event) => download(path, event.currentTarget, fallbackName), ...props }, 'PDF');
}
