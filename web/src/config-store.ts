// The gateway config as last read from GET /api/config, shared by the header and the pages.
import { api, get } from './api';
import type { AppConfig, Routing } from './types';

let current: AppConfig | null = null;
const listeners = new Set<(cfg: AppConfig) => void>();

export function currentConfig(): AppConfig | null {
  return current;
}

export function onConfig(fn: (cfg: AppConfig) => void): () => void {
  listeners.add(fn);
  if (current) fn(current);
  return () => listeners.delete(fn);
}

export async function loadConfig(): Promise<AppConfig> {
  const cfg = await get<AppConfig>('/api/config');
  current = cfg;
  for (const fn of listeners) fn(cfg);
  return cfg;
}

/** Changes part of the routing; reads the config first so rules edited elsewhere are kept. */
export async function saveRouting(patch: Partial<Routing>): Promise<AppConfig> {
  const fresh = await loadConfig();
  const routing = { ...fresh.routing, ...patch };
  await api('POST', '/api/config/routing', { mode: routing.mode, sandbox: routing.sandbox, rules: routing.rules ?? [] });
  return loadConfig();
}
