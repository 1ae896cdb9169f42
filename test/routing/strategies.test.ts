// The routing strategies as pure functions: randomness injected, no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { active, applyRules, planAttempts, ruleMatches, smartOrder, weightedPick } from '../../src/routing/strategies.js';
import { createMessage } from '../../src/core/message.js';
import type { ProviderConfig } from '../../src/core/provider.js';
import type { RoutingConfig } from '../../src/config/types.js';

const p = (id: string, weight: number, enabled = true): ProviderConfig => ({ id, name: id.toUpperCase(), type: 'resend', enabled, weight, api_key: 'k' });
const ids = (ps: readonly ProviderConfig[]) => ps.map((x) => x.id);
const msg = (o: Record<string, unknown> = {}) => createMessage({ from: 'a@sender.example', to: ['b@to.example'], subject: 's', body_text: 't', ...o } as any);
const routing = (o: Partial<RoutingConfig> = {}): RoutingConfig => ({ mode: 'smart', sandbox: false, rules: [], ...o });
const fixed = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length];
};

test('active: only enabled providers with weight > 0', () => {
  assert.deepEqual(ids(active([p('a', 10), p('off', 50, false), p('zero', 0), p('b', 1)])), ['a', 'b']);
});

test('smartOrder: highest weight first, ties in config order, input untouched', () => {
  const input = [p('low', 10), p('tie1', 50), p('high', 90), p('tie2', 50), p('tie3', 50)];
  assert.deepEqual(ids(smartOrder(input)), ['high', 'tie1', 'tie2', 'tie3', 'low']);
  assert.deepEqual(ids(input), ['low', 'tie1', 'high', 'tie2', 'tie3']);
});

test('weightedPick: the random number falls into a slice proportional to weight', () => {
  const cands = [p('a', 75), p('b', 25)];
  assert.equal(weightedPick(cands, () => 0)?.id, 'a');
  assert.equal(weightedPick(cands, () => 0.7499)?.id, 'a');
  assert.equal(weightedPick(cands, () => 0.75)?.id, 'b');
  assert.equal(weightedPick(cands, () => 0.999999)?.id, 'b');
  assert.equal(weightedPick([p('only', 3)], () => 0.5)?.id, 'only');
  assert.equal(weightedPick([], () => 0.5), undefined);
  // An evenly spread sequence of random numbers gives exactly the weights' proportions.
  const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
  const three = [p('a', 50), p('b', 30), p('c', 20)];
  for (let i = 0; i < 1000; i++) counts[weightedPick(three, () => i / 1000)!.id]++;
  assert.deepEqual(counts, { a: 500, b: 300, c: 200 });
});

test('planAttempts manual: one pick, weighted, never a disabled or weight-0 provider', () => {
  const providers = [p('zero', 0), p('a', 75), p('off', 100, false), p('b', 25)];
  const r = routing({ mode: 'manual' });
  assert.deepEqual(ids(planAttempts(providers, r, msg(), { random: () => 0.1 })), ['a']);
  assert.deepEqual(ids(planAttempts(providers, r, msg(), { random: () => 0.9 })), ['b']);
  for (let i = 0; i < 100; i++) {
    const plan = planAttempts(providers, r, msg(), { random: () => i / 100 });
    assert.equal(plan.length, 1);
    assert.ok(['a', 'b'].includes(plan[0].id));
  }
  assert.deepEqual(planAttempts([p('zero', 0), p('off', 5, false)], r, msg(), { random: Math.random }), []);
});

test('planAttempts smart: every active provider, weight order', () => {
  const providers = [p('zero', 0), p('mid', 50), p('off', 100, false), p('top', 80), p('low', 10)];
  assert.deepEqual(ids(planAttempts(providers, routing(), msg(), { random: fixed(0) })), ['top', 'mid', 'low']);
  assert.deepEqual(planAttempts([], routing(), msg(), { random: fixed(0) }), []);
});

test('rules: to_domain (any recipient), from_domain, tag; the first match restricts the candidates', () => {
  const providers = [p('a', 100), p('b', 50), p('c', 10)];
  const r = routing({
    rules: [
      { match: { to_domain: 'vip.example' }, providers: ['c'] },
      { match: { from_domain: 'billing.example' }, providers: ['b', 'c'] },
      { match: { tag: { kind: 'bulk' } }, providers: ['b'] },
    ],
  });
  const plan = (m: ReturnType<typeof msg>) => ids(planAttempts(providers, r, m, { random: fixed(0) }));
  assert.deepEqual(plan(msg()), ['a', 'b', 'c']);
  assert.deepEqual(plan(msg({ to: ['x@VIP.example'] })), ['c']);
  assert.deepEqual(plan(msg({ bcc: ['hidden@vip.example'] })), ['c']);
  assert.deepEqual(plan(msg({ from: 'Billing <inv@billing.example>' })), ['b', 'c']);
  assert.deepEqual(plan(msg({ from: 'inv@billing.example', to: ['x@vip.example'] })), ['c'], 'first matching rule wins');
  assert.deepEqual(plan(msg({ tags: { kind: 'bulk' } })), ['b']);
  assert.deepEqual(plan(msg({ tags: { kind: 'other' } })), ['a', 'b', 'c']);
  assert.equal(ruleMatches({ match: { to_domain: 'to.example', tag: { k: 'v' } }, providers: ['a'] }, msg()), false, 'every condition must hold');
  assert.equal(ruleMatches({ match: {}, providers: ['a'] }, msg()), true);
  // A rule whose providers are all disabled leaves nothing: 503, not a silent fallback to the others.
  const disabled = [p('a', 100), p('c', 10, false)];
  assert.deepEqual(ids(planAttempts(disabled, r, msg({ to: ['x@vip.example'] }), { random: fixed(0) })), []);
  assert.deepEqual(ids(applyRules(providers, routing(), msg())), ['a', 'b', 'c']);
});

test('breaker availability: open circuits are skipped unless every candidate is open', () => {
  const providers = [p('a', 100), p('b', 50)];
  const plan = (open: string[]) => ids(planAttempts(providers, routing(), msg(), { random: fixed(0), available: (id) => !open.includes(id) }));
  assert.deepEqual(plan([]), ['a', 'b']);
  assert.deepEqual(plan(['a']), ['b']);
  assert.deepEqual(plan(['a', 'b']), ['a', 'b']);
});
