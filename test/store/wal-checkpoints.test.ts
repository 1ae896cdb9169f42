// The WAL is checkpointed off the event loop (src/store/sqlite/checkpointer.ts) and never grows without bound:
// under a minute of sustained sends through the real server, when the checkpoint thread dies, and at close.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createMessage } from '../../src/core/message.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { Checkpointer } from '../../src/store/sqlite/checkpointer.js';
import { openSqliteStores, storesOver } from '../../src/store/sqlite/open.js';
import { waitFor } from '../support/server.js';
import { email, send, serverFor } from '../support/fixtures.js';

const MiB = 1024 * 1024;
const message = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 'wal', body_text: 'x'.repeat(1000) });

function tempFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'protopost-wal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'emails.db');
}

/** Size of the -wal file now (0 when there is none). */
function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

/** Records the largest -wal size seen, every few milliseconds, until stopped. */
function sampleWal(path: string) {
  let max = 0;
  let samples = 0;
  const take = () => {
    max = Math.max(max, walBytes(path));
    samples++;
  };
  const timer = setInterval(take, 10);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { max, samples };
    },
  };
}

test('a minute of sustained sends through the server: the WAL stays bounded and every acknowledged email is stored', { timeout: 180_000 }, async (t) => {
  const limit = 32 * MiB;
  const s = await serverFor(t, {
    env: { WAL_MAX_BYTES: String(limit), SMTP_LISTEN_PORT: 'off' },
    config: { providers: [], routing: { mode: 'smart', sandbox: true, rules: [] }, version: 1 },
  });
  const body = email({ body_text: 'y'.repeat(900) });
  const ids = new Set<number>();
  const sampler = sampleWal(s.databasePath);
  const until = Date.now() + 60_000;
  // Four senders back to back: a steady stream of commits, each acknowledged only once it is in the WAL.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < until) {
        const r = await send(s, body);
        assert.equal(r.status, 200, r.text);
        ids.add(r.json.log_id);
      }
    }),
  );
  const { max, samples } = sampler.stop();
  t.diagnostic(`${ids.size} emails in 60 s; largest WAL ${(max / MiB).toFixed(1)} MiB over ${samples} samples (WAL_MAX_BYTES ${limit / MiB} MiB)`);
  // Unchecked, this much writing grows the WAL to gigabytes (each email adds tens of KiB to it). The checkpoint
  // thread rewinds it at about the limit; the main connection's backstop would only fire at twice the limit.
  assert.ok(ids.size > 1000, `only ${ids.size} emails sent`);
  assert.ok(max < 2 * limit, `the WAL reached ${max} bytes`);
  assert.equal(s.logs.filter((l) => /checkpoint/i.test(l?.msg ?? '')).length, 0, 'the checkpoint thread ran throughout');

  assert.equal(await s.stop(), 0);
  assert.ok(walBytes(s.databasePath) < MiB, `a clean stop left ${walBytes(s.databasePath)} bytes of WAL`);
  const db = new Database(s.databasePath, { readonly: true });
  try {
    const stored = db.prepare('SELECT id FROM emails').pluck().all() as number[];
    const have = new Set(stored);
    assert.deepEqual([...ids].filter((id) => !have.has(id)), [], 'acknowledged emails missing from the database');
    assert.equal(stored.length, ids.size);
  } finally {
    db.close();
  }
});

test('the checkpoint thread dies: the main connection checkpoints by itself again (logged) and the WAL stays bounded', async (t) => {
  const path = tempFile(t);
  const db = openDatabase(path);
  const warnings: { details: Record<string, unknown>; message: string }[] = [];
  const checkpoints = new Checkpointer(db, { walMaxBytes: 8 * MiB, warn: (details, message) => warnings.push({ details, message }) });
  const stores = storesOver(db, { offThreadCheckpoints: false });
  t.after(async () => {
    await checkpoints.close();
    await stores.close();
  });
  checkpoints.worker.ref(); // unref'd, it would not keep this test's event loop waiting for it
  await new Promise((resolve) => checkpoints.worker.once('online', resolve));
  await checkpoints.worker.terminate();
  await waitFor(() => warnings.length > 0, 10_000, 'the warning');
  assert.match(warnings[0].message, /checkpoint thread stopped/);
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000, "back to SQLite's default");

  // About 150 MiB of WAL frames if nothing checkpointed (~6 frames of 4 KiB per email); SQLite's default
  // checkpoint holds the file at about 4 MiB (1 000 pages), the backstop alone would at 16 MiB.
  const sampler = sampleWal(path);
  for (let i = 0; i < 400; i++) {
    await Promise.all(Array.from({ length: 16 }, () => stores.log.record({ source: 'api', status: 'sandbox', message })));
  }
  const { max } = sampler.stop();
  t.diagnostic(`largest WAL after the thread died: ${(max / MiB).toFixed(1)} MiB`);
  assert.ok(max < 8 * MiB, `the WAL reached ${max} bytes`);
  assert.equal((await stores.log.stats()).total, 6400);
});

test('a clean close leaves an empty WAL, also while another connection keeps the file open', async (t) => {
  const path = tempFile(t);
  const stores = openSqliteStores(path, { walMaxBytes: 64 * MiB });
  // Another process's connection: without it the last close would remove the WAL whatever we did.
  const other = new Database(path, { readonly: true });
  t.after(() => other.close());
  for (let i = 0; i < 50; i++) {
    await Promise.all(Array.from({ length: 16 }, () => stores.log.record({ source: 'api', status: 'sandbox', message })));
  }
  assert.ok(walBytes(path) > MiB, `only ${walBytes(path)} bytes of WAL before close`);
  await stores.close();
  assert.equal(walBytes(path), 0);
  assert.equal(other.prepare('SELECT count(*) FROM emails').pluck().get(), 800, 'every row is in the database file');
});
