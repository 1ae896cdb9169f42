// IdempotencyKeys conformance: one winner per key, replay, body mismatch, in-flight leases that expire,
// settling of a request that died after storing its email, TTL and prune.
import assert from 'node:assert/strict';
import { IDEMPOTENCY_TTL_MS } from '../../src/store/idempotency-keys.js';
import { createMessage } from '../../src/core/message.js';
import { storeTest } from './backends.js';

const A = { owner: 'a', ms: 1000 };
const B = { owner: 'b', ms: 1000 };

storeTest('new, then in flight, then the kept answer replayed; another body is a conflict', async ({ stores }) => {
  const now = Date.now();
  assert.deepEqual(await stores.idempotency.begin('k', 'h1', A, now), { kind: 'new' });
  assert.deepEqual(await stores.idempotency.begin('k', 'h1', B, now + 1), { kind: 'conflict', reason: 'in_flight' });
  assert.deepEqual(await stores.idempotency.begin('k', 'h2', B, now + 1), { kind: 'conflict', reason: 'different_body' });
  await stores.idempotency.finish('k', 200, '{"status":"success"}');
  assert.deepEqual(await stores.idempotency.begin('k', 'h1', B, now + 5000), { kind: 'replay', status: 200, body: '{"status":"success"}' });
  assert.deepEqual(await stores.idempotency.begin('k', 'h2', B, now + 5000), { kind: 'conflict', reason: 'different_body' });
});

storeTest('a released key may be used again', async ({ stores }) => {
  const now = Date.now();
  await stores.idempotency.begin('k', 'h1', A, now);
  await stores.idempotency.release('k');
  assert.deepEqual(await stores.idempotency.begin('k', 'h2', B, now), { kind: 'new' });
  await stores.idempotency.finish('k', 202, '{}');
  await stores.idempotency.release('k');
  assert.equal((await stores.idempotency.begin('k', 'h2', A, now)).kind, 'replay', 'release never drops a kept answer');
});

storeTest('a dead request without an email frees its key once the lease expires; a live one is renewed', async ({ stores }) => {
  const now = Date.now();
  await stores.idempotency.begin('k', 'h1', A, now);
  assert.equal(await stores.idempotency.renew('k', A, now + 900), true);
  assert.equal((await stores.idempotency.begin('k', 'h1', B, now + 1500)).kind, 'conflict', 'renewed to now + 1900');
  assert.deepEqual(await stores.idempotency.begin('k', 'h1', B, now + 2000), { kind: 'new' });
  assert.equal(await stores.idempotency.renew('k', A, now + 2001), false, 'taken over');
});

storeTest('a dead request whose email was stored settles as 202 queued after expiry', async ({ stores }) => {
  const now = Date.now();
  const message = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 's', body_text: 't' });
  const logId = await stores.log.record({ source: 'api', status: 'sending', message, idempotencyKey: 'k', lease: A });
  await stores.idempotency.begin('k', 'h1', A, now);
  await stores.idempotency.attachLog('k', logId);
  assert.deepEqual(await stores.idempotency.begin('k', 'h1', B, now + 500), { kind: 'conflict', reason: 'in_flight' });
  const settled = await stores.idempotency.begin('k', 'h1', B, now + 2000);
  assert.equal(settled.kind, 'replay');
  assert.ok(settled.kind === 'replay');
  assert.equal(settled.status, 202);
  assert.deepEqual(JSON.parse(settled.body), { status: 'queued', log_id: logId });
});

storeTest('expireLeases settles a gone owner’s keys at once, as their expiry would; other owners and answers are untouched', async ({ stores }) => {
  const now = Date.now();
  const message = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 's', body_text: 't' });
  const logId = await stores.log.record({ source: 'api', status: 'sending', message, idempotencyKey: 'stored', lease: A });
  await stores.idempotency.begin('stored', 'h1', A, now);
  await stores.idempotency.attachLog('stored', logId);
  await stores.idempotency.begin('unstored', 'h1', A, now);
  await stores.idempotency.begin('answered', 'h1', A, now);
  await stores.idempotency.finish('answered', 200, '{"status":"success"}');
  await stores.idempotency.begin('other', 'h1', B, now);
  assert.equal(await stores.idempotency.expireLeases('a'), 2, 'the two in flight');
  const settled = await stores.idempotency.begin('stored', 'h1', B, now + 1);
  assert.ok(settled.kind === 'replay');
  assert.deepEqual([settled.status, JSON.parse(settled.body)], [202, { status: 'queued', log_id: logId }]);
  assert.deepEqual(await stores.idempotency.begin('unstored', 'h1', B, now + 1), { kind: 'new' });
  assert.deepEqual(await stores.idempotency.begin('answered', 'h1', B, now + 1), { kind: 'replay', status: 200, body: '{"status":"success"}' });
  assert.deepEqual(await stores.idempotency.begin('other', 'h1', A, now + 1), { kind: 'conflict', reason: 'in_flight' }, 'a live owner keeps its key');
});

storeTest('after the TTL a key counts as new; prune forgets old keys', async ({ stores }) => {
  const now = Date.now();
  await stores.idempotency.begin('old', 'h1', A, now - IDEMPOTENCY_TTL_MS - 10);
  await stores.idempotency.finish('old', 200, '{}');
  await stores.idempotency.begin('fresh', 'h1', A, now);
  assert.deepEqual(await stores.idempotency.begin('old', 'h2', B, now), { kind: 'new' });
  await stores.idempotency.begin('older', 'h1', A, now - IDEMPOTENCY_TTL_MS - 10);
  assert.equal(await stores.idempotency.prune(now), 1);
  assert.equal((await stores.idempotency.begin('fresh', 'h1', B, now)).kind, 'conflict');
});

storeTest('the same key raced from two connections has exactly one winner', async ({ stores, another }) => {
  const other = await another();
  const now = Date.now();
  const keys = Array.from({ length: 50 }, (_, i) => `race-${i}`);
  const results = await Promise.all(
    keys.flatMap((k) => [stores.idempotency.begin(k, 'h', A, now).then((r) => [k, r.kind] as const), other.idempotency.begin(k, 'h', B, now).then((r) => [k, r.kind] as const)]),
  );
  for (const k of keys) {
    const kinds = results.filter(([key]) => key === k).map(([, kind]) => kind).sort();
    assert.deepEqual(kinds, ['conflict', 'new'], k);
  }
});
