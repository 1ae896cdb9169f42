// The stat cards on the outbox page (GET /api/stats).
import { get } from './api';
import { h, mount } from './dom';
import { fmtCount, fmtMs } from './format';
import type { Stats } from './types';

const CARDS: readonly { key: keyof Stats; label: string; tone: string }[] = [
  { key: 'total_sent', label: 'Sent', tone: 'success' },
  { key: 'total_failed', label: 'Failed', tone: 'failed' },
  { key: 'total_sandbox', label: 'Sandbox', tone: 'sandbox' },
  { key: 'total_queued', label: 'Queued', tone: 'queued' },
  { key: 'total_scheduled', label: 'Scheduled', tone: 'scheduled' },
  { key: 'avg_processing_time_ms', label: 'Avg. time', tone: 'time' },
];

/**
 * After a live event the totals are fetched within this delay, however many events follow: a throttle, not a
 * debounce (a debounce never fires while mail keeps arriving, and the cards stayed at 0 beside a live table).
 */
const LIVE_REFRESH_MS = 150;

export function statsCards(): { el: HTMLElement; refresh(): Promise<void>; onLive(): void } {
  const values = new Map<string, HTMLElement>();
  const el = h(
    'section',
    { class: 'stats', 'aria-label': 'Totals', 'aria-busy': 'true' },
    CARDS.map((c) => {
      const value = h('p', { class: 'stat-value', 'data-stat': c.key }, '…');
      values.set(c.key, value);
      return h('div', { class: `stat stat-${c.tone}` }, h('p', { class: 'stat-label' }, c.label), value);
    }),
  );
  const note = h('p', { class: 'stats-note muted' });
  el.appendChild(note);
  let pending: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let again = false;

  const paint = (s: Stats) => {
    for (const c of CARDS) {
      const v = s[c.key] as number | null | undefined;
      mount(values.get(c.key)!, c.key === 'avg_processing_time_ms' ? fmtMs(v) : fmtCount(v));
    }
    note.textContent = `${fmtCount(s.total)} emails recorded`;
  };
  const refresh = async () => {
    try {
      paint(await get<Stats>('/api/stats'));
    } catch {
      for (const v of values.values()) if (v.textContent === '…') v.textContent = '—';
      note.textContent = 'Totals unavailable';
    } finally {
      el.setAttribute('aria-busy', 'false');
    }
  };
  const live = async () => {
    pending = undefined;
    inFlight = true;
    await refresh();
    inFlight = false;
    if (again) {
      again = false;
      pending ??= setTimeout(live, LIVE_REFRESH_MS);
    }
  };
  return {
    el,
    refresh,
    /** A record was added or changed: fetch the totals soon, and once more if events arrive meanwhile. */
    onLive() {
      if (inFlight) again = true;
      else pending ??= setTimeout(live, LIVE_REFRESH_MS);
    },
  };
}
