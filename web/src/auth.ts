// The lock: asks for the bearer token when the API answers 401, checks it, stores it.
import { call, describeError, onUnauthorized } from './api';
import { openDialog, type DialogHandle } from './dialog';
import { h, icon, mount } from './dom';
import { ICONS } from './icons';
import { getToken, onTokenChange, setToken } from './token';

let open: DialogHandle | null = null;

/** Closes the prompt now, so that a 401 answered right after can open a fresh one. */
function dismiss(): void {
  const dlg = open;
  open = null;
  dlg?.close();
}

export function installAuth(): void {
  onUnauthorized(({ hadToken }) => {
    if (!open) promptToken(hadToken ? 'The saved token was refused by the server. Enter a current token or API key.' : 'This server requires an access token (AUTH_TOKEN) or an API key.');
  });
}

/** The header button: shows whether a token is stored and opens the prompt. */
export function lockButton(): HTMLButtonElement {
  const btn = h('button', { type: 'button', class: 'btn-icon lock', onclick: () => promptToken() });
  const paint = (token: string | null): void => {
    btn.setAttribute('aria-label', token ? 'Access token (saved)' : 'Access token');
    btn.title = token ? 'Access token saved — click to change or clear' : 'Set an access token';
    btn.classList.toggle('lock-set', Boolean(token));
    mount(btn, icon(token ? ICONS.lock : ICONS.unlock));
  };
  paint(getToken());
  onTokenChange(paint);
  return btn;
}

export function promptToken(reason?: string): void {
  dismiss();
  const input = h('input', { type: 'password', id: 'token-input', name: 'token', autocomplete: 'current-password', required: true, spellcheck: 'false' });
  const error = h('p', { class: 'form-error', role: 'alert', id: 'token-error' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Unlock');
  const saved = getToken();
  const form = h(
    'form',
    { class: 'token-form', novalidate: true },
    reason ? h('p', { class: 'muted' }, reason) : h('p', { class: 'muted' }, 'AUTH_TOKEN or an API key (pp_…). It is sent as a Bearer header on every API call and kept in this browser only; a read key gives a read-only dashboard.'),
    h('div', { class: 'field' }, h('label', { for: 'token-input' }, 'Access token or API key'), input),
    error,
    h(
      'div',
      { class: 'actions' },
      saved
        ? h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => (dismiss(), setToken(null)) }, 'Clear saved token')
        : null,
      submit,
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (!token) {
      error.textContent = 'Enter the token or an API key.';
      return;
    }
    submit.disabled = true;
    error.textContent = '';
    try {
      // Answers for every valid credential, whatever its scope (a send key may not read /api/stats).
      const res = await call('GET', '/api/whoami', undefined, token);
      if (res.status === 401) {
        error.textContent = 'That token was refused (401). Check the AUTH_TOKEN the server was started with, or whether the key was revoked.';
        input.select();
        return;
      }
      dismiss();
      setToken(token);
    } catch (err) {
      error.textContent = describeError(err);
    } finally {
      submit.disabled = false;
    }
  });
  const dlg = openDialog('Access token', form, { onClose: () => open === dlg && (open = null) });
  open = dlg;
  input.focus();
}
