// The dashboard: selection (mouse, touch and keyboard), the actions on it (rename, move, delete,
// download), new folders, drag to move, drop to upload, and the next pages as the list scrolls.
import { ApiError, api } from './api.js';
import { localizeTimes } from './app.js';
import { openShareDialog } from './share.js';
import { toast, toastError } from './toast.js';
import { Uploader, entriesFromDrop, entriesFromInput, formatSize } from './upload.js';
import { preview } from './preview.js';
import './gallery.js';

const $ = (id) => document.getElementById(id);
const root = $('files');
const rows = $('rows');
const listing = $('listing');
const here = { id: root.dataset.folderId, path: root.dataset.folderPath, name: root.dataset.folderName };
// In a folder shared read-only, nothing here may change: the page hides those controls, and these stay quiet too.
const canWrite = root.dataset.access !== 'read';
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const quote = (name) => `“${name}”`;

// ---- rows and selection ---------------------------------------------------------------------

const items = () => [...rows.querySelectorAll('tr.item')];
const selected = () => items().filter((row) => row.getAttribute('aria-selected') === 'true');
const info = (row) => ({ id: row.dataset.id, name: row.dataset.name, kind: row.dataset.kind });
let anchor = null; // where a Shift+click or Shift+arrow range starts

function select(row, on) {
  row.setAttribute('aria-selected', String(on));
  row.querySelector('input[type=checkbox]').checked = on;
}

function selectionChanged() {
  const chosen = selected();
  const bar = $('selection-bar');
  bar.hidden = chosen.length === 0;
  root.querySelector('.toolbar').inert = !bar.hidden; // covered by the bar: out of the tab order too
  $('selection-count').textContent = `${chosen.length} selected`;
  bar.querySelector('[data-action=rename]').disabled = chosen.length !== 1;
  bar.querySelector('[data-action=download]').disabled = chosen.some((row) => row.dataset.kind === 'folder');
  const share = bar.querySelector('[data-action=share]'); // only in one's own folders
  if (share) share.disabled = !(chosen.length === 1 && chosen[0].dataset.kind === 'folder');
  const all = $('select-all');
  const count = items().length;
  all.checked = count > 0 && chosen.length === count;
  all.indeterminate = chosen.length > 0 && chosen.length < count;
}

function selectOnly(row) {
  for (const other of items()) select(other, other === row);
  anchor = row;
  selectionChanged();
}

function selectRange(to) {
  const all = items();
  const [a, b] = [all.indexOf(anchor ?? all[0]), all.indexOf(to)].sort((x, y) => x - y);
  all.forEach((row, i) => select(row, i >= a && i <= b));
  selectionChanged();
}

/** Roving focus: one row is in the tab order, the arrows move it. */
function focusRow(row) {
  if (!row) return;
  for (const other of items()) other.tabIndex = other === row ? 0 : -1;
  row.focus();
  row.scrollIntoView({ block: 'nearest' });
}

function ensureTabStop() {
  const all = items();
  if (all.length && !all.some((row) => row.tabIndex === 0)) all[0].tabIndex = 0;
}

function open(row) {
  const link = row.querySelector('a');
  if (row.dataset.kind === 'folder') window.location.assign(link.href);
  else preview(row);
}

rows.addEventListener('click', (event) => {
  const row = event.target.closest('tr.item');
  if (!row) return;
  if (event.target.matches('input[type=checkbox]')) {
    select(row, event.target.checked);
    anchor = row;
    selectionChanged();
    return;
  }
  if (event.target.closest('a')) {
    // The name opens the folder, or previews the file; a modified click (new tab...) and the
    // Download action's scripted click keep the link's own behaviour, a download.
    const plain = event.isTrusted && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey;
    if (plain && row.dataset.kind === 'file') {
      event.preventDefault();
      preview(row);
    }
    return;
  }
  if (event.shiftKey) selectRange(row);
  else if (event.ctrlKey || event.metaKey) {
    select(row, row.getAttribute('aria-selected') !== 'true');
    anchor = row;
    selectionChanged();
  } else selectOnly(row);
  focusRow(row);
});

