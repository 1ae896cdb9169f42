// withIdempotency against a real SQLite file: linking the key to its stored email may fail (here a trigger
// refuses it); the request still gets its answer, the failure is reported, nothing rejects unhandled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { storesOver } from '../../src/store/sqlite/open.js';
import { requestHash, withIdempotency } from '../../src/http/idempotency.js';

test('a failing attachLog is reported and does not fail the request or end the process', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'protopost-idem-'));
  const db = openDatabase(join(dir, 'emails.db'));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  db.exec("CREATE TRIGGER refuse_link BEFORE UPDATE OF log_id ON idempotency BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;");
  const store = storesOver(db).idempotency;
  const lease = { owner: 'test', ms: 30_000 };
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));

  const reported: unknown[] = [];
  const answer = await withIdempotency(
    store,
    lease,
    'k-1',
    { a: 1 },
    async (onStored) => {
      onStored(42);
      await new Promise((r) => setTimeout(r, 20)); // delivery takes a while; the link's rejection is settled by now
      return { status: 200, body: '{"status":"success"}' };
    },
    (err) => reported.push(err),
  );
  assert.deepEqual(answer, { status: 200, body: '{"status":"success"}' });
  await new Promise((r) => setImmediate(r));
  assert.equal(reported.length, 1);
  assert.match(String((reported[0] as Error).message), /disk on fire/);
  assert.deepEqual(unhandled, []);
  // The answer itself was kept: the same key and body replay it.
  assert.deepEqual(await store.begin('k-1', requestHash({ a: 1 }), lease), { kind: 'replay', status: 200, body: '{"status":"success"}' });
});
