// Retention on a real SQLite file: old and surplus records go, queued ones stay, counters follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openDatabase } from '../../src/store/sqlite.js';
import { EmailStore } from '../../src/store/email-store.js';
import { IdempotencyStore } from '../../src/store/idempotency-store.js';
import { Retention } from '../../src/store/retention.js';
import { createMessage } from '../../src/core/message.js';

const message = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 's', body_text: 't' });

test('LOG_MAX_ROWS keeps the newest rows; queued email is never pruned; stats follow', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'protopost-retention-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(join(dir, 'emails.db'));
  const store = new EmailStore(db);
  const queued = await store.record({ source: 'api', status: 'queued', message, nextAttemptAt: Date.now() });
  for (let i = 0; i < 30; i++) await store.record({ source: 'api', status: 'sandbox', message, processingTimeMs: 1 });
  const retention = new Retention(db, new IdempotencyStore(db), pino({ level: 'silent' }), { maxRows: 10, batch: 7 });
  const removed = await retention.pruneOnce();
  assert.equal(removed, 20);
  const stats = await store.stats();
  assert.equal(stats.total, 11);
  assert.equal(stats.total_sandbox, 10);
  assert.equal(stats.total_queued, 1);
  assert.ok(await store.get(queued));
  db.close();
});

test('LOG_RETENTION_DAYS removes records older than the cutoff', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'protopost-retention-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(join(dir, 'emails.db'));
  const store = new EmailStore(db);
  for (let i = 0; i < 5; i++) await store.record({ source: 'api', status: 'sandbox', message });
  const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
  db.prepare('UPDATE emails SET created_at = ? WHERE id <= 3').run(old);
  const retention = new Retention(db, new IdempotencyStore(db), pino({ level: 'silent' }), { retentionDays: 2 });
  assert.equal(await retention.pruneOnce(), 3);
  assert.deepEqual((await store.list({ limit: 10, offset: 0 })).logs.map((l) => l.id), [5, 4]);
  db.close();
});
