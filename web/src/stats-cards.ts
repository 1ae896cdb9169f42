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

export function statsCards(): { el: HTMLElement; refresh(): Promise<void> } {
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
  return {
    el,
    async refresh() {
      try {
        const s = await get<Stats>('/api/stats');
        for (const c of CARDS) {
          const v = s[c.key] as number | null | undefined;
          mount(values.get(c.key)!, c.key === 'avg_processing_time_ms' ? fmtMs(v) : fmtCount(v));
        }
        note.textContent = `${fmtCount(s.total)} emails recorded`;
      } catch {
        for (const v of values.values()) if (v.textContent === '…') v.textContent = '—';
        note.textContent = 'Totals unavailable';
      } finally {
        el.setAttribute('aria-busy', 'false');
      }
    },
  };
}
