// Conformance cases for the section-12 store interfaces (DeliveryEvents, Suppressions, Webhooks and the
// leased WebhookDeliveries queue) and what section 12 adds to SendLog/DeliveryQueue, written against the
// interfaces: every backend in backends.ts runs them.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
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

/** The events, suppression and webhook stores are SQLite-only so far (src/store/postgres/unsupported.ts). */
function sectionTwelveMissing(stores: Stores, t: TestContext): boolean {
  if (stores.backend !== 'postgres') return false;
  t.skip('section-12 stores are not on PostgreSQL yet (src/store/postgres/unsupported.ts)');
  return true;
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

storeTest('events land on the email of that provider and message id (brackets ignored), once, ordered by occurred_at', async ({ stores }, t) => {
  if (sectionTwelveMissing(stores, t)) return;
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

storeTest('suppressions compare case-insensitively, keep the first reason, search and page', async ({ stores }, t) => {
  if (sectionTwelveMissing(stores, t)) return;
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

storeTest('webhook deliveries are leased to one worker, retried with the same id, released at start', async ({ stores }, t) => {
  if (sectionTwelveMissing(stores, t)) return;
  await stores.webhooks.create({ id: 'wh1', url: 'https://x.example/', events: ['email.sent'], description: null, created_at: new Date().toISOString(), secret: 'whsec_x' });
  assert.equal((await stores.webhooks.list())[0].events[0], 'email.sent');
  assert.equal('secret' in (await stores.webhooks.list())[0], false, 'list never carries the secret');
  await stores.webhookDeliveries.enqueue([{ webhookId: 'wh1', msgId: 'msg_1', event: 'email.sent', payload: '{}' }], 1000);
  const [first] = await stores.webhookDeliveries.claimDue(1000, 10, 'w1', 30_000);
  assert.equal(first.msgId, 'msg_1');
  assert.deepEqual(await stores.webhookDeliveries.claimDue(1001, 10, 'w2', 30_000), [], 'leased: nobody else gets it');
  await stores.webhookDeliveries.finishAttempt(first.id, { attempted_at: new Date().toISOString(), status_code: 500, duration_ms: 1, error: 'HTTP 500', outcome: 'retrying' }, 2000);
  assert.equal(await stores.webhookDeliveries.nextDueAt(), 2000);
  const [again] = await stores.webhookDeliveries.claimDue(2000, 10, 'w2', 30_000);
  assert.deepEqual([again.msgId, again.attempts], ['msg_1', 1]);
  await stores.webhookDeliveries.releaseLeases();
  assert.equal((await stores.webhookDeliveries.claimDue(2000, 10, 'w3', 30_000)).length, 1, 'released leases are claimable');
  await stores.webhookDeliveries.finishAttempt(again.id, { attempted_at: new Date().toISOString(), status_code: 200, duration_ms: 1, error: null, outcome: 'delivered' }, null);
  assert.equal(await stores.webhookDeliveries.nextDueAt(), undefined);
  assert.deepEqual((await stores.webhookDeliveries.recent('wh1', 10)).map((a) => a.outcome), ['delivered', 'retrying']);
  assert.equal(await stores.webhooks.delete('wh1'), true);
  assert.deepEqual(await stores.webhookDeliveries.recent('wh1', 10), []);
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
