// The PostgreSQL backend's own cases beyond the conformance suite: migrations raced by several instances on an
// empty database, concurrent claims from separate pools, the idempotency race across pools, counters that
// stay exact under concurrent writers, singletons that move when their holder goes, changes (delivery events
// too) reaching the other instances, and a fresh database's errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { openPostgresStores } from '../../src/store/postgres/open.js';
import { migrations } from '../../src/store/postgres/migrations.js';
import type { Stores } from '../../src/store/stores.js';
import { createMessage } from '../../src/core/message.js';
import { createTestDatabase, pgSkip, type TestDatabase } from '../support/postgres.js';

const skip = await pgSkip('test/store/postgres-backend.test.ts');
let db: TestDatabase | undefined;
const opened: Stores[] = [];

async function open(): Promise<Stores> {
  const s = await openPostgresStores({ databasePath: '', databaseUrl: db!.url });
  opened.push(s);
  return s;
}

before(async () => {
  if (!skip.skip) db = await createTestDatabase();
});
after(async () => {
  for (const s of opened) await s.close().catch(() => {});
  await db?.drop();
});

const message = (subject: string) => createMessage({ from: 'a@example.com', to: ['b@example.com'], subject, body_text: 'hi' });

test('instances starting together on an empty database migrate it once', skip, async () => {
  const all = await Promise.all([open(), open(), open()]);
  const sql = postgres(db!.url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`SELECT version FROM schema_migrations ORDER BY version`;
    // each migration once, in order
    assert.deepEqual(rows.map((r) => r.version), migrations.map((_, i) => i + 1));
  } finally {
    await sql.end();
  }
  assert.equal(all.length, 3);
});

test('claims from three instances at once never share an email, and a live lease is never taken', skip, async () => {
  const [a, b, c] = await Promise.all([open(), open(), open()]);
  const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => a.log.record({ source: 'api', status: 'queued', message: message(`q${i}`), nextAttemptAt: 0 })));
  const now = Date.now();
  const claims = await Promise.all(
    Array.from({ length: 12 }, (_, i) => [a, b, c][i % 3].queue.claim(`owner-${i % 3}`, 60_000, 7, now)),
  );
  const got = claims.flat().map((e) => e.id);
  assert.equal(new Set(got).size, got.length, 'an email was claimed twice');
  assert.deepEqual([...got].sort((x, y) => x - y), [...ids].sort((x, y) => x - y));
  // Everything is under a live lease now: nothing more to claim, from anyone.
  assert.deepEqual(await b.queue.claim('owner-x', 60_000, 100, now + 1000), []);
  // Past the lease: all of it is orphaned work, claimable by another instance.
  const later = await c.queue.claim('owner-y', 60_000, 100, now + 61_000);
  assert.equal(later.length, 60);
});

test('the same idempotency key raced from three pools: exactly one winner', skip, async () => {
  const [a, b, c] = await Promise.all([open(), open(), open()]);
  for (let round = 0; round < 5; round++) {
    const key = `race-${round}`;
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) => [a, b, c][i % 3].idempotency.begin(key, 'h', { owner: `o${i}`, ms: 30_000 })),
    );
    assert.equal(results.filter((r) => r.kind === 'new').length, 1, JSON.stringify(results));
    assert.ok(results.every((r) => r.kind === 'new' || (r.kind === 'conflict' && r.reason === 'in_flight')));
  }
});

