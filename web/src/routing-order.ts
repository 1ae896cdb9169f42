// What the routing engine will do with the current providers (SPEC section 3), for display.
import type { Provider } from './types';

const eligible = (providers: readonly Provider[]): Provider[] => providers.filter((p) => p.enabled && p.weight > 0);

/** Smart mode: enabled, weight > 0, highest weight first, ties in config order (sort is stable). */
export function smartOrder(providers: readonly Provider[]): Provider[] {
  return eligible(providers).sort((a, b) => b.weight - a.weight);
}

/** Manual mode: each eligible provider's chance, in percent, largest first. */
export function manualSplit(providers: readonly Provider[]): { provider: Provider; percent: number }[] {
  const list = eligible(providers);
  const sum = list.reduce((n, p) => n + p.weight, 0);
  return smartOrder(list).map((provider) => ({ provider, percent: sum ? (provider.weight / sum) * 100 : 0 }));
}

export function fmtPercent(n: number): string {
  return `${n >= 10 || Number.isInteger(n) ? Math.round(n) : n.toFixed(1)}%`;
}
