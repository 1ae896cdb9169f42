// Conformance cases for the section-12 store interfaces (DeliveryEvents, Suppressions, Webhooks and the
// leased WebhookDeliveries queue) and what section 12 adds to SendLog/DeliveryQueue, written against the
// interfaces: every backend in backends.ts runs them.
import assert from 'node:assert/strict';
import type { InboundEvent } from '../../src/core/delivery-event.js';
import { createMessage } from '../../src/core/message.js';
import type { Stores } from '../../src/store/stores.js';
import { storeTest } from './backends.js';

const msg = (to = 'b@example.org') => createMessage({ from: 'a@example.com', to: [to], subject: 's', body_text: 't' });

/** an email sent by `providerId` whose send returned `messageId`; its log id */
async function sentEmail(stores: Stores, providerId: string, messageId: string): Promise<number> {
  const id = await stores.log.record({ source: 'api', status: 'sending', message: msg() });
  await stores.log.transition(id, { to: 'success', provider: { id: providerId, name: providerId, type: 'resend' }, messageId, attempts: [] });
  return id;
}

/** ids announced on the change feed without a status transition (delivery events) */
function changedIds(stores: Stores): number[] {
  const ids: number[] = [];
  stores.changes.subscribe((c) => {
    if (!c.transitioned) ids.push(c.id);
  });
  return ids;
}

const ev = (o: Partial<InboundEvent>): InboundEvent => ({
  type: 'delivered', bounce_type: null, recipient: 'b@example.org', occurred_at: '2026-01-01T00:00:00.000Z', provider_id: 'p1', detail: null, url: null, message_key: 'm1', dedupe_key: 'd1', ...o,
});

storeTest('events land on the email of that provider and message id (brackets ignored), once, ordered by occurred_at', async ({ stores }) => {
  const changed = changedIds(stores);
  const id = await sentEmail(stores, 'p1', '<m1>');
  const other = await sentEmail(stores, 'p2', 'm1');
  const r = await stores.events.record('p1', [
    ev({ type: 'bounced', bounce_type: 'soft', occurred_at: '2026-01-01T00:00:05.000Z', dedupe_key: 'a' }),
    ev({ type: 'deferred', occurred_at: '2026-01-01T00:00:01.000Z', dedupe_key: 'b' }),
    ev({ dedupe_key: 'a', type: 'bounced', bounce_type: 'soft', occurred_at: '2026-01-01T00:00:05.000Z' }),
    ev({ message_key: 'unknown', dedupe_key: 'c' }),
  ]);
  assert.deepEqual([r.stored.length, r.duplicates, r.unknown.length], [2, 1, 1]);
  assert.deepEqual([r.stored[0].log_id, r.stored[0].message_id], [id, '<m1>']);
  assert.deepEqual((await stores.events.forEmail(id)).map((e) => e.type), ['deferred', 'bounced']);
  assert.deepEqual(await stores.events.forEmail(other), [], "another provider's email with the same id is untouched");
  assert.deepEqual(changed, [id]);
  assert.equal((await stores.log.summary(id))?.delivery_status, 'bounced', 'the latest delivery-status event by occurred_at');
  // An older delivery-status event arriving late does not move the status back.
  await stores.events.record('p1', [ev({ type: 'delivered', occurred_at: '2026-01-01T00:00:02.000Z', dedupe_key: 'late' })]);
  assert.equal((await stores.events.forEmail(id)).length, 3);
  assert.equal((await stores.log.summary(id))?.delivery_status, 'bounced', 'an older event does not move it back');
  assert.deepEqual((await stores.log.list({ limit: 10, offset: 0, delivery_status: 'bounced' })).logs.map((l) => l.id), [id]);
  assert.equal((await stores.log.list({ limit: 10, offset: 0, delivery_status: 'delivered' })).total, 0);
});

