// The search box in the files header: asks GET /api/v1/search as the user types (after a short
// pause), lists matches with the folder each lies in, and opens them as the listing does — a
// folder's page, a file's content. Keyboard: ArrowDown enters the results, the arrows move
// between them, Escape goes back to the box (and a second Escape clears it); leaving the search
// hides the results until the box has focus again.
import { api } from './api.js';
import { toastError } from './toast.js';

const $ = (id) => document.getElementById(id);
const form = $('search-form');
const input = $('search-input');
const panel = $('search-panel');
const list = $('search-results');
const status = $('search-status');
const more = $('search-more');
const pageSize = 50;
const pause = 250; // ms after the last keystroke
let timer = 0;
let latest = 0; // answers to older queries are dropped when they arrive late
let next = null; // the cursor of the next page of the current query

const parentPath = (path) => path.slice(0, path.lastIndexOf('/')) || '/';
const folderLabel = (path) => (path === '/' ? 'My files' : `My files${path}`);

function icon(name) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS('http://www.w3.org/2000/svg', 'use');
  use.setAttribute('href', `#i-${name}`);
  svg.append(use);
  return svg;
}

/** One result: a link that opens it, with where it lies under the name. */
function resultRow(item) {
  const folder = item.kind === 'folder';
  const link = document.createElement('a');
  link.className = 'search-hit';
  link.href = folder ? `/files/${item.id}` : `/api/v1/items/${item.id}/content`;
  if (!folder) link.download = item.name;
  const name = document.createElement('span');
  name.className = 'search-name';
  name.textContent = item.name;
  // The link's name is its visible text plus the kind, for screen readers: "a.txt (file) in My files/Docs".
  const kind = document.createElement('span');
  kind.className = 'visually-hidden';
  kind.textContent = folder ? ' (folder)' : ' (file)';
  name.append(kind);
  const where = document.createElement('span');
  where.className = 'search-where';
  where.textContent = `in ${folderLabel(parentPath(item.path))}`;
  const text = document.createElement('span');
  text.className = 'search-text';
  text.append(name, where);
  link.append(icon(folder ? 'folder' : 'file'), text);
  const li = document.createElement('li');
  li.append(link);
  return li;
}

function close() {
  clearTimeout(timer);
  latest++;
  panel.hidden = true;
  list.replaceChildren();
  status.textContent = '';
  next = null;
}

async function run(query, cursor) {
  const ticket = ++latest;
  const params = new URLSearchParams({ q: query, limit: String(pageSize) });
  if (cursor) params.set('cursor', cursor);
  let page;
  try {
    page = await api('GET', `/search?${params}`);
  } catch (error) {
    if (ticket === latest) toastError(error);
    return;
  }
  if (ticket !== latest) return;
  if (!cursor) list.replaceChildren();
  list.append(...page.items.map(resultRow));
  next = page.nextCursor;
  more.hidden = !next;
  const count = list.children.length;
  status.textContent = count === 0 ? `Nothing is called “${query}”.`
    : `${count}${next ? '+' : ''} ${count === 1 ? 'match' : 'matches'} for “${query}”`;
  panel.hidden = false;
}

function schedule() {
  clearTimeout(timer);
  const query = input.value.trim();
  if (!query) {
    close();
    return;
  }
  timer = setTimeout(() => run(query, null), pause);
}

input.addEventListener('input', schedule);

form.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(timer);
  const query = input.value.trim();
  if (query) run(query, null);
});

more.addEventListener('click', () => {
  const query = input.value.trim();
  if (query && next) run(query, next);
});

const links = () => [...list.querySelectorAll('a')];

input.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowDown' && !panel.hidden && links().length > 0) {
    event.preventDefault();
    links()[0].focus();
  } else if (event.key === 'Escape') {
    if (!panel.hidden) close();
    else input.value = '';
  }
});

list.addEventListener('keydown', (event) => {
  const all = links();
  const at = all.indexOf(document.activeElement);
  if (at < 0) return;
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    const to = at + (event.key === 'ArrowDown' ? 1 : -1);
    if (to < 0) input.focus();
    else all[Math.min(to, all.length - 1)].focus();
  } else if (event.key === 'Escape') {
    event.preventDefault();
    close();
    input.focus();
  }
});
// Focus leaving the search hides the results (a click elsewhere on the page); coming back shows them again.
form.addEventListener('focusout', (event) => {
  if (!form.contains(event.relatedTarget)) panel.hidden = true;
});
input.addEventListener('focus', () => {
  if (status.textContent) panel.hidden = false;
});

form.dataset.ready = 'true'; // tests wait for this before typing
