// Suppressions: addresses no email goes to (hard bounces, complaints, added by hand) — search, add, remove.
import { api, describeError } from './api';
import { debounce, emptyState, field, h, icon, mount, spinner } from './dom';
import { errorView } from './error-view';
import { fmtTime } from './format';
import { ICONS } from './icons';
import { toast } from './toast';
import type { Suppression } from './types';

const REASON: Record<Suppression['reason'], string> = { hard_bounce: 'Hard bounce', complaint: 'Complaint', manual: 'Added by hand' };

export function renderSuppressions(root: HTMLElement): void {
  const search = h('input', { type: 'search', name: 'q', placeholder: 'Search addresses', 'aria-label': 'Search suppressed addresses', maxlength: '200' });
  const address = h('input', { type: 'email', name: 'email', required: true, placeholder: 'user@example.com', maxlength: '320' });
  const form = h('form', { class: 'inline-form', 'aria-label': 'Suppress an address' }, field('Address', address), h('button', { type: 'submit', class: 'btn btn-primary' }, icon(ICONS.plus), 'Suppress'));
  const list = h('div', { class: 'suppression-list' });
  mount(root, h('section', { class: 'panel' }, h('p', { class: 'muted' }, 'No email is sent to these addresses through any provider. Hard bounces and complaints are added automatically.'), form, search, list));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void add();
  });
  search.addEventListener('input', debounce(() => void load(), 250));
  void load();

  async function load(): Promise<void> {
    mount(list, spinner('Loading suppressions…'));
    try {
      const q = search.value.trim();
      const page = await api<{ suppressions: Suppression[]; total: number }>('GET', `/api/suppressions?limit=200${q ? `&q=${encodeURIComponent(q)}` : ''}`);
      mount(list, page.suppressions.length ? table(page.suppressions, page.total) : emptyState('Nothing suppressed', q ? 'No address matches the search.' : 'Every address can receive email.'));
    } catch (err) {
      mount(list, errorView(err, () => void load()));
    }
  }

  function table(rows: Suppression[], total: number): HTMLElement {
    return h(
      'div',
      {},
      h('p', { class: 'muted small' }, `${total} suppressed`),
      h(
        'table',
        { class: 'table' },
        h('thead', {}, h('tr', {}, ['Address', 'Reason', 'Since', 'Email', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          {},
          rows.map((s) =>
            h(
              'tr',
              { 'data-email': s.email },
              h('td', { 'data-label': 'Address' }, s.email),
              h('td', { 'data-label': 'Reason' }, REASON[s.reason] ?? s.reason, s.provider_id ? h('span', { class: 'muted' }, ` (${s.provider_id})`) : null),
              h('td', { 'data-label': 'Since' }, fmtTime(s.created_at)),
              h('td', { 'data-label': 'Email' }, s.log_id ? h('a', { href: `#/logs/${s.log_id}` }, `#${s.log_id}`) : '—'),
              h('td', {}, h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Remove ${s.email}`, onclick: () => void remove(s.email) }, icon(ICONS.trash), 'Remove')),
            ),
          ),
        ),
      ),
    );
  }

  async function add(): Promise<void> {
    try {
      await api('POST', '/api/suppressions', { email: address.value.trim() });
      toast(`${address.value.trim()} suppressed`);
      address.value = '';
      await load();
    } catch (err) {
      toast(describeError(err), 'bad');
    }
  }

  async function remove(email: string): Promise<void> {
    try {
      await api('DELETE', `/api/suppressions/${encodeURIComponent(email)}`);
      toast(`${email} can receive email again`);
      await load();
    } catch (err) {
      toast(describeError(err), 'bad');
    }
  }
}
