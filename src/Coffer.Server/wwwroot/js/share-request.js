// A file request's page: drop or choose files; each is sent with PUT to the request's upload
// address, with a progress bar. Nothing about the folder's existing content is ever shown.
import { antiforgeryHeader } from './api.js';
import { formatSize } from './upload.js';

const box = document.getElementById('share-request');
const zone = document.getElementById('drop-zone');
const input = document.getElementById('request-files');
const list = document.getElementById('sent-list');
const antiforgery = document.querySelector('meta[name="antiforgery"]')?.content ?? '';
const maxBytes = Number(box.dataset.maxFileBytes) || 0;

function row(file) {
  const li = document.createElement('li');
  const name = document.createElement('span');
  name.textContent = `${file.name} (${formatSize(file.size)})`;
  const status = document.createElement('span');
  status.textContent = 'Waiting…';
  const bar = document.createElement('progress');
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute('aria-label', `Sending ${file.name}`);
  li.append(name, status, bar);
  list.append(li);
  return { li, status, bar };
}

function send(file, view) {
  return new Promise((resolve) => {
    if (maxBytes && file.size > maxBytes) {
      view.status.textContent = `Too large (the limit is ${formatSize(maxBytes)})`;
      view.status.className = 'failed';
      view.bar.remove();
      resolve(false);
      return;
    }
    const request = new XMLHttpRequest();
    request.open('PUT', `${box.dataset.uploadUrl}?name=${encodeURIComponent(file.name)}`);
    request.setRequestHeader(antiforgeryHeader, antiforgery);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) view.bar.value = Math.round((event.loaded / event.total) * 100);
      view.status.textContent = 'Sending…';
    });
    request.addEventListener('load', () => {
      const ok = request.status === 201;
      let problem = null;
      try { problem = ok ? null : JSON.parse(request.responseText); } catch { /* the status says enough */ }
      view.status.textContent = ok ? 'Sent' : (problem?.title ?? `Failed (${request.status})`);
      view.status.className = ok ? 'ok' : 'failed';
      view.bar.remove();
      resolve(ok);
    });
    request.addEventListener('error', () => {
      view.status.textContent = 'Failed: the server could not be reached.';
      view.status.className = 'failed';
      view.bar.remove();
      resolve(false);
    });
    request.send(file);
  });
}

/** One at a time, so a limited request fills in the order the visitor chose. */
async function sendAll(files) {
  const views = files.map((file) => [file, row(file)]);
  for (const [file, view] of views) await send(file, view);
}

document.getElementById('choose-files').addEventListener('click', () => input.click());
input.addEventListener('change', () => {
  sendAll([...input.files]);
  input.value = '';
});
zone.addEventListener('dragover', (event) => {
  if (!event.dataTransfer?.types.includes('Files')) return;
  event.preventDefault();
  zone.classList.add('over');
});
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
zone.addEventListener('drop', (event) => {
  event.preventDefault();
  zone.classList.remove('over');
  sendAll([...event.dataTransfer.files]);
});
box.dataset.ready = 'true';