storeTest('suppressions compare case-insensitively, keep the first reason, search and page', async ({ stores }) => {
  assert.equal(await stores.suppressions.add({ email: 'Ann@Example.org', reason: 'hard_bounce', provider_id: 'p1', log_id: 7 }), true);
  assert.equal(await stores.suppressions.add({ email: 'ann@example.org', reason: 'manual', provider_id: null, log_id: null }), false);
  await stores.suppressions.add({ email: 'bob@example.org', reason: 'complaint', provider_id: 'p1', log_id: 8 });
  assert.equal((await stores.suppressions.get('ANN@example.org'))?.reason, 'hard_bounce');
  assert.deepEqual([...(await stores.suppressions.suppressedAmong(['ANN@EXAMPLE.ORG', 'carol@example.org']))], ['ANN@EXAMPLE.ORG']);
  const page = await stores.suppressions.list({ limit: 1, offset: 0, q: 'example' });
  assert.deepEqual([page.total, page.suppressions.length], [2, 1]);
  assert.equal((await stores.suppressions.list({ limit: 10, offset: 0, q: '%' })).total, 0, 'q is a literal substring');
  assert.equal(await stores.suppressions.remove('BOB@example.org'), true);
  assert.equal(await stores.suppressions.remove('bob@example.org'), false);
});

storeTest('concurrent suppression lookups each answer for their own addresses', async ({ stores }) => {
  for (let i = 0; i < 300; i += 3) await stores.suppressions.add({ email: `u${i}@example.org`, reason: 'manual', provider_id: null, log_id: null });
  // 100 sends in one turn, each asking about its own three addresses (one of them suppressed).
  const answers = await Promise.all(Array.from({ length: 100 }, (_, k) => stores.suppressions.suppressedAmong([`U${3 * k}@example.org`, `u${3 * k + 1}@example.org`, `u${3 * k + 2}@example.org`])));
  answers.forEach((hits, k) => assert.deepEqual([...hits], [`U${3 * k}@example.org`], `send ${k}`));
});

const attempt = (outcome: 'delivered' | 'retrying' | 'failed', status_code: number | null = outcome === 'delivered' ? 200 : 500) =>
  ({ attempted_at: new Date().toISOString(), status_code, duration_ms: 1, error: outcome === 'delivered' ? null : `HTTP ${status_code}`, outcome });

async function endpoint(stores: Stores, id = 'wh1'): Promise<void> {
  await stores.webhooks.create({ id, url: 'https://x.example/', events: ['email.sent'], description: null, created_at: new Date().toISOString(), secret: 'whsec_x' });
}

storeTest('webhook deliveries are leased to one worker, retried with the same id; only the holder records an attempt', async ({ stores }) => {
  await endpoint(stores);
  assert.equal((await stores.webhooks.list())[0].events[0], 'email.sent');
  assert.equal('secret' in (await stores.webhooks.list())[0], false, 'list never carries the secret');
  assert.equal((await stores.webhooks.get('wh1'))?.secret, 'whsec_x');
  await stores.webhookDeliveries.enqueue([{ webhookId: 'wh1', msgId: 'msg_1', event: 'email.sent', payload: '{}' }], 1000);
  const [first] = await stores.webhookDeliveries.claimDue(1000, 10, 'w1', 30_000);
  assert.equal(first.msgId, 'msg_1');
  assert.deepEqual(await stores.webhookDeliveries.claimDue(1001, 10, 'w2', 30_000), [], 'leased: nobody else gets it');
  assert.equal(await stores.webhookDeliveries.nextDueAt(), 31_000, 'a leased delivery falls due when its lease expires');
  assert.equal(await stores.webhookDeliveries.finishAttempt('w2', first.id, attempt('delivered'), null), false, 'not the holder');
  assert.equal(await stores.webhookDeliveries.finishAttempt('w1', first.id, attempt('retrying'), 2000), true);
  assert.equal(await stores.webhookDeliveries.nextDueAt(), 2000);
  const [again] = await stores.webhookDeliveries.claimDue(2000, 10, 'w2', 30_000);
  assert.deepEqual([again.msgId, again.attempts], ['msg_1', 1]);
  assert.equal(await stores.webhookDeliveries.finishAttempt('w2', again.id, attempt('delivered'), null), true);
  assert.equal(await stores.webhookDeliveries.nextDueAt(), undefined);
  assert.deepEqual((await stores.webhookDeliveries.recent('wh1', 10)).map((a) => [a.outcome, a.status_code, a.msg_id]), [['delivered', 200, 'msg_1'], ['retrying', 500, 'msg_1']]);
  assert.equal(await stores.webhooks.delete('wh1'), true);
  assert.equal(await stores.webhooks.delete('wh1'), false);
  assert.deepEqual(await stores.webhookDeliveries.recent('wh1', 10), []);
});

