// One email: addresses, headers, tags, body preview, attachments, attempts, release.
import { call, describeError, errorMessage, get } from './api';
import { attemptTimeline } from './attempt-timeline';
import { deliveryBadge, eventTimeline } from './event-timeline';
import { debounce, h, icon, mount, spinner, type Child } from './dom';
import { errorView } from './error-view';
import { emailPreview } from './email-preview';
import { onLogEvent } from './events';
import { fmtBytes, fmtMs, fmtTime, statusBadge } from './format';
import { ICONS } from './icons';
import type { Cleanup, Params } from './router';
import type { LogDetail } from './types';
import { scheduledAt } from './log-table';

export function renderLogDetail(root: HTMLElement, params: Params): Cleanup {
  const id = params.id;
  const body = h('div', { class: 'detail' });
  const releaseOut = h('div', { class: 'release-result', 'aria-live': 'polite' });
  mount(root, h('a', { href: '#/', class: 'back' }, icon(ICONS.back), 'Back to outbox'), body);
  mount(body, spinner('Loading email…'));
  let busy = false;

  void load();
  const reload = debounce(() => void load(), 300);
  const off = onLogEvent((log) => {
    if (String(log.id) === id && !busy) reload();
  });
  return off;

  async function load(): Promise<void> {
    try {
      const log = await get<LogDetail>(`/api/logs/${encodeURIComponent(id)}`);
      mount(body, view(log));
    } catch (err) {
      mount(body, errorView(err, () => void load()));
    }
  }

  function view(log: LogDetail): Child[] {
    const release =
      log.status === 'sandbox'
        ? h('button', { type: 'button', class: 'btn btn-primary', 'data-needs': 'admin', onclick: (ev: Event) => void doRelease(ev.currentTarget as HTMLButtonElement) }, icon(ICONS.send), 'Release')
        : null;
    return [
      h(
        'div',
        { class: 'detail-head' },
        h('div', {}, h('h2', { class: 'detail-subject' }, log.subject || '(no subject)'), h('p', { class: 'muted' }, statusBadge(log.status), ' ', deliveryBadge(log.delivery_status), ` ${fmtTime(log.timestamp)} · via ${log.source === 'smtp' ? 'SMTP' : 'API'}`, log.api_key ? h('span', { 'data-testid': 'detail-api-key' }, ` · key ${log.api_key}`) : null)),
        release,
      ),
      log.status === 'scheduled' && log.send_at ? h('div', { class: 'notice', role: 'note' }, scheduledAt(log)) : null,
      releaseOut,
      log.error_message ? h('div', { class: 'notice notice-bad', role: 'note' }, icon(ICONS.alert), log.error_message) : null,
      h(
        'div',
        { class: 'detail-grid' },
        h('div', { class: 'detail-main' }, emailPreview(log), headersSection(log)),
        h(
          'div',
          { class: 'detail-side' },
          section('Envelope', envelope(log), 'envelope'),
          log.tags && Object.keys(log.tags).length
            ? section('Tags', h('div', { class: 'chips' }, Object.entries(log.tags).map(([k, v]) => h('span', { class: 'chip' }, `${k}: ${v}`))), 'tags')
            : null,
          log.attachments?.length ? section('Attachments', attachments(log), 'attachments') : null,
          section('Delivery attempts', attemptTimeline(log.attempts ?? []), 'attempts'),
          section('Delivery events', eventTimeline(log.events ?? []), 'events'),
          log.suppressed?.length ? section('Suppressed recipients', h('div', { class: 'chips' }, log.suppressed.map((a) => h('span', { class: 'chip' }, a))), 'suppressed') : null,
        ),
      ),
    ];
  }

  async function doRelease(btn: HTMLButtonElement): Promise<void> {
    btn.disabled = true;
    busy = true;
    mount(releaseOut, spinner('Releasing…'));
    try {
      const res = await call('POST', `/api/logs/${encodeURIComponent(id)}/release`);
      const tone = res.ok ? 'ok' : 'bad';
      mount(
        releaseOut,
        h(
          'div',
          { class: `result result-${tone}` },
          h('p', {}, h('strong', {}, `HTTP ${res.status}`), ' ', res.ok ? releaseSummary(res.body) : errorMessage(res.status, res.body)),
          h('pre', { class: 'json' }, JSON.stringify(res.body, null, 2)),
        ),
      );
    } catch (err) {
      mount(releaseOut, h('p', { class: 'error-text' }, describeError(err)));
    } finally {
      busy = false;
      btn.disabled = false;
    }
  }
}

function releaseSummary(body: unknown): string {
  const b = body as { message?: string; log_id?: unknown } | null;
  return b?.message ?? 'Released.';
}

function section(title: string, content: Child, name: string): HTMLElement {
  return h('section', { class: `panel sec-${name}` }, h('h3', { class: 'panel-title' }, title), content);
}

function envelope(log: LogDetail): HTMLElement {
  const rows: [string, Child][] = [
    ['From', log.from_address],
    ['To', (log.to_addresses ?? []).join(', ')],
    ['Cc', log.cc?.length ? log.cc.join(', ') : null],
    ['Bcc', log.bcc?.length ? log.bcc.join(', ') : null],
    ['Reply-To', log.reply_to],
    ['Provider', log.provider_name ? `${log.provider_name} (${log.provider_type ?? '?'})` : null],
    ['Message ID', log.message_id],
    ['Processing', fmtMs(log.processing_time_ms)],
    ['Log ID', String(log.id)],
  ];
  return h(
    'dl',
    { class: 'kv' },
    rows.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

function headersSection(log: LogDetail): HTMLElement | null {
  const entries = Object.entries(log.headers ?? {});
  if (entries.length === 0) return null;
  return section(
    'Headers',
    h(
      'div',
      { class: 'table-wrap' },
      h('table', { class: 'table kv-table' }, h('tbody', {}, entries.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v))))),
    ),
    'headers',
  );
}

function attachments(log: LogDetail): HTMLElement {
  return h(
    'ul',
    { class: 'attachments' },
    (log.attachments ?? []).map((a) =>
      h('li', {}, icon(ICONS.clip), h('span', { class: 'att-name' }, a.filename), h('span', { class: 'muted small' }, `${a.content_type ?? 'application/octet-stream'} · ${fmtBytes(a.size)}`)),
    ),
  );
}