rows.addEventListener('dblclick', (event) => {
  const row = event.target.closest('tr.item');
  if (row && !event.target.closest('a, input')) open(row);
});

$('select-all').addEventListener('change', (event) => {
  for (const row of items()) select(row, event.target.checked);
  selectionChanged();
});

listing.addEventListener('keydown', (event) => {
  const row = event.target.closest?.('tr.item');
  if (!row) return;
  const all = items();
  const index = all.indexOf(row);
  const move = (to) => {
    event.preventDefault();
    if (!to) return;
    if (event.shiftKey) selectRange(to);
    else if (!event.ctrlKey && !event.metaKey) selectOnly(to);
    focusRow(to);
  };
  switch (event.key) {
    case 'ArrowDown': return move(all[index + 1]);
    case 'ArrowUp': return move(all[index - 1]);
    case 'Home': return move(all[0]);
    case 'End': return move(all[all.length - 1]);
    case ' ':
      event.preventDefault();
      select(row, row.getAttribute('aria-selected') !== 'true');
      anchor = row;
      return selectionChanged();
    case 'Enter': event.preventDefault(); return open(row);
    case 'Delete': if (!canWrite) return undefined; event.preventDefault(); if (!selected().length) selectOnly(row); return remove();
    case 'F2': if (!canWrite) return undefined; event.preventDefault(); selectOnly(row); return rename();
    case 'Escape': for (const r of all) select(r, false); return selectionChanged();
    case 'a':
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        for (const r of all) select(r, true);
        selectionChanged();
      }
      return undefined;
    default: return undefined;
  }
});

const sessionEnded = () => new ApiError(401, { title: 'Your session has ended.', detail: 'Reload the page to sign in again.' });

// ---- loading pages of rows --------------------------------------------------------------------

async function fetchRows(url) {
  const response = await fetch(url, { credentials: 'same-origin', redirect: 'manual' });
  if (response.type === 'opaqueredirect' || response.status === 401) throw sessionEnded();
  if (!response.ok) throw new ApiError(response.status, { title: 'The folder could not be loaded.', detail: 'Reload the page.' });
  const holder = document.createElement('tbody');
  holder.innerHTML = await response.text();
  localizeTimes(holder);
  return [...holder.children];
}

/**
 * Reloads the listing (as many pages as were loaded, so a reader deep in a big folder stays
 * there), keeping the selection and focus where the items still exist. A refresh that a newer
 * one overtook is dropped.
 */
let generation = 0;
async function refresh({ focusId } = {}) {
  const mine = ++generation;
  const keep = new Set(selected().map((row) => row.dataset.id));
  const focused = document.activeElement?.closest?.('tr.item')?.dataset.id;
  const wanted = items().length;
  const scrolled = window.scrollY;
  const [first] = await Promise.all([fetchRows(root.dataset.rows), updateStorage()]);
  const fresh = [...first];
  for (let next = fresh.at(-1); next?.matches('tr.more') && fresh.length - 1 < wanted; next = fresh.at(-1)) {
    fresh.pop();
    fresh.push(...await fetchRows(next.dataset.next));
  }
  if (mine !== generation) return;
  rows.replaceChildren(...fresh);
  anchor = null;
  window.scrollTo({ top: scrolled });
  for (const row of items()) select(row, keep.has(row.dataset.id));
  selectionChanged();
  watchForMore();
  ensureTabStop();
  const target = focusId ?? focused;
  const row = target && $(`item-${target}`);
  if (row) {
    if (focusId) selectOnly(row);
    focusRow(row);
  }
}

/** The "used" line under the list, after anything that changes what is stored. */
async function updateStorage() {
  try {
    const me = await api('GET', '/me');
    $('storage-text').textContent = `${formatSize(me.usedBytes)}${me.quotaBytes ? ` of ${formatSize(me.quotaBytes)}` : ''} used`;
    document.querySelector('#storage meter')?.setAttribute('value', me.usedBytes);
  } catch { /* the list refresh reports problems */ }
}

/** Coalesces a burst of changes (many small uploads landing) into one refresh. */
let refreshTimer = 0;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => refresh().catch(toastError), 250);
}