storeTest('an expired delivery lease is reclaimed by another worker, a live one is not; the old holder is then refused', async ({ stores, another }) => {
  const other = await another();
  await endpoint(stores);
  await stores.webhookDeliveries.enqueue([
    { webhookId: 'wh1', msgId: 'msg_a', event: 'email.sent', payload: '{"a":1}' },
    { webhookId: 'wh1', msgId: 'msg_b', event: 'email.sent', payload: '{"b":1}' },
  ], 1000);
  const [a] = await stores.webhookDeliveries.claimDue(1000, 1, 'w1', 10_000);
  const [b] = await other.webhookDeliveries.claimDue(5000, 1, 'w2', 60_000);
  assert.notEqual(a.id, b.id);
  assert.deepEqual(await other.webhookDeliveries.claimDue(10_999, 10, 'w3', 60_000), [], 'both leases live');
  const reclaimed = await other.webhookDeliveries.claimDue(11_001, 10, 'w3', 60_000);
  assert.deepEqual(reclaimed.map((d) => [d.id, d.msgId, d.payload]), [[a.id, a.msgId, a.payload]], 'only the expired one, with its webhook-id');
  assert.equal(await stores.webhookDeliveries.finishAttempt('w1', a.id, attempt('delivered'), null), false, 'the lease was lost');
  assert.deepEqual(await stores.webhookDeliveries.recent('wh1', 10), [], 'a lost lease records nothing');
  assert.equal(await other.webhookDeliveries.finishAttempt('w3', a.id, attempt('delivered'), null), true);
  assert.deepEqual((await stores.webhookDeliveries.recent('wh1', 10)).map((x) => x.msg_id), [a.msgId]);
});

storeTest('leaseHolders names who holds deliveries; expireLeases hands a gone owner’s over at once, with the same webhook-id', async ({ stores }) => {
  await endpoint(stores);
  const now = Date.now();
  await stores.webhookDeliveries.enqueue([
    { webhookId: 'wh1', msgId: 'msg_1', event: 'email.sent', payload: '{}' },
    { webhookId: 'wh1', msgId: 'msg_2', event: 'email.sent', payload: '{}' },
  ], now - 10);
  const [gone] = await stores.webhookDeliveries.claimDue(now, 1, 'gone', 60_000);
  await stores.webhookDeliveries.claimDue(now, 1, 'live', 60_000);
  assert.deepEqual((await stores.webhookDeliveries.leaseHolders(now)).sort(), ['gone', 'live']);
  assert.deepEqual(await stores.webhookDeliveries.claimDue(now + 1, 10, 'w3', 60_000), [], 'both leases live');
  assert.equal(await stores.webhookDeliveries.expireLeases('gone'), 1);
  assert.deepEqual(await stores.webhookDeliveries.leaseHolders(now), ['live']);
  const taken = await stores.webhookDeliveries.claimDue(now + 1, 10, 'w3', 60_000);
  assert.deepEqual(taken.map((d) => [d.id, d.msgId]), [[gone.id, gone.msgId]], 'the gone owner’s delivery, with its webhook-id');
});

storeTest('two concurrent claims from two connections never return the same delivery', async ({ stores, another }) => {
  const other = await another();
  await endpoint(stores);
  const items = Array.from({ length: 60 }, (_, i) => ({ webhookId: 'wh1', msgId: `msg_${i}`, event: 'email.sent', payload: '{}' }));
  await stores.webhookDeliveries.enqueue(items, 1000);
  const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => [stores, other][i % 2].webhookDeliveries.claimDue(1000, 7, `w${i % 2}`, 60_000)));
  const got = claims.flat().map((d) => d.msgId);
  assert.equal(new Set(got).size, got.length, 'a delivery was claimed twice');
  assert.deepEqual(new Set(got), new Set(items.map((i) => i.msgId)));
});

storeTest('releaseLeases at start: a backend one process owns frees them at once, a shared one lets them expire', async ({ stores }) => {
  await endpoint(stores);
  await stores.webhookDeliveries.enqueue([{ webhookId: 'wh1', msgId: 'msg_1', event: 'email.sent', payload: '{}' }], 1000);
  await stores.webhookDeliveries.claimDue(1000, 10, 'w1', 30_000);
  await stores.webhookDeliveries.releaseLeases();
  const taken = await stores.webhookDeliveries.claimDue(2000, 10, 'w2', 30_000);
  // PostgreSQL: the holder may be a live instance, so its lease stands.
  assert.equal(taken.length, stores.backend === 'sqlite' ? 1 : 0);
});

