// Retention on a real SQLite file: old and surplus records go, queued ones stay, counters follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openStore } from '../../src/store/open-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { Retention } from '../../src/store/retention.js';
import { createMessage } from '../../src/core/message.js';
import { storeTest } from './backends.js';

const message = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 's', body_text: 't' });

function tempFile(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'protopost-retention-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'emails.db');
}

test('LOG_MAX_ROWS keeps the newest rows; queued email is never pruned; stats follow', async (t) => {
  const stores = await openStore({ databasePath: tempFile(t) });
  const queued = await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: Date.now() });
  for (let i = 0; i < 30; i++) await stores.log.record({ source: 'api', status: 'sandbox', message, processingTimeMs: 1 });
  const retention = new Retention(stores, pino({ level: 'silent' }), { maxRows: 10, batch: 7 });
  const removed = await retention.pruneOnce();
  assert.equal(removed, 20);
  const stats = await stores.log.stats();
  assert.equal(stats.total, 11);
  assert.equal(stats.total_sandbox, 10);
  assert.equal(stats.total_queued, 1);
  assert.ok(await stores.log.get(queued));
  await stores.close();
});

test('LOG_RETENTION_DAYS removes records older than the cutoff', async (t) => {
  const path = tempFile(t);
  const stores = await openStore({ databasePath: path });
  for (let i = 0; i < 5; i++) await stores.log.record({ source: 'api', status: 'sandbox', message });
  // Age three records through a second connection on the same file.
  const other = openDatabase(path);
  other.prepare('UPDATE emails SET created_at = ? WHERE id <= 3').run(new Date(Date.now() - 3 * 86_400_000).toISOString());
  other.close();
  const retention = new Retention(stores, pino({ level: 'silent' }), { retentionDays: 2 });
  assert.equal(await retention.pruneOnce(), 3);
  assert.deepEqual((await stores.log.list({ limit: 10, offset: 0 })).logs.map((l) => l.id), [5, 4]);
  await stores.close();
});

storeTest('LogRetention: one batch per call, final records only, oldest first', async ({ stores }) => {
  const queued = await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: Date.now() });
  const sending = await stores.log.record({ source: 'api', status: 'sending', message, lease: { owner: 'a', ms: 60_000 } });
  const scheduled = await stores.log.record({ source: 'api', status: 'scheduled', message, sendAt: new Date(Date.now() + 86_400_000), nextAttemptAt: Date.now() + 86_400_000 });
  const canceled = await stores.log.record({ source: 'api', status: 'scheduled', message, sendAt: new Date(Date.now() + 86_400_000), nextAttemptAt: Date.now() + 86_400_000 });
  assert.ok(await stores.log.transition(canceled, { to: 'canceled', from: ['scheduled'], nextAttemptAt: null }));
  const final: number[] = [];
  for (let i = 0; i < 6; i++) final.push(await stores.log.record({ source: 'api', status: 'sandbox', message }));
  assert.equal(await stores.retention.pruneBeyond(4, 1), 1, 'one batch of one');
  assert.equal(await stores.log.summary(canceled), undefined, 'the oldest final record (canceled is final) went first');
  assert.equal(await stores.retention.pruneBeyond(4, 10), 2, 'the rest past the newest four');
  assert.equal(await stores.log.summary(final[1]), undefined);
  assert.equal((await stores.log.stats()).total, 7);
  assert.equal((await stores.log.stats()).total_scheduled, 1);
  const future = new Date(Date.now() + 86_400_000).toISOString();
  assert.equal(await stores.retention.pruneOlderThan(future, 3), 3);
  assert.equal(await stores.retention.pruneOlderThan(future, 3), 1);
  assert.equal(await stores.retention.pruneOlderThan(future, 3), 0);
  assert.deepEqual((await stores.log.list({ limit: 10, offset: 0 })).logs.map((l) => l.id), [scheduled, sending, queued], 'queued, scheduled and in-flight email stay');
  assert.equal(await stores.retention.pruneOlderThan(new Date(0).toISOString(), 10), 0);
});
