// Conformance cases for the section-12 store interfaces (DeliveryEvents, Suppressions, Webhooks and the
// leased WebhookDeliveries queue), written against the interfaces: another backend runs the same cases
// by adding its factory to BACKENDS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sqlite.js';
import { EmailStore } from '../../src/store/email-store.js';
import { SqliteDeliveryEvents } from '../../src/store/sqlite/delivery-events.js';
import { SqliteSuppressions } from '../../src/store/sqlite/suppressions.js';
import { SqliteWebhookDeliveries, SqliteWebhooks } from '../../src/store/sqlite/webhooks.js';
import type { DeliveryEvents } from '../../src/store/delivery-events.js';
import type { Suppressions } from '../../src/store/suppressions.js';
import type { WebhookDeliveries, Webhooks } from '../../src/store/webhooks.js';
import type { InboundEvent } from '../../src/core/delivery-event.js';
import { createMessage } from '../../src/core/message.js';

interface Backend {
  /** an email sent by `providerId` whose send returned `messageId`; its log id */
  sentEmail(providerId: string, messageId: string): Promise<number>;
  events: DeliveryEvents;
  suppressions: Suppressions;
  webhooks: Webhooks;
  deliveries: WebhookDeliveries;
  changed: number[];
  close(): void;
}

const BACKENDS: Record<string, () => Promise<Backend>> = {
  async sqlite() {
    const dir = mkdtempSync(join(tmpdir(), 'protopost-store-'));
    const db = openDatabase(join(dir, 'emails.db'));
    const store = new EmailStore(db);
    const changed: number[] = [];
    return {
      async sentEmail(providerId, messageId) {
        const id = await store.record({ source: 'api', status: 'sending', message: createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 's', body_text: 't' }) });
        await store.complete(id, { status: 'success', provider: { id: providerId, name: providerId, type: 'resend' }, messageId, attempts: [] });
        return id;
      },
      events: new SqliteDeliveryEvents(db, (id) => changed.push(id)),
      suppressions: new SqliteSuppressions(db),
      webhooks: new SqliteWebhooks(db),
      deliveries: new SqliteWebhookDeliveries(db),
      changed,
      close() {
        store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const ev = (o: Partial<InboundEvent>): InboundEvent => ({
  type: 'delivered', bounce_type: null, recipient: 'b@example.org', occurred_at: '2026-01-01T00:00:00.000Z', provider_id: 'p1', detail: null, url: null, message_key: 'm1', dedupe_key: 'd1', ...o,
});

for (const [name, open] of Object.entries(BACKENDS)) {
  test(`${name}: events land on the email of that provider and message id (brackets ignored), once, ordered by occurred_at`, async (t) => {
    const b = await open();
    t.after(() => b.close());
    const id = await b.sentEmail('p1', '<m1>');
    const other = await b.sentEmail('p2', 'm1');
    const r = await b.events.record('p1', [
      ev({ type: 'bounced', bounce_type: 'soft', occurred_at: '2026-01-01T00:00:05.000Z', dedupe_key: 'a' }),
      ev({ type: 'deferred', occurred_at: '2026-01-01T00:00:01.000Z', dedupe_key: 'b' }),
      ev({ dedupe_key: 'a', type: 'bounced', bounce_type: 'soft', occurred_at: '2026-01-01T00:00:05.000Z' }),
      ev({ message_key: 'unknown', dedupe_key: 'c' }),
    ]);
    assert.deepEqual([r.stored.length, r.duplicates, r.unknown.length], [2, 1, 1]);
    assert.deepEqual([r.stored[0].log_id, r.stored[0].message_id], [id, '<m1>']);
    assert.deepEqual((await b.events.forEmail(id)).map((e) => e.type), ['deferred', 'bounced']);
    assert.deepEqual(await b.events.forEmail(other), [], "another provider's email with the same id is untouched");
    assert.deepEqual(b.changed, [id]);
    // An older delivery-status event arriving late does not move the status back.
    await b.events.record('p1', [ev({ type: 'delivered', occurred_at: '2026-01-01T00:00:02.000Z', dedupe_key: 'late' })]);
    assert.equal((await b.events.forEmail(id)).length, 3);
  });

  test(`${name}: suppressions compare case-insensitively, keep the first reason, search and page`, async (t) => {
    const b = await open();
    t.after(() => b.close());
    assert.equal(await b.suppressions.add({ email: 'Ann@Example.org', reason: 'hard_bounce', provider_id: 'p1', log_id: 7 }), true);
    assert.equal(await b.suppressions.add({ email: 'ann@example.org', reason: 'manual', provider_id: null, log_id: null }), false);
    await b.suppressions.add({ email: 'bob@example.org', reason: 'complaint', provider_id: 'p1', log_id: 8 });
    assert.equal((await b.suppressions.get('ANN@example.org'))?.reason, 'hard_bounce');
    assert.deepEqual([...(await b.suppressions.suppressedAmong(['ANN@EXAMPLE.ORG', 'carol@example.org']))], ['ANN@EXAMPLE.ORG']);
    const page = await b.suppressions.list({ limit: 1, offset: 0, q: 'example' });
    assert.deepEqual([page.total, page.suppressions.length], [2, 1]);
    assert.equal((await b.suppressions.list({ limit: 10, offset: 0, q: '%' })).total, 0, 'q is a literal substring');
    assert.equal(await b.suppressions.remove('BOB@example.org'), true);
    assert.equal(await b.suppressions.remove('bob@example.org'), false);
  });

  test(`${name}: webhook deliveries are leased to one worker, retried with the same id, released at start`, async (t) => {
    const b = await open();
    t.after(() => b.close());
    await b.webhooks.create({ id: 'wh1', url: 'https://x.example/', events: ['email.sent'], description: null, created_at: new Date().toISOString(), secret: 'whsec_x' });
    assert.equal((await b.webhooks.list())[0].events[0], 'email.sent');
    assert.equal('secret' in (await b.webhooks.list())[0], false, 'list never carries the secret');
    await b.deliveries.enqueue([{ webhookId: 'wh1', msgId: 'msg_1', event: 'email.sent', payload: '{}' }], 1000);
    const [first] = await b.deliveries.claimDue(1000, 10, 'w1', 30_000);
    assert.equal(first.msgId, 'msg_1');
    assert.deepEqual(await b.deliveries.claimDue(1001, 10, 'w2', 30_000), [], 'leased: nobody else gets it');
    await b.deliveries.finishAttempt(first.id, { attempted_at: new Date().toISOString(), status_code: 500, duration_ms: 1, error: 'HTTP 500', outcome: 'retrying' }, 2000);
    assert.equal(await b.deliveries.nextDueAt(), 2000);
    const [again] = await b.deliveries.claimDue(2000, 10, 'w2', 30_000);
    assert.deepEqual([again.msgId, again.attempts], ['msg_1', 1]);
    await b.deliveries.releaseLeases();
    assert.equal((await b.deliveries.claimDue(2000, 10, 'w3', 30_000)).length, 1, 'released leases are claimable');
    await b.deliveries.finishAttempt(again.id, { attempted_at: new Date().toISOString(), status_code: 200, duration_ms: 1, error: null, outcome: 'delivered' }, null);
    assert.equal(await b.deliveries.nextDueAt(), undefined);
    assert.deepEqual((await b.deliveries.recent('wh1', 10)).map((a) => a.outcome), ['delivered', 'retrying']);
    assert.equal(await b.webhooks.delete('wh1'), true);
    assert.deepEqual(await b.deliveries.recent('wh1', 10), []);
  });
}