test('counters stay exact with writers on several pools (sharded rows summed on read)', skip, async () => {
  const fresh = await createTestDatabase();
  const pools = await Promise.all([0, 1, 2].map(() => openPostgresStores({ databasePath: '', databaseUrl: fresh.url })));
  try {
    const ids = await Promise.all(Array.from({ length: 90 }, (_, i) => pools[i % 3].log.record({ source: 'api', status: 'queued', message: message(`s${i}`), nextAttemptAt: 0 })));
    await Promise.all(ids.map((id, i) => pools[(i + 1) % 3].log.transition(id, {
      to: i % 3 === 0 ? 'failed' : 'success',
      from: ['queued'],
      provider: { id: 'p1', name: 'Primary', type: 'resend' },
      processingTimeMs: 10,
    })));
    const stats = await pools[2].log.stats();
    assert.deepEqual(stats, {
      total: 90,
      total_sent: 60,
      total_failed: 30,
      total_sandbox: 0,
      total_queued: 0,
      total_scheduled: 0,
      avg_processing_time_ms: 10,
      by_provider: { Primary: { sent: 60, failed: 30 } },
    });
    assert.equal((await pools[0].log.list({ limit: 5, offset: 0, status: 'failed' })).total, 30);
    assert.equal(await pools[1].queue.depth(), 0);
  } finally {
    for (const p of pools) await p.close();
    await fresh.drop();
  }
});

test('a singleton task moves to another instance when its holder closes', skip, async () => {
  const a = await openPostgresStores({ databasePath: '', databaseUrl: db!.url });
  const b = await open();
  assert.equal(await a.leads('retention'), true);
  assert.equal(await a.leads('retention'), true, 'the holder keeps it');
  assert.equal(await b.leads('retention'), false, 'nobody else gets it while it is held');
  assert.equal(await b.leads('scheduled'), true, 'tasks are independent');
  await a.close();
  assert.equal(await b.leads('retention'), true);
});

test('changes made on one instance reach the others through LISTEN/NOTIFY', skip, async () => {
  const [a, b] = await Promise.all([open(), open()]);
  const seen: { id: number; status: string; local: boolean; subject?: string }[] = [];
  const unsubscribe = b.changes.subscribe((c) => {
    void c.summary().then((s) => seen.push({ id: c.id, status: c.status, local: c.local, subject: s?.subject }));
  });
  const id = await a.log.record({ source: 'api', status: 'sandbox', message: message('over the wire') });
  const until = Date.now() + 5000;
  while (!seen.some((s) => s.id === id) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  unsubscribe();
  assert.deepEqual(seen.find((s) => s.id === id), { id, status: 'sandbox', local: false, subject: 'over the wire' });
});

test('an email changed by a delivery event on one instance is announced on the others (not as a transition)', skip, async () => {
  const [a, b] = await Promise.all([open(), open()]);
  const id = await a.log.record({ source: 'api', status: 'sending', message: message('bounced later') });
  await a.log.transition(id, { to: 'success', provider: { id: 'p1', name: 'P1', type: 'resend' }, messageId: 'evt-1', attempts: [] });
  const seen: { id: number; transitioned: boolean; local: boolean; delivery_status?: string | null }[] = [];
  const unsubscribe = b.changes.subscribe((c) => {
    void c.summary().then((s) => seen.push({ id: c.id, transitioned: c.transitioned, local: c.local, delivery_status: s?.delivery_status }));
  });
  const r = await a.events.record('p1', [
    { type: 'bounced', bounce_type: 'hard', recipient: 'b@example.com', occurred_at: new Date().toISOString(), provider_id: 'p1', detail: null, url: null, message_key: 'evt-1', dedupe_key: 'e1' },
  ]);
  assert.equal(r.stored.length, 1);
  const until = Date.now() + 5000;
  while (!seen.some((s) => s.id === id && s.delivery_status) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  unsubscribe();
  assert.deepEqual(seen.find((s) => s.id === id && s.delivery_status), { id, transitioned: false, local: false, delivery_status: 'bounced' });
});

test('a database that does not answer at start is one clear error without the password', skip, async () => {
  await assert.rejects(
    openPostgresStores({ databasePath: '', databaseUrl: 'postgres://postgres:sekret@127.0.0.1:1/nowhere' }),
    (err: Error) => /cannot open the PostgreSQL database .*not reachable/.test(err.message) && !err.message.includes('sekret'),
  );
});
