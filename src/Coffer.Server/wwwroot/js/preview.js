// The preview dialog: a file's preview, details and Download button, as the server renders them
// (/files/preview/{id}, the same partial share pages use). For images it is a lightbox that steps
// through the folder's images with ← and →. Esc closes it (the dialog's own behaviour) and focus
// goes back to the file's row.
import { ApiError } from './api.js';
import { localizeTimes } from './app.js';
import { toastError } from './toast.js';

const $ = (id) => document.getElementById(id);
const dialog = $('preview-dialog');
const body = $('preview-body');
const title = $('preview-title');
const previous = $('preview-prev');
const next = $('preview-next');

let current = null; // the row whose file is shown
let generation = 0; // a newer show() makes an older one's answer stale

const images = () => [...document.querySelectorAll('#rows tr.item[data-preview=image]')];

async function load(row) {
  const mine = ++generation;
  const response = await fetch(`/files/preview/${encodeURIComponent(row.dataset.id)}`, { credentials: 'same-origin', redirect: 'manual' });
  if (response.type === 'opaqueredirect' || response.status === 401) {
    throw new ApiError(401, { title: 'Your session has ended.', detail: 'Reload the page to sign in again.' });
  }
  if (!response.ok) throw new ApiError(response.status, { title: 'The preview could not be loaded.', detail: 'The file may have been moved or deleted.' });
  const holder = document.createElement('div');
  holder.innerHTML = await response.text(); // the server's own markup: every name in it is encoded
  if (mine !== generation) return;
  localizeTimes(holder);
  body.replaceChildren(...holder.children);
  body.removeAttribute('aria-busy');
}

function show(row) {
  current = row;
  title.textContent = row.dataset.name;
  const isImage = row.dataset.preview === 'image';
  dialog.classList.toggle('lightbox', isImage);
  const all = isImage ? images() : [];
  const at = all.indexOf(row);
  previous.hidden = next.hidden = all.length < 2;
  previous.disabled = at <= 0;
  next.disabled = at < 0 || at >= all.length - 1;
  body.replaceChildren(); // stops any media still playing
  body.setAttribute('aria-busy', 'true');
  load(row).catch((error) => {
    if (dialog.open) dialog.close();
    toastError(error);
  });
}

function step(by) {
  if (!current || current.dataset.preview !== 'image') return;
  const all = images();
  const to = all[all.indexOf(current) + by];
  if (to) show(to);
}

/** Opens the preview of a file's row. */
export function preview(row) {
  show(row);
  if (!dialog.open) dialog.showModal();
}

previous.addEventListener('click', () => step(-1));
next.addEventListener('click', () => step(1));

dialog.addEventListener('keydown', (event) => {
  if (!dialog.classList.contains('lightbox') || event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.key === 'ArrowLeft') {
    event.preventDefault();
    step(-1);
  } else if (event.key === 'ArrowRight') {
    event.preventDefault();
    step(1);
  }
});

dialog.addEventListener('close', () => {
  generation++;
  body.replaceChildren();
  if (current?.isConnected) {
    for (const row of document.querySelectorAll('#rows tr.item')) row.tabIndex = row === current ? 0 : -1;
    current.focus();
    current.scrollIntoView({ block: 'nearest' });
  }
  current = null;
});