storeTest('the same events recorded at once on two connections are stored once each', async ({ stores, another }) => {
  const other = await another();
  const ids: number[] = [];
  for (let i = 0; i < 4; i++) ids.push(await sentEmail(stores, 'p1', `m${i}`));
  // Several rounds of overlapping batches, in opposite orders on the two connections: each event stored by one
  // of them, never a deadlock.
  for (let round = 0; round < 5; round++) {
    const batch = ids.flatMap((_, i) =>
      ['deferred', 'delivered'].map((type, k) => ev({ type: type as InboundEvent['type'], message_key: `m${i}`, dedupe_key: `r${round}-m${i}-${type}`, occurred_at: `2026-01-01T00:0${round}:0${k}.000Z` })),
    );
    const [r1, r2] = await Promise.all([stores.events.record('p1', batch.slice(0, 6)), other.events.record('p1', batch.slice(2).reverse())]);
    assert.equal(r1.stored.length + r2.stored.length, batch.length, `round ${round}: each event stored once`);
    assert.equal(r1.duplicates + r2.duplicates, 4, `round ${round}: the overlap is duplicates`);
  }
  for (const id of ids) {
    assert.equal((await stores.events.forEmail(id)).length, 10);
    assert.equal((await other.log.summary(id))?.delivery_status, 'delivered', 'the latest event by occurred_at');
  }
});

storeTest('suppressions are shared: added on one connection, suppressed on another; a concurrent add wins once', async ({ stores, another }) => {
  const other = await another();
  await stores.suppressions.add({ email: 'Gone@Example.org', reason: 'complaint', provider_id: 'p1', log_id: 1 });
  assert.deepEqual([...(await other.suppressions.suppressedAmong(['x@example.org', 'GONE@example.org', 'y@example.org']))], ['GONE@example.org']);
  const adds = await Promise.all([stores, other, stores, other].map((s, i) => s.suppressions.add({ email: `Race@example.org`, reason: 'manual', provider_id: null, log_id: i })));
  assert.equal(adds.filter(Boolean).length, 1);
  assert.equal(await other.suppressions.remove('gone@example.org'), true);
  assert.deepEqual([...(await stores.suppressions.suppressedAmong(['gone@example.org', 'race@EXAMPLE.org']))], ['race@EXAMPLE.org']);
  assert.deepEqual([...(await stores.suppressions.suppressedAmong([]))], []);
});

storeTest('record keeps the suppressed recipients; get returns them ([] when none)', async ({ stores }) => {
  const id = await stores.log.record({ source: 'api', status: 'sandbox', message: msg(), suppressed: ['gone@example.org'] });
  const plain = await stores.log.record({ source: 'api', status: 'sandbox', message: msg() });
  assert.deepEqual((await stores.log.get(id))?.suppressed, ['gone@example.org']);
  assert.deepEqual((await stores.log.get(plain))?.suppressed, []);
  assert.equal((await stores.log.get(plain))?.delivery_status, null);
});

storeTest('a pinned provider set by a transition comes back with the claim; null clears it, absent keeps it', async ({ stores }) => {
  const id = await stores.log.record({ source: 'api', status: 'sending', message: msg(), lease: { owner: 'a', ms: 30_000 } });
  assert.equal(await stores.log.transition(id, { to: 'queued', holder: 'a', pinnedProvider: 'p1', nextAttemptAt: 0 }), true);
  const [claimed] = await stores.queue.claim('b', 30_000, 10, Date.now());
  assert.deepEqual([claimed?.id, claimed?.pinnedProvider], [id, 'p1']);
  await stores.log.transition(id, { to: 'queued', holder: 'b', nextAttemptAt: 0 });
  assert.equal((await stores.queue.claim('c', 30_000, 10, Date.now()))[0]?.pinnedProvider, 'p1', 'absent keeps it');
  await stores.log.transition(id, { to: 'queued', holder: 'c', pinnedProvider: null, nextAttemptAt: 0 });
  assert.equal((await stores.queue.claim('d', 30_000, 10, Date.now()))[0]?.pinnedProvider, null);
});
