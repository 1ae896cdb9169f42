// Keys: create an API key with a scope (its secret shown once, with a copy button), list, revoke.
import { api, describeError, get } from './api';
import { canManageKeys, currentAccess } from './access';
import { confirmDialog } from './dialog';
import { emptyState, errorState, field, h, mount, spinner } from './dom';
import { fmtAgo, fmtTime } from './format';
import { toast } from './toast';
import type { ApiKey } from './types';

const SCOPES = [
  ['send', 'send — POST /api/send and SMTP only'],
  ['read', 'read — every GET: logs, stats, config (masked)'],
  ['admin', 'admin — everything but keys'],
] as const;

export function renderKeys(root: HTMLElement): void {
  const list = h('div', { class: 'panel' }, spinner());
  const secretOut = h('div', { 'aria-live': 'polite' });
  const name = h('input', { name: 'name', required: true, maxlength: '100', autocomplete: 'off', placeholder: 'billing-app' });
  const scope = h('select', { name: 'scope' }, SCOPES.map(([v, label]) => h('option', { value: v }, label)));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create key');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'panel key-form', novalidate: true, 'aria-label': 'New API key' }, h('h2', { class: 'panel-title' }, 'New key'), field('Name', name, 'Names the key in every log record it submits.'), field('Scope', scope), error, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void create();
  });
  if (!canManageKeys()) {
    const who = currentAccess();
    const why = who.auth_required ? `Only AUTH_TOKEN can manage keys; you are signed in with ${who.name ? `the key “${who.name}”` : 'no credential'}.` : 'API keys need AUTH_TOKEN: set AUTH_TOKEN first, then unlock the dashboard with it.';
    mount(root, emptyState('Keys are managed with AUTH_TOKEN', why));
    return;
  }
  mount(root, form, secretOut, list);
  void load();

  async function load(): Promise<void> {
    try {
      const { keys } = await get<{ keys: ApiKey[] }>('/api/keys');
      mount(list, keys.length ? table(keys) : emptyState('No API keys yet', 'Give each application its own send key, so each one can be revoked alone.'));
    } catch (err) {
      mount(list, errorState(describeError(err), () => void load()));
    }
  }

  async function create(): Promise<void> {
    error.textContent = '';
    if (!name.value.trim()) {
      error.textContent = 'Enter a name.';
      return;
    }
    submit.disabled = true;
    try {
      const made = await api<{ key: ApiKey; secret: string }>('POST', '/api/keys', { name: name.value.trim(), scope: scope.value });
      name.value = '';
      showSecret(made.key, made.secret);
      await load();
    } catch (err) {
      error.textContent = describeError(err);
    } finally {
      submit.disabled = false;
    }
  }

  function showSecret(key: ApiKey, secret: string): void {
    const value = h('code', { class: 'secret-value', 'data-testid': 'new-secret' }, secret);
    const copy = h('button', { type: 'button', class: 'btn btn-small' }, 'Copy');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(secret);
        copy.textContent = 'Copied';
      } catch {
        // No clipboard permission: select it so Ctrl+C works.
        getSelection()?.selectAllChildren(value);
        copy.textContent = 'Press Ctrl+C';
      }
    });
    const done = h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => mount(secretOut) }, 'Done');
    mount(secretOut, h('div', { class: 'notice notice-warn secret-once', role: 'status' }, h('p', {}, `Key “${key.name}” (${key.scope}) created. Copy its secret now: it is shown only once.`), h('p', {}, value, ' ', copy, ' ', done)));
  }

  function table(keys: readonly ApiKey[]): HTMLElement {
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table keys-table' },
        h('thead', {}, h('tr', {}, ['Name', 'Scope', 'Prefix', 'Created', 'Last used', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, keys.map(row)),
      ),
    );
  }

  function row(k: ApiKey): HTMLTableRowElement {
    const revoke = h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', 'aria-label': `Revoke ${k.name}` }, 'Revoke');
    revoke.addEventListener('click', async () => {
      if (!(await confirmDialog(`Revoke ${k.name}?`, 'Applications using this key are refused at once (401). This cannot be undone.', 'Revoke key'))) return;
      try {
        await api('DELETE', `/api/keys/${k.id}`);
        toast(`Key ${k.name} revoked`, 'info');
        await load();
      } catch (err) {
        toast(`Could not revoke ${k.name}: ${describeError(err)}`, 'bad');
      }
    });
    const when = (iso: string | null) => (iso ? h('time', { datetime: iso, title: fmtTime(iso) }, fmtAgo(iso)) : h('span', { class: 'muted' }, 'never'));
    return h(
      'tr',
      { 'data-key': k.name },
      h('td', { 'data-label': 'Name' }, k.name),
      h('td', { 'data-label': 'Scope' }, h('span', { class: 'chip' }, k.scope)),
      h('td', { 'data-label': 'Prefix' }, h('code', {}, `${k.prefix}…`)),
      h('td', { 'data-label': 'Created' }, when(k.created_at)),
      h('td', { 'data-label': 'Last used', class: 'key-last-used' }, when(k.last_used_at)),
      h('td', {}, revoke),
    );
  }
}
