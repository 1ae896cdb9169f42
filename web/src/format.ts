// Formatting of times, durations, sizes and status badges.
import { h } from './dom';
import type { CircuitState, LogStatus } from './types';

const dateTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function fmtAgo(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (Number.isNaN(s)) return iso;
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return fmtTime(iso);
}

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function fmtCount(n: number | null | undefined): string {
  return (n ?? 0).toLocaleString();
}

const STATUS_LABEL: Record<LogStatus, string> = {
  queued: 'Queued',
  sending: 'Sending',
  success: 'Sent',
  failed: 'Failed',
  sandbox: 'Sandbox',
  scheduled: 'Scheduled',
  canceled: 'Canceled',
};

export function statusLabel(status: LogStatus): string {
  return STATUS_LABEL[status] ?? status;
}

export function statusBadge(status: LogStatus): HTMLElement {
  return h('span', { class: `badge badge-${status}` }, statusLabel(status));
}

const CIRCUIT: Record<CircuitState, [string, string]> = {
  closed: ['Healthy', 'ok'],
  half_open: ['Probing', 'warn'],
  open: ['Circuit open', 'bad'],
};

export function circuitBadge(state: CircuitState): HTMLElement {
  const [label, tone] = CIRCUIT[state] ?? [state, 'muted'];
  return h('span', { class: `badge badge-${tone}` }, label);
}
