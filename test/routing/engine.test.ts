// The engine with stub providers: attempts in plan order, stop at the first success, per-attempt timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoutingEngine } from '../../src/routing/engine.js';
import { createMessage } from '../../src/core/message.js';
import type { Provider, ProviderConfig } from '../../src/core/provider.js';
import { fail, ok, type Receipt } from '../../src/core/receipt.js';

const message = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 's', body_text: 't' });
const cfg = (id: string, extra: Partial<ProviderConfig> = {}): ProviderConfig => ({ id, name: `P ${id}`, type: 'resend', enabled: true, weight: 100, ...extra });

function engineWith(behaviour: Record<string, (signal: AbortSignal) => Promise<Receipt>>) {
  const calls: string[] = [];
  const observed: [string, boolean][] = [];
  const engine = new RoutingEngine(
    (c): Provider => ({
      id: c.id,
      name: c.name,
      type: c.type,
      send: (_m, { signal }) => {
        calls.push(c.id);
        return behaviour[c.id](signal);
      },
      verify: async () => ({ ok: true, checked: '' }),
    }),
    { onAttempt: (p, r) => observed.push([p.id, r.successful]) },
  );
  return { engine, calls, observed };
}

const transient = () => Promise.resolve(fail({ code: 'http_503', class: 'transient', message: 'HTTP 503: down', statusCode: 503 }));
const permanent = () => Promise.resolve(fail({ code: 'http_401', class: 'permanent', message: 'HTTP 401: bad key', statusCode: 401 }));

test('tries in order after any failure, transient or permanent, and stops at the first success', async () => {
  const { engine, calls, observed } = engineWith({ a: transient, b: permanent, c: () => Promise.resolve(ok('id-c')), d: () => Promise.resolve(ok('id-d')) });
  const r = await engine.deliver(message, [cfg('a'), cfg('b'), cfg('c'), cfg('d')]);
  assert.deepEqual(calls, ['a', 'b', 'c']);
  assert.equal(r.delivered?.provider.id, 'c');
  assert.equal(r.delivered?.messageId, 'id-c');
  assert.deepEqual(r.attempts.map((a) => [a.provider_id, a.ok, a.error_class]), [['a', false, 'transient'], ['b', false, 'permanent'], ['c', true, null]]);
  assert.deepEqual(r.attempts.map((a) => a.error), ['HTTP 503: down', 'HTTP 401: bad key', null]);
  assert.deepEqual(observed, [['a', false], ['b', false], ['c', true]]);
  assert.equal(r.failures.length, 2);
});

test('a provider that hangs (even ignoring its signal) fails at its timeout_ms and the next one is tried', async () => {
  const { engine, calls } = engineWith({ hang: () => new Promise(() => {}), ok: () => Promise.resolve(ok('x')) });
  // AbortSignal.timeout's timer does not hold the process open (a server's socket does); this test has none.
  const keepAlive = setInterval(() => {}, 1000);
  const t0 = performance.now();
  const r = await engine.deliver(message, [cfg('hang', { timeout_ms: 150 }), cfg('ok')]).finally(() => clearInterval(keepAlive));
  const elapsed = performance.now() - t0;
  assert.deepEqual(calls, ['hang', 'ok']);
  assert.equal(r.attempts[0].error_class, 'transient');
  assert.match(r.attempts[0].error!, /timed out/);
  assert.ok(r.attempts[0].duration_ms >= 140, `duration ${r.attempts[0].duration_ms}`);
  assert.ok(elapsed < 2000);
  assert.equal(r.delivered?.provider.id, 'ok');
});

test('a provider that throws is a failed attempt, not a crash; all failing means no delivery', async () => {
  const { engine } = engineWith({ boom: () => Promise.reject(new Error('socket exploded')), down: transient });
  const r = await engine.deliver(message, [cfg('boom'), cfg('down')]);
  assert.equal(r.delivered, undefined);
  assert.deepEqual(r.failures.map((f) => f.provider.id), ['boom', 'down']);
  assert.match(r.attempts[0].error!, /socket exploded/);
});

test('an empty plan attempts nothing', async () => {
  const { engine, calls } = engineWith({});
  const r = await engine.deliver(message, []);
  assert.deepEqual([calls, r.attempts, r.failures, r.delivered], [[], [], [], undefined]);
});
