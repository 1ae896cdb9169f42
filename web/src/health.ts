// Banners for a config error (GET /api/health) and for an unreachable API.
import { get, describeError, NETWORK_DOWN, onNetworkDown } from './api';
import { h, icon, mount } from './dom';
import { ICONS } from './icons';
import type { Health } from './types';

const POLL_MS = 15_000;
let region: HTMLElement;
let timer: ReturnType<typeof setTimeout> | undefined;
let version = '';
const versionListeners = new Set<(v: string) => void>();

export function onVersion(fn: (v: string) => void): void {
  versionListeners.add(fn);
  if (version) fn(version);
}

export function startHealth(el: HTMLElement): void {
  region = el;
  onNetworkDown(() => {
    if (!region.querySelector('[data-banner="api-down"]')) mount(region, apiDown());
  });
  void checkHealth();
}

export async function checkHealth(): Promise<void> {
  clearTimeout(timer);
  try {
    const health = await get<Health>('/api/health');
    if (health.version && health.version !== version) {
      version = health.version;
      for (const fn of versionListeners) fn(version);
    }
    const banners: HTMLElement[] = [];
    if (health.config_error) {
      banners.push(
        banner(
          'config-error',
          'config.json has an error',
          `${health.config_error} — the last good configuration keeps serving; fix the file (or replace it with PUT /api/config) to apply changes.`,
        ),
      );
    }
    if (health.db_connected === false) banners.push(banner('db-error', 'Database not connected', 'Emails cannot be recorded until the database is back.'));
    mount(region, banners);
  } catch (err) {
    mount(region, apiDown(describeError(err)));
  }
  timer = setTimeout(() => void checkHealth(), POLL_MS);
}

function apiDown(why = NETWORK_DOWN): HTMLElement {
  return banner('api-down', 'API unreachable', `${why} Retrying every ${POLL_MS / 1000} s.`);
}

function banner(kind: string, title: string, text: string): HTMLElement {
  return h('div', { class: 'banner', role: 'alert', 'data-banner': kind }, icon(ICONS.alert), h('div', {}, h('strong', {}, title), ' ', h('span', {}, text)));
}
