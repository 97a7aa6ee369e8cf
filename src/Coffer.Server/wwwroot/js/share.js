// "Share with people": the dialog that lists who a folder is shared with (their access can be
// changed or removed there) and shares it with one more account by email.
import { api } from './api.js';
import { toast, toastError } from './toast.js';

const $ = (id) => document.getElementById(id);
const choices = [['read', 'Can view'], ['readWrite', 'Can edit']];

function person(grant) {
  const who = document.createElement('span');
  who.className = 'who-is';
  who.textContent = grant.displayName ?? grant.email;
  if (grant.displayName) {
    const email = document.createElement('small');
    email.textContent = grant.email;
    who.append(email);
  }
  return who;
}

/** Opens the dialog for a folder ({id, name}) the caller owns. */
export function openShareDialog(folder) {
  const dialog = $('share-dialog');
  const form = $('share-form');
  const email = $('share-email');
  const error = $('share-error');
  const people = $('share-people');
  const submit = $('share-submit');
  $('share-title').textContent = `Share “${folder.name}”`;
  email.value = '';

  const showError = (message) => {
    error.textContent = message;
    error.hidden = !message;
    if (message) {
      email.setAttribute('aria-invalid', 'true');
      email.setAttribute('aria-describedby', 'share-error');
    } else {
      email.removeAttribute('aria-invalid');
      email.removeAttribute('aria-describedby');
    }
  };

  const row = (grant) => {
    const li = document.createElement('li');
    const access = document.createElement('select');
    access.setAttribute('aria-label', `Access for ${grant.email}`);
    for (const [value, label] of choices) access.append(new Option(label, value, false, value === grant.access));
    access.addEventListener('change', async () => {
      try {
        const changed = await api('PATCH', `/grants/${grant.id}`, { access: access.value });
        grant.access = changed.access;
        toast(`${grant.email} ${changed.access === 'read' ? 'can now only view' : 'can now edit'} “${folder.name}”.`);
      } catch (failure) {
        access.value = grant.access;
        toastError(failure);
      }
    });
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'button ghost danger';
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', `Stop sharing with ${grant.email}`);
    remove.addEventListener('click', async () => {
      try {
        await api('DELETE', `/grants/${grant.id}`);
        toast(`${grant.email} no longer has access to “${folder.name}”.`);
        await load();
        email.focus();
      } catch (failure) {
        toastError(failure);
      }
    });
    li.append(person(grant), access, remove);
    return li;
  };

  let loading = 0;
  const load = async () => {
    const mine = ++loading;
    const { items } = await api('GET', `/items/${folder.id}/grants`);
    if (mine !== loading) return;
    if (items.length) people.replaceChildren(...items.map(row));
    else {
      const none = document.createElement('li');
      none.className = 'muted';
      none.textContent = 'Only you have access.';
      people.replaceChildren(none);
    }
  };

  const onSubmit = async (event) => {
    event.preventDefault();
    if (submit.disabled) return; // a second Enter while the first is on its way
    if (!email.value.trim()) {
      showError('Enter the email address of their Coffer account.');
      email.focus();
      return;
    }
    submit.disabled = true;
    try {
      const grant = await api('POST', `/items/${folder.id}/grants`, { email: email.value.trim(), access: $('share-access').value });
      showError('');
      email.value = '';
      toast(`Shared “${folder.name}” with ${grant.email}.`);
      await load();
    } catch (failure) {
      showError(failure.text ?? failure.message);
    } finally {
      submit.disabled = false;
      email.focus();
    }
  };

  showError('');
  people.replaceChildren();
  form.addEventListener('submit', onSubmit);
  dialog.addEventListener('close', () => form.removeEventListener('submit', onSubmit), { once: true });
  dialog.showModal();
  email.focus();
  load().catch(toastError);
}
