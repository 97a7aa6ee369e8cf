// Uploads: files and whole folder trees, streamed one request per file straight to the REST API
// (XMLHttpRequest, for its upload progress events), a few at a time, with per-file and overall
// progress, speed, time left, cancel, and a replace / keep both / skip choice on a name conflict.
// Where the server offers direct uploads (an S3 store, files not encrypted by the server), the
// bytes go straight to the bucket instead, in parts through URLs the server signs.
import { ApiError, api, apiResponse, headersForUpload } from './api.js';
import { toast, toastError } from './toast.js';

const parallel = 3;
const parallelParts = 3;
const directUploads = () => document.getElementById('files')?.dataset.directUploads === 'true';
const $ = (id) => document.getElementById(id);

/** Human size, the way the server renders it. */
export function formatSize(bytes) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${units[unit]}`;
}

function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

const joinPath = (base, parts) => (base === '/' ? '' : base) + parts.map((p) => `/${p}`).join('') || '/';

// ---- collecting what was dropped or chosen -------------------------------------------------

/** A file to upload and the folders (relative to the drop target) it goes in. */
const entry = (file, dirs) => ({ file, dirs });

/** From an <input type=file>: plain files, or a folder's files whose webkitRelativePath holds the tree. */
export function entriesFromInput(input) {
  return [...input.files].map((file) => {
    const parts = (file.webkitRelativePath || file.name).split('/');
    return entry(file, parts.slice(0, -1));
  });
}

const readEntries = (reader) => new Promise((resolve, reject) => reader.readEntries(resolve, reject));
const fileOf = (fileEntry) => new Promise((resolve, reject) => fileEntry.file(resolve, reject));

/** From a drop: files, and folders walked recursively (empty folders are kept, as folders). */
export async function entriesFromDrop(dataTransfer) {
  const roots = [...dataTransfer.items].filter((i) => i.kind === 'file').map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  if (roots.length === 0) return { files: [...dataTransfer.files].map((f) => entry(f, [])), folders: [] };
  const files = [];
  const folders = [];
  const walk = async (item, dirs) => {
    if (item.isFile) {
      files.push(entry(await fileOf(item), dirs));
      return;
    }
    const path = [...dirs, item.name];
    folders.push(path);
    const reader = item.createReader();
    for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
      for (const child of batch) await walk(child, path);
    }
  };
  for (const root of roots) await walk(root, []);
  return { files, folders };
}

// ---- the upload panel ----------------------------------------------------------------------

class Panel {
  constructor() {
    this.section = $('uploads');
    this.list = $('upload-list');
    this.overall = $('uploads-overall');
    this.stats = $('uploads-stats');
    this.title = $('uploads-title');
    $('uploads-close').addEventListener('click', () => { this.section.hidden = true; });
  }

  show() { this.section.hidden = false; }

  add(task) {
    const li = document.createElement('li');
    li.className = 'upload';
    li.innerHTML = `<div class="upload-name"></div>
      <progress max="100" value="0"></progress>
      <div class="upload-status" aria-live="off"></div>
      <button type="button" class="button ghost icon-only cancel"><svg class="icon" aria-hidden="true"><use href="#i-x"/></svg></button>`;
    const label = task.dirs.length ? `${task.dirs.join('/')}/${task.file.name}` : task.file.name;
    li.querySelector('.upload-name').textContent = label;
    li.querySelector('progress').setAttribute('aria-label', label);
    const cancel = li.querySelector('.cancel');
    cancel.setAttribute('aria-label', `Cancel upload of ${label}`);
    cancel.addEventListener('click', () => task.cancel());
    this.list.append(li);
    task.view = li;
  }
}

// ---- one batch: the files of one drop or one choice -----------------------------------------

class Upload {
  /** @param batch the Uploader this file belongs to */
  constructor(batch, file, dirs) {
    Object.assign(this, { batch, file, dirs, loaded: 0, state: 'queued', xhrs: new Set() });
  }

  get total() { return this.file.size; }

  set status(text) { this.view.querySelector('.upload-status').textContent = text; }

  finish(state, text) {
    this.state = state;
    this.view.dataset.state = state;
    this.status = text;
    const cancel = this.view.querySelector('.cancel');
    if (document.activeElement === cancel) this.batch.panel.section.focus();
    cancel.hidden = true;
    const progress = this.view.querySelector('progress');
    if (state === 'done') {
      progress.value = 100;
      this.batch.onUploaded?.();
    }
    this.batch.changed();
  }

  get finished() { return ['done', 'failed', 'skipped', 'cancelled'].includes(this.state); }

  /** Stops the upload wherever it is: waiting, checking the name, asking, or sending. */
  cancel() {
    if (this.state === 'sending') {
      this.aborted = true;
      for (const xhr of this.xhrs) xhr.abort();
    }
    else if (!this.finished) this.finish('cancelled', 'Cancelled');
  }

  progress(loaded) {
    this.loaded = loaded;
    this.view.querySelector('progress').value = this.total ? (100 * loaded) / this.total : 100;
    this.status = `${formatSize(loaded)} of ${formatSize(this.total)}`;
    this.batch.changed();
  }

  /** Sends the bytes; resolves with the HTTP status and problem (if any), or status -1 when cancelled. */
  send(folderId, conflict) {
    this.aborted = false;
    this.state = 'sending';
    this.view.dataset.state = 'sending';
    this.status = 'Starting…';
    if (directUploads() && this.file.size > 0) return this.sendDirect(folderId, conflict);
    const query = new URLSearchParams({ name: this.file.name, conflict });
    return this.put(`/api/v1/items/${folderId}/content?${query}`, this.file, {
      ...headersForUpload(), 'Content-Type': 'application/octet-stream', Accept: 'application/json',
    }, (loaded) => this.progress(loaded));
  }

  /** One PUT with upload progress; resolves with its status, problem document and ETag. */
  put(url, body, headers, onProgress) {
    return new Promise((resolve) => {
      if (this.aborted) { resolve({ status: -1 }); return; }
      const xhr = new XMLHttpRequest();
      this.xhrs.add(xhr);
      xhr.open('PUT', url);
      for (const [key, value] of Object.entries(headers)) xhr.setRequestHeader(key, value);
      xhr.upload.addEventListener('progress', (e) => onProgress(e.loaded));
      xhr.addEventListener('loadend', () => this.xhrs.delete(xhr));
      xhr.addEventListener('load', () => {
        let problem = null;
        try { problem = JSON.parse(xhr.responseText); } catch { /* no body, or the store's XML */ }
        resolve({ status: xhr.status, problem, etag: xhr.getResponseHeader('ETag') });
      });
      xhr.addEventListener('error', () => resolve({ status: 0, problem: { title: 'The connection was lost.', detail: 'Check your connection and try again.' } }));
      xhr.addEventListener('abort', () => resolve({ status: -1 }));
      xhr.send(body);
    });
  }

  /**
   * Straight to the object store: the server hands out a URL per part, the parts go a few at a
   * time, then the server checks what arrived and files it. Anything else aborts the upload.
   */
  async sendDirect(folderId, conflict) {
    let ticket;
    try {
      ticket = await api('POST', `/items/${folderId}/uploads`, { name: this.file.name, size: this.file.size, conflict });
    } catch (error) {
      return { status: error.status ?? 0, problem: { title: error.message, detail: error.detail } };
    }
    const loaded = new Map();
    const report = () => this.progress([...loaded.values()].reduce((a, b) => a + b, 0));
    const parts = [];
    let failure = null;
    let next = 0;
    const worker = async () => {
      while (!failure && next < ticket.parts.length) {
        const index = next++;
        const start = index * ticket.partSize;
        const body = this.file.slice(start, Math.min(start + ticket.partSize, this.file.size));
        const result = await this.put(ticket.parts[index].url, body, {}, (n) => { loaded.set(index, n); report(); });
        if (result.status !== 200 || !result.etag) {
          failure ??= result.status === -1 ? result : {
            status: result.status || 0,
            problem: { title: 'The file could not be sent to storage.', detail: result.etag === null && result.status === 200
              ? 'The storage bucket does not expose the ETag header to this site: see the README on the bucket’s CORS.'
              : 'Check your connection and try again.' },
          };
          for (const xhr of this.xhrs) xhr.abort();
          return;
        }
        loaded.set(index, body.size);
        report();
        parts.push({ number: index + 1, etag: result.etag });
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallelParts, ticket.parts.length) }, worker));
    const base = `/items/${folderId}/uploads/${ticket.id}`;
    if (failure || this.aborted) {
      api('DELETE', base).catch(() => {}); // the server's sweeper gets it otherwise
      return this.aborted ? { status: -1 } : failure;
    }
    this.status = 'Checking…';
    try {
      const response = await apiResponse('POST', `${base}/complete`, { parts });
      return { status: response.status, problem: null };
    } catch (error) {
      return { status: error.status ?? 0, problem: { title: error.message, detail: error.detail } };
    }
  }
}

export class Uploader {
  /**
   * @param askConflict (name, folderPath) → Promise<{choice: 'replace'|'rename'|'skip', all}> for name conflicts
   * @param onUploaded called as each file lands; onFinished when the queue is empty
   */
  constructor({ askConflict, onUploaded, onFinished }) {
    this.panel = new Panel();
    this.askConflict = askConflict;
    this.onUploaded = onUploaded;
    this.onFinished = onFinished;
    this.tasks = [];
    this.running = 0;
    this.folderIds = new Map(); // "/a/b" → id, for folder trees
    this.conflictChoice = null; // a choice applied to every conflict, when the user said so
    this.asking = Promise.resolve();
    this.samples = [];
    window.addEventListener('beforeunload', (e) => { if (this.active) e.preventDefault(); });
  }

  get active() { return this.tasks.some((t) => !t.finished); }

  /**
   * Queues files (each with the folders it goes in, relative to the target) and creates the
   * folders listed (so empty ones exist too).
   */
  async add(target, files, folders = []) {
    if (files.length === 0 && folders.length === 0) return;
    if (!this.active) this.reset();
    this.panel.show();
    for (const path of folders) {
      try {
        await this.folderFor(target, path);
      } catch (error) {
        toastError(error);
      }
    }
    if (files.length === 0) { // only empty folders were dropped
      toast(`Created ${folders.length === 1 ? 'a folder' : `${folders.length} folders`}.`);
      this.folderIds.clear();
      this.onFinished?.();
      return;
    }
    for (const { file, dirs } of files) {
      const task = new Upload(this, file, dirs);
      task.target = target;
      this.panel.add(task);
      this.tasks.push(task);
    }
    this.changed();
    this.pump();
  }

  reset() {
    this.tasks = [];
    this.panel.list.replaceChildren();
    this.conflictChoice = null;
    this.samples = [];
    this.reported = false;
  }

  pump() {
    while (this.running < parallel) {
      const next = this.tasks.find((t) => t.state === 'queued');
      if (!next) break;
      this.running++;
      next.state = 'preparing';
      this.run(next).finally(() => {
        this.running--;
        this.pump();
        if (!this.active && this.running === 0) this.done();
      });
    }
  }

  /** The id of the folder at target + dirs, creating what is missing (an existing folder is used as is). */
  async folderFor(target, dirs) {
    let id = target.id;
    for (let depth = 1; depth <= dirs.length; depth++) {
      const path = joinPath(target.path, dirs.slice(0, depth));
      if (this.folderIds.has(path)) { id = await this.folderIds.get(path); continue; }
      const parentId = id;
      const name = dirs[depth - 1];
      const made = api('POST', `/items/${parentId}/folders`, { name }).then((f) => f.id, async (error) => {
        if (!(error instanceof ApiError) || error.status !== 409) throw error;
        const existing = await api('GET', `/items/by-path?path=${encodeURIComponent(path)}`);
        if (existing.kind !== 'folder') throw new ApiError(409, { title: `“${name}” is a file, not a folder.`, detail: `Its contents were not uploaded to ${path}.` });
        return existing.id;
      });
      this.folderIds.set(path, made);
      try {
        id = await made;
      } catch (error) {
        this.folderIds.delete(path);
        throw error;
      }
    }
    return id;
  }

  async exists(target, dirs, name) {
    try {
      await api('GET', `/items/by-path?path=${encodeURIComponent(joinPath(target.path, [...dirs, name]))}`);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return false;
      throw error;
    }
  }

  /** Asks one question at a time, however many uploads run at once. */
  choose(name, folderPath) {
    const answer = this.asking.then(async () => {
      if (this.conflictChoice) return this.conflictChoice;
      const { choice, all } = await this.askConflict(name, folderPath);
      if (all) this.conflictChoice = choice;
      return choice;
    });
    this.asking = answer.catch(() => {});
    return answer;
  }

  async run(task) {
    const gone = () => task.state === 'cancelled'; // cancelled while its folder, name or choice was awaited
    try {
      const folderId = await this.folderFor(task.target, task.dirs);
      const folderPath = joinPath(task.target.path, task.dirs);
      let conflict = 'fail';
      const exists = !gone() && await this.exists(task.target, task.dirs, task.file.name);
      if (exists && !gone()) {
        task.status = 'Waiting for your choice…';
        conflict = await this.choose(task.file.name, folderPath);
      }
      for (;;) {
        if (gone()) return undefined;
        if (conflict === 'skip') return task.finish('skipped', 'Skipped');
        const { status, problem } = await task.send(folderId, conflict);
        if (status === -1) return task.finish('cancelled', 'Cancelled');
        if (status === 200 || status === 201) return task.finish('done', status === 200 ? 'Replaced' : 'Uploaded');
        if (status === 409 && conflict === 'fail') {
          task.progress(0);
          task.state = 'preparing';
          conflict = await this.choose(task.file.name, folderPath); // created meanwhile by someone else
          continue;
        }
        const error = new ApiError(status, problem);
        toast(`Could not upload “${task.file.name}”: ${error.text}`, 'error');
        return task.finish('failed', error.message);
      }
    } catch (error) {
      if (task.state === 'cancelled') return undefined;
      toast(`Could not upload “${task.file.name}”: ${error.text ?? error.message}`, 'error');
      return task.finish('failed', error.message);
    }
  }

  /** Redraws the overall bar and the numbers: bytes, files, speed (over the last few seconds), time left. */
  changed() {
    const counted = this.tasks.filter((t) => t.state !== 'skipped' && t.state !== 'cancelled');
    const total = counted.reduce((sum, t) => sum + t.total, 0);
    const loaded = counted.reduce((sum, t) => sum + (t.state === 'done' ? t.total : t.loaded), 0);
    const done = this.tasks.filter((t) => t.state === 'done').length;
    const now = performance.now();
    this.samples.push({ now, loaded });
    while (this.samples.length > 2 && now - this.samples[0].now > 5000) this.samples.shift();
    const first = this.samples[0];
    const seconds = (now - first.now) / 1000;
    const speed = seconds > 0.3 ? (loaded - first.loaded) / seconds : 0;
    const percent = total ? Math.floor((100 * loaded) / total) : (this.active ? 0 : 100);
    this.panel.overall.value = percent;
    this.panel.overall.setAttribute('aria-valuetext', `${percent}%`);
    const parts = [`${done} of ${this.tasks.length} files`, `${formatSize(loaded)} of ${formatSize(total)}`, `${percent}%`];
    if (this.active && speed > 0) parts.push(`${formatSize(speed)}/s`, `${formatDuration((total - loaded) / speed)} left`);
    this.panel.stats.textContent = parts.join(' · ');
    this.panel.title.textContent = this.active ? `Uploading ${this.tasks.length - done} of ${this.tasks.length}` : 'Uploads';
    $('uploads-close').hidden = this.active; // while uploading, the panel is where they are cancelled
  }

  done() {
    if (this.reported) return;
    this.reported = true;
    const count = (state) => this.tasks.filter((t) => t.state === state).length;
    const uploaded = count('done');
    const failed = count('failed');
    this.changed();
    this.panel.title.textContent = failed ? `${failed} upload${failed === 1 ? '' : 's'} failed` : 'Uploads complete';
    if (uploaded) toast(`Uploaded ${uploaded} file${uploaded === 1 ? '' : 's'}.`);
    this.folderIds.clear();
    this.onFinished?.();
  }
}
