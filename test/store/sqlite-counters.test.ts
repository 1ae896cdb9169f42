// The SQLite counters behind /api/stats (new emails summed per group commit, status changes by a trigger,
// deletions by a trigger) always equal a count from scratch over the rows, whatever mix of writes ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { storesOver } from '../../src/store/sqlite/open.js';
import { RECOUNT } from '../../src/store/sqlite/migrations.js';
import { createMessage } from '../../src/core/message.js';

const message = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 'counted', body_text: 't' });
const providers = [{ id: 'p1', name: 'One', type: 'resend' }, { id: 'p2', name: 'Two', type: 'smtp' }] as const;

test('counters equal a recount after records, transitions, claims, a failed batch and retention', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'protopost-counters-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(join(dir, 'emails.db'));
  const stores = storesOver(db);
  const lease = { owner: 'me', ms: 60_000 };
  const ids: number[] = [];
  for (let round = 0; round < 5; round++) {
    // A burst: one group commit holds many records of every initial status.
    ids.push(...(await Promise.all(Array.from({ length: 30 }, (_, i) => {
      const kind = i % 3;
      if (kind === 0) return stores.log.record({ source: 'api', status: 'sandbox', message, processingTimeMs: 0.5 + i });
      if (kind === 1) return stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: 0, deliveryKey: `k${round}-${i}` });
      return stores.log.record({ source: 'smtp', status: 'sending', message, lease, deliveryKey: `s${round}-${i}` });
    }))));
    for (const c of await stores.queue.claim('me', 60_000, 7, Date.now())) {
      const p = providers[c.id % 2];
      await stores.log.transition(c.id, { to: c.id % 3 ? 'success' : 'failed', holder: 'me', provider: p, processingTimeMs: 10 + c.id, messageId: `m${c.id}`, nextAttemptAt: null });
    }
    // A transition that does not apply (wrong holder) changes nothing.
    await stores.log.transition(ids[ids.length - 1], { to: 'success', holder: 'someone-else', provider: providers[0], processingTimeMs: 1 });
  }
  // A batch in which one write fails: the failing one alone is refused, the others and their counts land.
  const [good, bad] = await Promise.allSettled([
    stores.log.record({ source: 'api', status: 'sandbox', message, processingTimeMs: 1 }),
    stores.log.record({ source: 'api', status: 'sandbox', message: { ...message, subject: null as unknown as string } }), // NOT NULL
    stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: 0 }),
  ]);
  assert.equal(good.status, 'fulfilled');
  assert.equal(bad.status, 'rejected');
  await stores.retention.pruneBeyond(40, 25);
  const counters = () => Object.fromEntries((db.prepare('SELECT key, value FROM counters WHERE value != 0 ORDER BY key').all() as { key: string; value: number }[]).map((r) => [r.key, r.value]));
  const kept = counters();
  db.exec(RECOUNT);
  assert.deepEqual(kept, counters());
  assert.equal(kept.total, (db.prepare('SELECT count(*) FROM emails').pluck().get()));
  await stores.close();
});