const more = new IntersectionObserver(async (entries) => {
  for (const e of entries) {
    if (!e.isIntersecting || e.target.dataset.loading) continue;
    e.target.dataset.loading = 'true';
    more.unobserve(e.target);
    try {
      e.target.replaceWith(...await fetchRows(e.target.dataset.next));
      watchForMore();
    } catch (error) {
      e.target.querySelector('td').textContent = error.message;
    }
  }
}, { rootMargin: '600px' });

function watchForMore() {
  const next = rows.querySelector('tr.more');
  if (next) more.observe(next);
}

// ---- dialogs ------------------------------------------------------------------------------------

/** Opens a <dialog> and resolves with the returnValue of the button that closed it ('' when dismissed). */
function ask(dialog) {
  return new Promise((resolve) => {
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true });
    dialog.showModal();
  });
}

for (const dialog of document.querySelectorAll('dialog')) {
  for (const button of dialog.querySelectorAll('[data-close]')) button.addEventListener('click', () => dialog.close(''));
}

/** The name dialog: asks for a name, runs the action with it, and stays open showing the error if it fails. */
function askName({ title, label, submit, value = '', action }) {
  const dialog = $('name-dialog');
  const input = $('name-input');
  const error = $('name-error');
  $('name-dialog-title').textContent = title;
  $('name-label').textContent = label;
  $('name-submit').textContent = submit;
  input.value = value;
  error.hidden = true;
  input.removeAttribute('aria-invalid');
  const form = dialog.querySelector('form');
  const submitButton = $('name-submit');
  const onSubmit = async (event) => {
    event.preventDefault();
    if (submitButton.disabled) return; // a second Enter while the first is on its way
    submitButton.disabled = true;
    let done;
    try {
      done = await action(input.value);
    } catch (failure) {
      submitButton.disabled = false;
      toastError(failure);
      error.textContent = failure.text ?? failure.message;
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', 'name-error');
      input.focus();
      return;
    }
    submitButton.disabled = false;
    dialog.close('ok');
    await done?.().catch(toastError); // after closing: the list can take focus, and its failure is not the action's
  };
  form.addEventListener('submit', onSubmit);
  dialog.addEventListener('close', () => form.removeEventListener('submit', onSubmit), { once: true });
  dialog.showModal();
  const dot = value.lastIndexOf('.');
  input.setSelectionRange(0, dot > 0 ? dot : value.length); // the name, not its extension
}

// ---- actions --------------------------------------------------------------------------------------

function newFolder() {
  askName({
    title: 'New folder', label: 'Folder name', submit: 'Create',
    action: async (name) => {
      const folder = await api('POST', `/items/${here.id}/folders`, { name });
      toast(`Folder ${quote(folder.name)} created.`);
      return () => refresh({ focusId: folder.id });
    },
  });
}

function rename() {
  const [row] = selected();
  if (!row) return;
  const item = info(row);
  askName({
    title: `Rename ${item.kind}`, label: 'New name', submit: 'Rename', value: item.name,
    action: async (name) => {
      if (name === item.name) return undefined;
      const renamed = await api('PATCH', `/items/${item.id}`, { name });
      toast(`Renamed to ${quote(renamed.name)}.`);
      return () => refresh({ focusId: item.id });
    },
  });
}

async function remove() {
  const chosen = selected().map(info);
  if (!chosen.length) return;
  const folders = chosen.filter((i) => i.kind === 'folder').length;
  $('confirm-title').textContent = chosen.length === 1 ? `Delete ${quote(chosen[0].name)}?` : `Delete ${chosen.length} items?`;
  $('confirm-text').textContent = (folders ? 'Folders go with everything in them. ' : '')
    + (document.getElementById('files').dataset.access === 'owner' ? 'You can restore them from the trash.' : 'Their owner can restore them from the trash.');
  if (await ask($('confirm-dialog')) !== 'ok') return;
  await runOnEach(chosen, (item) => api('DELETE', `/items/${item.id}`), (n) => `Moved ${chosen.length === 1 ? quote(chosen[0].name) : plural(n, 'item')} to the trash.`);
}

