// The list/grid toggle beside the listing: the grid shows the same rows as tiles, with thumbnails
// for images (loaded lazily as they scroll into view; the type's icon until one is ready). The
// choice is remembered in this browser.
const $ = (id) => document.getElementById(id);
const listing = $('listing');
const rows = $('rows');
const buttons = { list: $('view-list'), grid: $('view-grid') };
const storageKey = 'coffer.view';
const maxTries = 4;
const retryMs = 3000;

const isGrid = () => listing.classList.contains('grid-view');

function addThumbnail(row) {
  if (row.dataset.preview !== 'image' || row.querySelector('img.thumb')) return;
  const image = document.createElement('img');
  image.className = 'thumb';
  image.alt = '';
  image.loading = 'lazy';
  image.decoding = 'async';
  image.addEventListener('error', () => {
    // None yet (made in the background after an upload) or none ever: the icon stays; ask again a few times.
    image.remove();
    const tries = Number(row.dataset.thumbTries ?? 0) + 1;
    row.dataset.thumbTries = String(tries);
    if (tries < maxTries) setTimeout(() => { if (isGrid() && row.isConnected) addThumbnail(row); }, retryMs);
  }, { once: true });
  image.src = `/api/v1/items/${encodeURIComponent(row.dataset.id)}/thumbnail`;
  row.querySelector('td.name').prepend(image);
}

function apply(view) {
  const grid = view === 'grid';
  listing.classList.toggle('grid-view', grid);
  buttons.list.setAttribute('aria-pressed', String(!grid));
  buttons.grid.setAttribute('aria-pressed', String(grid));
  for (const row of rows.querySelectorAll('tr.item')) {
    if (grid) addThumbnail(row);
    else row.querySelector('img.thumb')?.remove();
  }
}

function choose(view) {
  apply(view);
  try {
    localStorage.setItem(storageKey, view);
  } catch { /* storage disabled: the choice lasts for this page */ }
}

buttons.list.addEventListener('click', () => choose('list'));
buttons.grid.addEventListener('click', () => choose('grid'));

// Rows arrive later too (the next page as the list scrolls, a refresh after a change).
new MutationObserver(() => {
  if (!isGrid()) return;
  for (const row of rows.querySelectorAll('tr.item')) addThumbnail(row);
}).observe(rows, { childList: true });

let saved = null;
try {
  saved = localStorage.getItem(storageKey);
} catch { /* storage disabled */ }
apply(saved === 'grid' ? 'grid' : 'list');
