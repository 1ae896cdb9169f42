// The outbox table: one row per log summary, upserted in place by id as events arrive.
import { call, errorMessage } from './api';
import { h } from './dom';
import { fmtAgo, fmtMs, fmtTime, statusBadge } from './format';
import { deliveryBadge } from './event-timeline';
import type { LogSummary } from './types';

export interface LogTable {
  readonly el: HTMLElement;
  setRows(logs: readonly LogSummary[]): void;
  has(id: LogSummary['id']): boolean;
  /** Replaces the row with the same id, or inserts it at the top. */
  upsert(log: LogSummary): void;
  remove(id: LogSummary['id']): void;
  /** Re-renders the relative times ("3 min ago"). */
  refreshTimes(): void;
  /** Drops rows beyond `max` from the bottom. */
  trim(max: number): void;
  readonly size: number;
}

export function logTable(): LogTable {
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'table log-table' },
    h('caption', { class: 'sr-only' }, 'Emails, newest first'),
    h(
      'thead',
      {},
      h('tr', {}, ['Status', 'Delivery', 'Time', 'Subject', 'To', 'Provider', 'Key', 'Duration'].map((t) => h('th', { scope: 'col' }, t))),
    ),
    tbody,
  );
  const rows = new Map<string, HTMLTableRowElement>();
  return {
    el: h('div', { class: 'table-wrap' }, table),
    setRows(logs) {
      rows.clear();
      tbody.replaceChildren(...logs.map((log) => remember(log)));
    },
    has: (id) => rows.has(String(id)),
    upsert(log) {
      const old = rows.get(String(log.id));
      const row = remember(log);
      row.classList.add('row-flash');
      if (old) old.replaceWith(row);
      else tbody.prepend(row);
    },
    remove(id) {
      rows.get(String(id))?.remove();
      rows.delete(String(id));
    },
    refreshTimes() {
      for (const t of tbody.querySelectorAll<HTMLTimeElement>('time:not(.send-at)')) t.textContent = fmtAgo(t.dateTime);
    },
    trim(max) {
      while (tbody.rows.length > max) {
        const last = tbody.rows[tbody.rows.length - 1];
        rows.delete(last.dataset.id ?? '');
        last.remove();
      }
    },
    get size() {
      return tbody.rows.length;
    },
  };

  function remember(log: LogSummary): HTMLTableRowElement {
    const row = renderRow(log);
    rows.set(String(log.id), row);
    return row;
  }
}

/** "Scheduled for <time>" and a Cancel button; the event stream then turns the row into `canceled`. */
export function scheduledAt(log: LogSummary): HTMLElement {
  const out = h('span', { class: 'error-text small', role: 'status' });
  const cancel = h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'cancel' }, 'Cancel') as HTMLButtonElement;
  cancel.addEventListener('click', async (ev) => {
    ev.stopPropagation();
    cancel.disabled = true;
    const res = await call('POST', `/api/logs/${encodeURIComponent(String(log.id))}/cancel`).catch(() => null);
    if (!res?.ok) {
      out.textContent = res ? errorMessage(res.status, res.body) : 'Cannot reach the ProtoPost API';
      cancel.disabled = false;
    }
  });
  return h(
    'span',
    { class: 'scheduled-at small block' },
    h('span', { class: 'muted' }, 'Scheduled for ', h('time', { datetime: log.send_at ?? '', class: 'send-at' }, fmtTime(log.send_at))),
    cancel,
    out,
  );
}

function renderRow(log: LogSummary): HTMLTableRowElement {
  const href = `#/logs/${encodeURIComponent(String(log.id))}`;
  const to = log.to_addresses ?? [];
  const row = h(
    'tr',
    { 'data-id': String(log.id), 'data-status': log.status, class: 'clickable' },
    h('td', { 'data-label': 'Status' }, statusBadge(log.status), log.source === 'smtp' ? h('span', { class: 'chip', title: 'Received over SMTP' }, 'SMTP') : null),
    h('td', { 'data-label': 'Delivery' }, deliveryBadge(log.delivery_status) ?? h('span', { class: 'muted' }, '—')),
    h('td', { 'data-label': 'Time', class: 'nowrap' }, h('time', { datetime: log.timestamp, title: fmtTime(log.timestamp) }, fmtAgo(log.timestamp))),
    h(
      'td',
      { 'data-label': 'Subject', class: 'cell-subject' },
      h('a', { href, class: 'subject-link' }, log.subject || '(no subject)'),
      h('span', { class: 'muted small block' }, `from ${log.from_address}`),
      log.error_message ? h('span', { class: 'error-text small block' }, log.error_message) : null,
      log.status === 'scheduled' && log.send_at ? scheduledAt(log) : null,
    ),
    h('td', { 'data-label': 'To', class: 'cell-to' }, to[0] ?? '—', to.length > 1 ? h('span', { class: 'muted small' }, ` +${to.length - 1}`) : null),
    h(
      'td',
      { 'data-label': 'Provider', class: log.provider_name ? null : 'cell-none' },
      log.provider_name ?? h('span', { class: 'muted' }, '—'),
      log.attempt_count > 1 ? h('span', { class: 'muted small block' }, `${log.attempt_count} attempts`) : null,
    ),
    h('td', { 'data-label': 'Key', class: 'cell-key' }, log.api_key ?? h('span', { class: 'muted' }, '—')),
    h('td', { 'data-label': 'Duration', class: 'nowrap num' }, fmtMs(log.processing_time_ms)),
  );
  row.addEventListener('click', (ev) => {
    if ((ev.target as HTMLElement).closest('a')) return;
    location.hash = href;
  });
  return row;
}
