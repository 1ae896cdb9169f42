// Outbox & Logs: stat cards, filters, the live table and pagination.
import { get } from './api';
import { currentConfig, loadConfig } from './config-store';
import { debounce, emptyState, h, icon, mount, spinner } from './dom';
import { errorView } from './error-view';
import { onLogEvent, onStreamStatus } from './events';
import { statusLabel } from './format';
import { ICONS } from './icons';
import { logTable } from './log-table';
import { replaceQuery, type Cleanup } from './router';
import { statsCards } from './stats-cards';
import { LOG_STATUSES, type LogPage, type LogSummary } from './types';

interface Filters {
  status: string;
  provider: string;
  q: string;
  offset: number;
  limit: number;
}

const PAGE_SIZES = [25, 50, 100];

export function renderOutbox(root: HTMLElement, _params: unknown, query: URLSearchParams): Cleanup {
  const f: Filters = {
    status: query.get('status') ?? '',
    provider: query.get('provider') ?? '',
    q: query.get('q') ?? '',
    offset: Math.max(0, Number(query.get('offset')) || 0),
    limit: PAGE_SIZES.includes(Number(query.get('limit'))) ? Number(query.get('limit')) : 25,
  };
  let total = 0;
  let loaded = false;
  let seq = 0;

  const stats = statsCards();
  const notice = h('div', { class: 'outbox-notice' });
  const table = logTable();
  const body = h('div', { class: 'log-body' });
  const pageInfo = h('span', { class: 'page-info', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'btn', onclick: () => go(f.offset - f.limit) }, 'Previous');
  const next = h('button', { type: 'button', class: 'btn', onclick: () => go(f.offset + f.limit) }, 'Next');

  const search = h('input', { type: 'search', id: 'log-search', name: 'q', placeholder: 'Subject or address', value: f.q, autocomplete: 'off' });
  const status = select('log-status', 'Any status', LOG_STATUSES.map((s) => [s, statusLabel(s)]), f.status);
  const provider = select('log-provider', 'Any provider', [], f.provider);
  const size = select('log-limit', '', PAGE_SIZES.map((n) => [String(n), `${n} per page`]), String(f.limit));

  search.addEventListener('input', debounce(() => ((f.q = search.value.trim()), go(0)), 300));
  status.addEventListener('change', () => ((f.status = status.value), go(0)));
  provider.addEventListener('change', () => ((f.provider = provider.value), go(0)));
  size.addEventListener('change', () => ((f.limit = Number(size.value)), go(0)));

  mount(
    root,
    notice,
    stats.el,
    h(
      'section',
      { class: 'panel', 'aria-label': 'Emails' },
      h(
        'div',
        { class: 'filters' },
        h('div', { class: 'search' }, h('label', { for: 'log-search', class: 'sr-only' }, 'Search subject or address'), icon(ICONS.search), search),
        h('label', { for: 'log-status', class: 'sr-only' }, 'Status'),
        status,
        h('label', { for: 'log-provider', class: 'sr-only' }, 'Provider'),
        provider,
        h('button', { type: 'button', class: 'btn-icon', 'aria-label': 'Refresh', title: 'Refresh', onclick: () => void refresh() }, icon(ICONS.refresh)),
      ),
      body,
      h('div', { class: 'pager' }, pageInfo, h('div', { class: 'pager-buttons' }, h('label', { for: 'log-limit', class: 'sr-only' }, 'Page size'), size, prev, next)),
    ),
  );

  void fillProviders();
  void refresh();

  const offLog = onLogEvent(onLive);
  let wasLive = true;
  const offStatus = onStreamStatus((s) => {
    // Events may have been missed while disconnected: reload once the stream is back.
    if (s === 'live' && !wasLive) void refresh();
    wasLive = s === 'live';
  });
  const clock = setInterval(() => table.refreshTimes(), 30_000);
  return () => {
    offLog();
    offStatus();
    clearInterval(clock);
  };

  function go(offset: number): void {
    f.offset = Math.max(0, offset);
    const q = new URLSearchParams();
    for (const k of ['status', 'provider', 'q'] as const) if (f[k]) q.set(k, f[k]);
    if (f.offset) q.set('offset', String(f.offset));
    if (f.limit !== 25) q.set('limit', String(f.limit));
    replaceQuery('/', q);
    void loadPage();
  }

  async function refresh(): Promise<void> {
    void stats.refresh();
    await loadPage();
  }

  async function loadPage(): Promise<void> {
    const mine = ++seq;
    if (!loaded) mount(body, spinner('Loading emails…'));
    body.setAttribute('aria-busy', 'true');
    const q = new URLSearchParams({ limit: String(f.limit), offset: String(f.offset) });
    for (const k of ['status', 'provider', 'q'] as const) if (f[k]) q.set(k, f[k]);
    try {
      const page = await get<LogPage>(`/api/logs?${q}`);
      if (mine !== seq) return;
      loaded = true;
      total = page.total;
      table.setRows(page.logs);
      paint();
    } catch (err) {
      if (mine !== seq) return;
      loaded = false;
      mount(body, errorView(err, () => void refresh()));
      pageInfo.textContent = '';
    } finally {
      if (mine === seq) body.setAttribute('aria-busy', 'false');
    }
  }

  function paint(): void {
    if (table.size === 0) {
      const filtered = f.status || f.provider || f.q;
      mount(
        body,
        filtered
          ? emptyState('No email matches these filters', 'Try another status, provider or search.', h('button', { type: 'button', class: 'btn', onclick: clearFilters }, 'Clear filters'))
          : emptyState(
              'No email yet',
              'Email sent through POST /api/send or the SMTP port shows up here as it happens.',
              h('a', { href: '#/send', class: 'btn btn-primary' }, 'Send a test email'),
            ),
      );
    } else if (body.firstChild !== table.el) mount(body, table.el);
    const first = total === 0 ? 0 : f.offset + 1;
    const last = f.offset + table.size;
    pageInfo.textContent = total === 0 ? 'No emails' : `${first}–${last} of ${total.toLocaleString()}`;
    prev.disabled = f.offset === 0;
    next.disabled = f.offset + f.limit >= total;
  }

  function clearFilters(): void {
    f.status = f.provider = f.q = '';
    status.value = provider.value = search.value = '';
    go(0);
  }

  function onLive(log: LogSummary): void {
    stats.onLive();
    if (!loaded) return;
    const fits = matches(log, f);
    if (table.has(log.id)) {
      if (fits) table.upsert(log);
      else {
        table.remove(log.id);
        total = Math.max(0, total - 1);
      }
    } else if (fits) {
      total += 1;
      if (f.offset === 0) {
        table.upsert(log);
        table.trim(f.limit);
      }
    }
    paint();
  }

  async function fillProviders(): Promise<void> {
    try {
      const cfg = currentConfig() ?? (await loadConfig());
      for (const p of cfg.providers) provider.appendChild(h('option', { value: p.id }, p.name));
      provider.value = f.provider;
      // A fresh start has no provider and captures everything: say so, and where to go next.
      if (cfg.routing.sandbox && cfg.providers.length === 0) {
        mount(
          notice,
          h(
            'div',
            { class: 'banner banner-info', role: 'status', 'data-banner': 'sandbox-no-provider' },
            icon(ICONS.inbox),
            h(
              'div',
              {},
              h('strong', {}, 'Sandbox mode: no provider is configured.'),
              ' ',
              h('span', {}, 'Every email is captured here and not delivered. '),
              h('a', { href: '#/providers' }, 'Add a provider'),
              h('span', {}, ' to deliver, then turn sandbox off.'),
            ),
          ),
        );
      }
    } catch {
      // the filter just offers "All providers"
    }
  }
}

function select(id: string, allLabel: string, options: readonly (readonly [string, string])[], value: string): HTMLSelectElement {
  const el = h(
    'select',
    { id, name: id },
    allLabel ? h('option', { value: '' }, allLabel) : null,
    options.map(([v, label]) => h('option', { value: v }, label)),
  );
  el.value = value;
  return el;
}

/** Whether a live event belongs on the current filtered view (mirrors the server's filters). */
function matches(log: LogSummary, f: Filters): boolean {
  if (f.status && log.status !== f.status) return false;
  if (f.provider && log.provider_id !== f.provider) return false;
  if (f.q) {
    const hay = [log.subject, log.from_address, ...(log.to_addresses ?? [])].join(' ').toLowerCase();
    if (!hay.includes(f.q.toLowerCase())) return false;
  }
  return true;
}
