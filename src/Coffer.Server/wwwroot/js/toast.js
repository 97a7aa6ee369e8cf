// Toasts: short messages in a live region, success ones polite, errors assertive. Each can be
// dismissed; success ones leave by themselves, errors stay until read and closed.

const successLifetimeMs = 5000;

function arm(element, lifetimeMs) {
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'toast-close';
  close.setAttribute('aria-label', 'Dismiss');
  close.innerHTML = '<svg class="icon" aria-hidden="true"><use href="#i-x"/></svg>';
  close.addEventListener('click', () => element.remove());
  element.append(close);
  if (lifetimeMs) setTimeout(() => element.remove(), lifetimeMs);
}

export function toast(message, kind = 'success') {
  const error = kind === 'error';
  const region = document.getElementById(error ? 'alerts' : 'toasts');
  const element = document.createElement('div');
  element.className = `toast ${kind}`;
  const text = document.createElement('span');
  text.textContent = message;
  element.append(text);
  region.append(element);
  arm(element, error ? 0 : successLifetimeMs);
  return element;
}

export const toastError = (error) => toast(error?.text ?? error?.message ?? String(error), 'error');

/**
 * Messages the server rendered into the page (carried across a redirect): shown again a moment
 * after load, because screen readers announce only what changes in a live region.
 */
export function announceRenderedToasts() {
  for (const element of document.querySelectorAll('.toasts > .toast')) {
    const kind = element.classList.contains('error') ? 'error' : 'success';
    const text = element.textContent.trim();
    element.remove();
    setTimeout(() => toast(text, kind), 150);
  }
}
