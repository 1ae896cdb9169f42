// Which providers to try, in what order. Pure functions over config; randomness injected for tests.
import type { ProviderConfig } from '../core/provider.js';
import { domainOf, recipients, type Message } from '../core/message.js';
import type { OnUncertain, RoutingConfig, RoutingRule } from '../config/types.js';

export type Random = () => number;

/** Enabled providers with weight > 0: the only ones routing may ever call. */
export const active = (providers: readonly ProviderConfig[]) => providers.filter((p) => p.enabled && p.weight > 0);

/** Smart: highest weight first, ties in config order (Array.prototype.sort is stable). */
export function smartOrder(candidates: readonly ProviderConfig[]): ProviderConfig[] {
  return [...candidates].sort((a, b) => b.weight - a.weight);
}

/** Manual: one weighted-random pick, probability proportional to weight. */
export function weightedPick(candidates: readonly ProviderConfig[], random: Random): ProviderConfig | undefined {
  const total = candidates.reduce((s, p) => s + p.weight, 0);
  let r = random() * total;
  for (const p of candidates) {
    r -= p.weight;
    if (r < 0) return p;
  }
  return candidates[candidates.length - 1];
}

export function ruleMatches(rule: RoutingRule, m: Message): boolean {
  const { to_domain, from_domain, tag } = rule.match;
  if (to_domain && !recipients(m).some((a) => domainOf(a) === to_domain)) return false;
  if (from_domain && domainOf(m.envelope?.from || m.from.address) !== from_domain) return false;
  if (tag && !Object.entries(tag).every(([k, v]) => m.tags[k] === v)) return false;
  return true;
}

/** The on_uncertain policy for this message: its rule's, else the routing default, else failover. */
export function uncertainPolicyFor(routing: RoutingConfig, m: Message): OnUncertain {
  return routing.rules.find((r) => ruleMatches(r, m))?.on_uncertain ?? routing.on_uncertain ?? 'failover';
}

/** The first matching rule restricts the candidates to its providers (in the rule's order of ids kept by config order). */
export function applyRules(providers: readonly ProviderConfig[], routing: RoutingConfig, m: Message): readonly ProviderConfig[] {
  const rule = routing.rules.find((r) => ruleMatches(r, m));
  if (!rule) return providers;
  const allowed = new Set(rule.providers);
  return providers.filter((p) => allowed.has(p.id));
}

export interface PlanOptions {
  readonly random: Random;
  /** circuit breaker: false while a provider's circuit is open */
  readonly available?: (id: string) => boolean;
}

/** The providers to attempt, in order: rules, then breaker, then the mode. Empty = none usable (503). */
export function planAttempts(providers: readonly ProviderConfig[], routing: RoutingConfig, m: Message, o: PlanOptions): ProviderConfig[] {
  let candidates = active(applyRules(providers, routing, m));
  if (o.available) {
    const closed = candidates.filter((p) => o.available!(p.id));
    if (closed.length) candidates = closed; // every candidate open: try them anyway
  }
  if (routing.mode === 'manual') {
    const pick = weightedPick(candidates, o.random);
    return pick ? [pick] : [];
  }
  return smartOrder(candidates);
}
