// The files page's "Versions" action: one selected file's earlier contents in a dialog, each with
// download, restore (as a new current version) and delete. The dialog is built here, from text
// nodes only, so nothing a name or an email holds is ever read as markup.
import { api } from './api.js';
import { toast, toastError } from './toast.js';

const button = document.getElementById('versions-button');
const files = document.getElementById('files');
const canWrite = files?.dataset.access !== 'read';

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
}

const dialog = el('dialog', { id: 'versions-dialog', className: 'versions-dialog' });
dialog.setAttribute('aria-labelledby', 'versions-title');
const title = el('h2', { id: 'versions-title' });
const list = el('ol', { className: 'versions', id: 'versions-list' });
list.setAttribute('aria-label', 'Versions, newest first');
const close = el('button', { type: 'button', className: 'button', textContent: 'Close' });
close.addEventListener('click', () => dialog.close());
dialog.append(title, list, el('div', { className: 'dialog-actions' }, close));
document.body.append(dialog);

const sizeUnits = ['B', 'KB', 'MB', 'GB', 'TB'];
function size(bytes) {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < sizeUnits.length - 1) { value /= 1024; unit++; }
  return `${unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(value >= 10 ? 1 : 2).replace(/\.?0+$/, '')} ${sizeUnits[unit]}`;
}

const when = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

let file = null;
let changed = false;

function selectedFile() {
  const rows = [...document.querySelectorAll('#rows tr.item[aria-selected="true"]')];
  if (rows.length !== 1 || rows[0].dataset.kind !== 'file') return null;
  return { id: rows[0].dataset.id, name: rows[0].dataset.name };
}

async function render() {
  const { versions } = await api('GET', `/items/${file.id}/versions`);
  list.replaceChildren();
  versions.forEach((version, index) => {
    const who = version.createdBy.displayName ?? version.createdBy.email ?? 'a deleted account';
    const label = version.current ? 'Current version' : `Version ${versions.length - index}`;
    const info = el('div', { className: 'version-info' },
      el('strong', { textContent: label }),
      el('small', { textContent: `${when(version.created)} · ${size(version.size)} · ${who}` }));
    const download = el('a', {
      className: 'button ghost', textContent: 'Download',
      href: `/api/v1/items/${file.id}/versions/${version.id}/content`,
    });
    download.setAttribute('download', file.name);
    download.setAttribute('aria-label', `Download ${label.toLowerCase()}`);
    const actions = el('div', { className: 'version-actions' }, download);
    if (canWrite && !version.current) {
      const restore = el('button', { type: 'button', className: 'button ghost', textContent: 'Restore' });
      restore.setAttribute('aria-label', `Restore ${label.toLowerCase()}`);
      restore.addEventListener('click', () => act(restore, async () => {
        await api('POST', `/items/${file.id}/versions/${version.id}/restore`);
        toast(`Restored an earlier version of “${file.name}”.`);
      }));
      const remove = el('button', { type: 'button', className: 'button ghost danger', textContent: 'Delete' });
      remove.setAttribute('aria-label', `Delete ${label.toLowerCase()}`);
      remove.addEventListener('click', () => {
        if (!window.confirm(`Delete this version of “${file.name}” for good? This cannot be undone.`)) return;
        act(remove, async () => {
          await api('DELETE', `/items/${file.id}/versions/${version.id}`);
          toast('Version deleted.');
        });
      });
      actions.append(restore, remove);
    }
    list.append(el('li', { className: version.current ? 'version current' : 'version' }, info, actions));
  });
}

async function act(control, work) {
  control.disabled = true;
  try {
    await work();
    changed = true;
    await render();
  } catch (error) {
    toastError(error);
    control.disabled = false;
  }
}

async function open() {
  file = selectedFile();
  if (!file) {
    toast('Select one file to see its versions.', 'error');
    return;
  }
  changed = false;
  title.textContent = `Versions of “${file.name}”`;
  list.replaceChildren(el('li', { className: 'version', textContent: 'Loading…' }));
  dialog.showModal();
  try {
    await render();
  } catch (error) {
    dialog.close();
    toastError(error);
  }
}

// A restored version changes the file's size and date in the listing: show the folder afresh.
dialog.addEventListener('close', () => { if (changed) window.location.reload(); });
button?.addEventListener('click', open);
