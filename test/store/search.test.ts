// Search on a real SQLite file: the FTS5 query built from untrusted text, the index the store keeps
// beside each row, migration 3 indexing rows that were there before it, and retention keeping both in step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { storesOver } from '../../src/store/sqlite/open.js';
import { Retention } from '../../src/store/retention.js';
import { migrations } from '../../src/store/sqlite/migrations.js';
import { FILTER_SCAN_CAP, SEARCH_SCAN_CAP, toFtsQuery } from '../../src/store/search.js';
import { createMessage } from '../../src/core/message.js';

const msg = (subject: string, to = 'b@example.org') => createMessage({ from: 'a@example.com', to: [to], subject, body_text: 't' });

function tempDb(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'protopost-search-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'emails.db');
}

test('toFtsQuery: every term quoted, quotes doubled, no prefix query, punctuation-only is nothing', () => {
  assert.equal(toFtsQuery('order shipped'), '"order" "shipped"');
  assert.equal(toFtsQuery('say "hi" or'), '"say" """hi""" "or"');
  assert.equal(toFtsQuery('NEAR(a b)'), '"NEAR(a" "b)"');
  assert.equal(toFtsQuery('subject:x*'), '"subject:x*"');
  assert.equal(toFtsQuery('%_ -- ** ""'), undefined);
  assert.equal(toFtsQuery('   '), undefined);
  assert.equal(toFtsQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '))?.split(' ').length, 8, 'at most 8 terms');
});

test('the store indexes subject and addresses as it records; search is by word, any order, case-insensitive', async (t) => {
  const db = openDatabase(tempDb(t));
  const store = storesOver(db).log;
  const a = await store.record({ source: 'api', status: 'sandbox', message: msg('Your order #12 has shipped', 'Zoë <zoe@shop.example>') });
  const b = await store.record({ source: 'smtp', status: 'sandbox', message: msg('Weekly digest') });
  const ids = async (q: string, extra: object = {}) => (await store.list({ limit: 10, offset: 0, q, ...extra })).logs.map((l) => l.id);
  assert.deepEqual(await ids('SHIPPED order'), [a]);
  assert.deepEqual(await ids('zoe@shop'), [a], 'addresses; diacritics folded');
  assert.deepEqual(await ids('a@example.com'), [b, a], 'the sender');
  assert.deepEqual(await ids('dig'), [], 'whole words: no prefix match');
  assert.deepEqual(await ids('digest'), [b]);
  assert.deepEqual(await ids('digest', { source: 'api' }), [], 'other filters still apply');
  assert.deepEqual(await ids('#'), []);
  assert.equal((await store.list({ limit: 1, offset: 0, q: 'example' })).total, 2);
  db.close();
});

test(`a search reads at most the newest ${SEARCH_SCAN_CAP} matches: total is capped there`, async (t) => {
  const db = openDatabase(tempDb(t));
  const store = storesOver(db).log;
  await Promise.all(Array.from({ length: SEARCH_SCAN_CAP + 50 }, (_, i) => store.record({ source: 'api', status: 'sandbox', message: msg(`common ${i}`) })));
  const r = await store.list({ limit: 5, offset: 0, q: 'common' });
  assert.equal(r.total, SEARCH_SCAN_CAP);
  assert.equal(r.logs[0].subject, `common ${SEARCH_SCAN_CAP + 49}`, 'newest first');
  db.close();
});

test('migration 3 indexes the rows stored before it', async (t) => {
  const path = tempDb(t);
  const old = new Database(path);
  old.transaction(() => {
    for (let v = 0; v < 2; v++) old.exec(migrations[v]);
    old.pragma('user_version = 2');
  })();
  old.prepare(`INSERT INTO emails (created_at, source, status, from_address, to_addresses, subject, message) VALUES (?, 'api', 'sandbox', ?, ?, ?, '{}')`)
    .run(new Date().toISOString(), 'old@example.com', JSON.stringify(['legacy@example.org']), 'From before the index');
  old.close();
  const db = openDatabase(path);
  assert.equal(db.pragma('user_version', { simple: true }), migrations.length);
  const store = storesOver(db).log;
  assert.deepEqual((await store.list({ limit: 10, offset: 0, q: 'before index' })).logs.map((l) => l.subject), ['From before the index']);
  assert.equal((await store.list({ limit: 10, offset: 0, q: 'legacy' })).total, 1);
  db.close();
});

test('retention removes the index rows with their emails: no search names a deleted record', async (t) => {
  const db = openDatabase(tempDb(t));
  const store = storesOver(db).log;
  for (let i = 0; i < 30; i++) await store.record({ source: 'api', status: 'sandbox', message: msg(`kept or pruned ${i}`) });
  const retention = new Retention(storesOver(db), pino({ level: 'silent' }), { maxRows: 10, batch: 7 });
  assert.equal(await retention.pruneOnce(), 20);
  const r = await store.list({ limit: 100, offset: 0, q: 'pruned' });
  assert.equal(r.total, 10);
  assert.deepEqual(r.logs.map((l) => l.subject), Array.from({ length: 10 }, (_, i) => `kept or pruned ${29 - i}`));
  // The index itself holds no entry for a deleted rowid (a contentless table answers rowids only).
  const indexed = db.prepare(`SELECT count(*) FROM emails_fts WHERE emails_fts MATCH '"pruned"'`).pluck().get();
  assert.equal(indexed, 10);
  db.close();
});

test('emails committed but not yet indexed (a crash before the index caught up) are indexed at the next open', async (t) => {
  const path = tempDb(t);
  const first = openDatabase(path);
  const log = storesOver(first).log;
  await log.record({ source: 'api', status: 'sandbox', message: msg('indexed before the crash') });
  await log.list({ limit: 1, offset: 0, q: 'crash' }); // a search brings the index up to date
  // What the store had committed and not yet indexed when the process died: the row without its index entry.
  first.prepare(`INSERT INTO emails (created_at, source, status, from_address, to_addresses, subject, message) VALUES (?, 'api', 'sandbox', ?, ?, ?, '{}')`)
    .run(new Date().toISOString(), 'late@example.com', JSON.stringify(['x@example.org']), 'committed after the crash point');
  first.close(); // no store close: the indexer never ran for it
  const db = openDatabase(path);
  assert.equal(db.prepare(`SELECT count(*) FROM emails_fts WHERE emails_fts MATCH '"point"'`).pluck().get(), 0, 'not indexed yet');
  const stores = storesOver(db);
  assert.equal(db.prepare(`SELECT count(*) FROM emails_fts WHERE emails_fts MATCH '"point"'`).pluck().get(), 1, 'indexed at open');
  assert.equal((await stores.log.list({ limit: 10, offset: 0, q: 'crash' })).total, 2);
  await stores.close();
});

test('a search sees an email the moment it is committed, though indexing runs a little behind', async (t) => {
  const db = openDatabase(tempDb(t));
  const stores = storesOver(db);
  const ids: number[] = [];
  for (let i = 0; i < 20; i++) {
    ids.push(await stores.log.record({ source: 'api', status: 'sandbox', message: msg(`right away ${i}`) }));
    assert.equal((await stores.log.list({ limit: 1, offset: 0, q: `away ${i}` })).logs[0]?.id, ids[i]);
  }
  await stores.close();
});

test('when retention deleted the newest emails, SQLite reuses their ids, and the new emails are still found', async (t) => {
  const db = openDatabase(tempDb(t));
  const stores = storesOver(db);
  for (let i = 0; i < 5; i++) await stores.log.record({ source: 'api', status: 'sandbox', message: msg(`first generation ${i}`) });
  await stores.log.list({ limit: 1, offset: 0, q: 'generation' });
  assert.equal(await stores.retention.pruneOlderThan(new Date(Date.now() + 60_000).toISOString(), 100), 5, 'all of them');
  const reused = await stores.log.record({ source: 'api', status: 'sandbox', message: msg('second generation') });
  assert.ok(reused <= 5, `id ${reused} reused`);
  const r = await stores.log.list({ limit: 10, offset: 0, q: 'generation' });
  assert.deepEqual(r.logs.map((l) => l.subject), ['second generation']);
  await stores.close();
});

test('two connections on one file index each email once', async (t) => {
  const path = tempDb(t);
  const a = storesOver(openDatabase(path));
  const b = storesOver(openDatabase(path));
  await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).log.record({ source: 'api', status: 'sandbox', message: msg(`shared file ${i}`) })));
  assert.equal((await a.log.list({ limit: 1, offset: 0, q: 'shared' })).total, 40);
  assert.equal((await b.log.list({ limit: 1, offset: 0, q: 'shared' })).total, 40);
  await a.close();
  await b.close();
  const db = openDatabase(path);
  assert.equal(db.prepare(`SELECT count(*) FROM emails_fts WHERE emails_fts MATCH '"shared"'`).pluck().get(), 40);
  assert.equal((db.prepare(`SELECT value FROM counters WHERE key = 'total'`).pluck().get()), 40, 'counted once each, per batch');
  db.close();
});

