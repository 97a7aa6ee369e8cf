// The files page's "Share link" action: one selected file or folder, a dialog for the link's options
// (for a folder, a file request instead), then the new address with a Copy button.
import { api } from './api.js';
import { toast, toastError } from './toast.js';

const $ = (id) => document.getElementById(id);
const dialog = $('share-dialog');
const form = $('share-form');
const number = (id) => ($(id).value.trim() === '' ? undefined : Number($(id).value));

function selectedItems() {
  return [...document.querySelectorAll('#rows tr.item[aria-selected="true"]')]
    .map((row) => ({ id: row.dataset.id, name: row.dataset.name, kind: row.dataset.kind }));
}

function kind() {
  return form.querySelector('input[name="kind"]:checked').value;
}

function showKind() {
  const request = kind() === 'request';
  $('share-link-fields').hidden = request;
  $('share-request-fields').hidden = !request;
  $('share-submit').textContent = request ? 'Create file request' : 'Create link';
}

let item = null;

function open() {
  const chosen = selectedItems();
  if (chosen.length !== 1) {
    toast('Select one file or folder to share.', 'error');
    return;
  }
  [item] = chosen;
  form.reset();
  $('share-title').textContent = `Share “${item.name}”`;
  $('share-kind').hidden = item.kind !== 'folder';
  $('share-error').hidden = true;
  $('share-result').hidden = true;
  $('share-submit').hidden = false;
  $('share-close').textContent = 'Cancel';
  for (const input of form.querySelectorAll('input:not([type=radio])')) input.disabled = false;
  showKind();
  dialog.showModal();
}

form.addEventListener('change', (event) => { if (event.target.name === 'kind') showKind(); });

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const submit = $('share-submit');
  if (submit.disabled || !item) return;
  const body = { kind: kind(), expiresInDays: number('share-days') };
  const password = $('share-password').value;
  if (password) body.password = password;
  if (body.kind === 'link') body.maxDownloads = number('share-max-downloads');
  else {
    body.maxFiles = number('share-max-files');
    const megabytes = number('share-max-mb');
    if (megabytes !== undefined) body.maxFileBytes = Math.round(megabytes * 1024 * 1024);
  }
  submit.disabled = true;
  try {
    const created = await api('POST', `/items/${item.id}/shares`, body);
    $('share-url').value = created.url;
    $('share-result').hidden = false;
    $('share-error').hidden = true;
    submit.hidden = true;
    $('share-close').textContent = 'Done';
    for (const input of form.querySelectorAll('input:not(#share-url)')) input.disabled = true;
    $('share-url').focus();
    $('share-url').select();
  } catch (error) {
    $('share-error').textContent = error.text ?? error.message;
    $('share-error').hidden = false;
  } finally {
    submit.disabled = false;
  }
});

$('share-copy').addEventListener('click', async () => {
  $('share-url').select();
  try {
    await navigator.clipboard.writeText($('share-url').value);
    toast('Link copied to the clipboard.');
  } catch (error) {
    if (error instanceof Error && error.name !== 'NotAllowedError') toastError(error);
    else toast('Press Ctrl+C (⌘C on a Mac) to copy the selected link.');
  }
});

$('share-link-button')?.addEventListener('click', open); // only in one's own folders
dialog.dataset.ready = 'true';
