// What every page gets: toasts, local times, copy buttons, confirmations before destructive forms.
import { announceRenderedToasts, toast } from './toast.js';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Dates are rendered in UTC on the server; show them in the reader's own time zone and language. */
export function localizeTimes(root = document) {
  for (const time of root.querySelectorAll('time[datetime]')) {
    const when = new Date(time.dateTime);
    if (!Number.isNaN(when.valueOf())) time.textContent = dateFormat.format(when);
  }
}

function wireCopyButtons() {
  for (const button of document.querySelectorAll('[data-copy]')) {
    button.addEventListener('click', async () => {
      const input = document.getElementById(button.dataset.copy);
      input.select();
      try {
        await navigator.clipboard.writeText(input.value);
        toast('Copied to the clipboard.');
      } catch {
        toast('Press Ctrl+C (⌘C on a Mac) to copy the selected text.');
      }
    });
  }
}

function wireConfirmations() {
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

/**
 * A page that answers a form post (a new token's secret, a form with errors) takes its plain URL,
 * so reloading it asks for the page again instead of posting the form a second time.
 */
function forgetFormPost() {
  const marker = document.querySelector('[data-replace-url]');
  if (marker) history.replaceState(null, '', marker.dataset.replaceUrl);
}

forgetFormPost();
announceRenderedToasts();
localizeTimes();
wireCopyButtons();
wireConfirmations();