/** Runs an action on each item, then one toast for the successes and one per failure, then a refresh. */
async function runOnEach(chosen, action, success) {
  let ok = 0;
  for (const item of chosen) {
    try {
      await action(item);
      ok++;
    } catch (error) {
      toast(`${quote(item.name)}: ${error.text ?? error.message}`, 'error');
    }
  }
  if (ok) toast(success(ok));
  await refresh().catch(toastError);
  (items().find((row) => row.tabIndex === 0) ?? listing).focus();
}

async function moveTo(chosen, destination) {
  await runOnEach(chosen, (item) => api('PATCH', `/items/${item.id}`, { parentId: destination.id }),
    (n) => `Moved ${chosen.length === 1 ? quote(chosen[0].name) : plural(n, 'item')} to ${quote(destination.name)}.`);
}

/** Files download one by one (the button is off while a folder is selected: folder downloads come with zip support). */
function download() {
  for (const row of selected()) row.querySelector('a').click();
}

// The move dialog is a small folder browser: open folders by clicking, choose with "Move here".
async function move() {
  const chosen = selected().map(info);
  if (!chosen.length) return;
  const dialog = $('move-dialog');
  const excluded = new Set(chosen.filter((i) => i.kind === 'folder').map((i) => i.id));
  const trail = [{ id: root.dataset.topId, name: root.dataset.topName }]; // a grantee moves within the shared folder
  const list = $('move-folders');
  let showing = 0;
  const show = async () => {
    const mine = ++showing; // a quicker click elsewhere makes this one stale
    const current = trail[trail.length - 1];
    const crumbs = $('move-crumbs');
    crumbs.replaceChildren(...trail.map((step, i) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.textContent = step.name;
      if (i === trail.length - 1) button.setAttribute('aria-current', 'location');
      button.addEventListener('click', () => { trail.length = i + 1; show(); });
      li.append(button);
      return li;
    }));
    $('move-submit').textContent = `Move to ${current.name}`;
    list.replaceChildren();
    try {
      let cursor = null;
      do {
        const page = await api('GET', `/items/${current.id}/children?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        if (mine !== showing) return;
        const folders = page.items.filter((i) => i.kind === 'folder');
        for (const folder of folders) {
          const li = document.createElement('li');
          const button = document.createElement('button');
          button.type = 'button';
          button.className = 'picker-item';
          button.innerHTML = '<svg class="icon kind-folder" aria-hidden="true"><use href="#i-folder"/></svg><span></span>';
          button.querySelector('span').textContent = folder.name;
          button.disabled = excluded.has(folder.id);
          button.addEventListener('click', () => { trail.push({ id: folder.id, name: folder.name }); show(); });
          li.append(button);
          list.append(li);
        }
        cursor = folders.length === page.items.length ? page.nextCursor : null; // folders come first
      } while (cursor);
      if (!list.children.length) list.innerHTML = '<li class="muted">No folders here.</li>';
      list.querySelector('button:not(:disabled)')?.focus();
    } catch (error) {
      toastError(error);
    }
  };
  const shown = show();
  const answer = await ask(dialog);
  await shown;
  if (answer !== 'ok') return;
  await moveTo(chosen, trail[trail.length - 1]);
}

function clearSelection() {
  for (const r of items()) select(r, false);
  selectionChanged();
  (items().find((row) => row.tabIndex === 0) ?? listing).focus(); // the bar and its button are gone
}

function share() {
  const [row] = selected();
  if (row?.dataset.kind === 'folder') openShareDialog(info(row));
}

const actions = { clear: clearSelection, download, rename, move, delete: remove, share };
$('selection-bar').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (button) actions[button.dataset.action]();
});
$('new-folder-button').addEventListener('click', newFolder);
$('share-people-button')?.addEventListener('click', () => openShareDialog({ id: here.id, name: here.name }));

// ---- uploads ---------------------------------------------------------------------------------------

const uploader = new Uploader({
  askConflict: async (name, folderPath) => {
    $('conflict-title').textContent = `${quote(name)} already exists`;
    $('conflict-text').textContent = `There is already an item named ${quote(name)} in ${folderPath === '/' ? 'My files' : folderPath}. Replace it, keep both (the new one gets a number), or skip this file?`;
    $('conflict-all').checked = false;
    const choice = await ask($('conflict-dialog'));
    return { choice: choice || 'skip', all: $('conflict-all').checked };
  },
  onUploaded: () => refreshSoon(),
  onFinished: () => refresh().catch(toastError),
});

$('upload-files-button').addEventListener('click', () => $('file-input').click());
$('upload-folder-button').addEventListener('click', () => $('folder-input').click());
for (const input of [$('file-input'), $('folder-input')]) {
  input.addEventListener('change', () => {
    uploader.add(here, entriesFromInput(input));
    input.value = '';
  });
}

// Dragging: files from the computer upload (onto the page, or onto a folder row); rows dragged
// onto a folder row or a breadcrumb move there.
const itemsType = 'application/x-coffer-items';
const overlay = $('drop-overlay');
let dragDepth = 0;
const isFiles = (event) => event.dataTransfer?.types.includes('Files');
const folderTargetOf = (event) => {
  const row = event.target.closest?.('tr.item[data-kind=folder]');
  if (row) return { id: row.dataset.id, name: row.dataset.name, element: row };
  const crumb = event.target.closest?.('[data-folder-target]');
  return crumb ? { id: crumb.dataset.folderTarget, name: crumb.textContent, element: crumb } : null;
};
const highlight = (element) => {
  for (const other of document.querySelectorAll('.drop-target')) if (other !== element) other.classList.remove('drop-target');
  element?.classList.add('drop-target');
};

rows.addEventListener('dragstart', (event) => {
  const row = event.target.closest('tr.item');
  if (!row || !canWrite) return;
  if (row.getAttribute('aria-selected') !== 'true') selectOnly(row);
  event.dataTransfer.setData(itemsType, JSON.stringify(selected().map(info)));
  event.dataTransfer.effectAllowed = 'move';
});

document.addEventListener('dragenter', (event) => {
  if (!canWrite) return;
  // Accepting dragenter makes the element under the pointer the drop target (else it is <body>).
  if (!isFiles(event)) {
    if (event.dataTransfer?.types.includes(itemsType) && folderTargetOf(event)) event.preventDefault();
    return;
  }
  event.preventDefault();
  dragDepth++;
  overlay.hidden = false;
});
document.addEventListener('dragleave', (event) => {
  if (!isFiles(event)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) { overlay.hidden = true; highlight(null); }
});
document.addEventListener('dragover', (event) => {
  if (!canWrite) {
    if (isFiles(event)) { event.preventDefault(); event.dataTransfer.dropEffect = 'none'; } // not "open the file instead"
    return;
  }
  const target = folderTargetOf(event);
  if (isFiles(event)) {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    highlight(target?.element);
    $('drop-target-name').textContent = target?.name ?? here.name;
  } else if (event.dataTransfer?.types.includes(itemsType) && target) {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    highlight(target.element);
  } else highlight(null);
});
document.addEventListener('drop', async (event) => {
  const target = folderTargetOf(event);
  dragDepth = 0;
  overlay.hidden = true;
  highlight(null);
  if (isFiles(event)) {
    event.preventDefault();
    const destination = target ? { id: target.id, name: target.name, path: null } : here;
    const dropped = entriesFromDrop(event.dataTransfer); // now: the browser empties the DataTransfer once this handler yields
    try {
      if (target) destination.path = target.id === 'root' ? '/' : (await api('GET', `/items/${target.id}`)).path;
      const { files, folders } = await dropped;
      await uploader.add(destination, files, folders);
    } catch (error) {
      toastError(error);
    }
    return;
  }
  const dragged = event.dataTransfer?.getData(itemsType);
  if (dragged && target) {
    event.preventDefault();
    const chosen = JSON.parse(dragged).filter((item) => item.id !== target.id);
    if (chosen.length) await moveTo(chosen, target);
  }
});

ensureTabStop();
watchForMore();
selectionChanged();
root.dataset.ready = 'true'; // every handler is attached (browser tests wait for this before acting)
