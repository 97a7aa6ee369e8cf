// The files page's "Share link" action: one selected file or folder, a dialog for the link's options
// (for a folder, a file request instead), then the new address with a Copy button.
import { api } from './api.js';
import { toast, toastError } from './toast.js';

const $ = (id) => document.getElementById(id);
const dialog = $('link-dialog');
const form = $('link-form');
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
  $('link-download-fields').hidden = request;
  $('link-request-fields').hidden = !request;
  $('link-submit').textContent = request ? 'Create file request' : 'Create link';
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
  $('link-title').textContent = `Share “${item.name}”`;
  $('link-kind').hidden = item.kind !== 'folder';
  $('link-error').hidden = true;
  $('link-result').hidden = true;
  $('link-submit').hidden = false;
  $('link-close').textContent = 'Cancel';
  for (const input of form.querySelectorAll('input:not([type=radio])')) input.disabled = false;
  showKind();
  dialog.showModal();
}

form.addEventListener('change', (event) => { if (event.target.name === 'kind') showKind(); });

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const submit = $('link-submit');
  if (submit.disabled || !item) return;
  const body = { kind: kind(), expiresInDays: number('link-days') };
  const password = $('link-password').value;
  if (password) body.password = password;
  if (body.kind === 'link') body.maxDownloads = number('link-max-downloads');
  else {
    body.maxFiles = number('link-max-files');
    const megabytes = number('link-max-mb');
    if (megabytes !== undefined) body.maxFileBytes = Math.round(megabytes * 1024 * 1024);
  }
  submit.disabled = true;
  try {
    const created = await api('POST', `/items/${item.id}/shares`, body);
    $('link-url').value = created.url;
    $('link-result').hidden = false;
    $('link-error').hidden = true;
    submit.hidden = true;
    $('link-close').textContent = 'Done';
    for (const input of form.querySelectorAll('input:not(#link-url)')) input.disabled = true;
    $('link-url').focus();
    $('link-url').select();
  } catch (error) {
    $('link-error').textContent = error.text ?? error.message;
    $('link-error').hidden = false;
  } finally {
    submit.disabled = false;
  }
});

$('link-copy').addEventListener('click', async () => {
  $('link-url').select();
  try {
    await navigator.clipboard.writeText($('link-url').value);
    toast('Link copied to the clipboard.');
  } catch (error) {
    if (error instanceof Error && error.name !== 'NotAllowedError') toastError(error);
    else toast('Press Ctrl+C (⌘C on a Mac) to copy the selected link.');
  }
});

$('share-link-button')?.addEventListener('click', open); // only in one's own folders
dialog.dataset.ready = 'true';