test(`a filter no single index answers reads at most the newest ${FILTER_SCAN_CAP} emails; one indexed filter still counts them all`, async (t) => {
  const db = openDatabase(tempDb(t));
  const stores = storesOver(db);
  const insert = db.prepare(`INSERT INTO emails (created_at, source, status, from_address, to_addresses, subject, message, provider_id, provider_name, provider_type)
    VALUES (?, ?, 'success', 'a@example.com', '["b@example.org"]', 'bulk', '{}', 'p1', 'One', 'resend')`);
  db.transaction(() => {
    for (let i = 0; i < 5; i++) insert.run(new Date().toISOString(), 'smtp'); // the oldest: outside the window
    for (let i = 0; i < FILTER_SCAN_CAP + 20; i++) insert.run(new Date().toISOString(), i < 3 ? 'smtp' : 'api');
  })();
  const list = (f: object) => stores.log.list({ limit: 10, offset: 0, ...f });
  assert.equal((await list({ provider: 'p1' })).total, FILTER_SCAN_CAP + 25, 'one indexed filter alone: exact');
  // ids 1–8 are smtp, the rest api: the newest FILTER_SCAN_CAP (ids 26 on) are all api.
  assert.equal((await list({ source: 'api' })).total, FILTER_SCAN_CAP, 'source: within the newest emails, capped');
  assert.equal((await list({ source: 'smtp', provider: 'p1' })).total, 0, 'the oldest emails are outside the window');
  const few = await list({ source: 'smtp', status: 'success', limit: 10 });
  assert.deepEqual([few.total, few.logs.length], [0, 0]);
  db.prepare("UPDATE emails SET source = 'smtp' WHERE id = (SELECT max(id) FROM emails)").run();
  const newest = await list({ source: 'smtp', provider: 'p1' });
  assert.deepEqual([newest.total, newest.logs[0]?.id], [1, FILTER_SCAN_CAP + 25], 'a recent match is found');
  await stores.close();
});
