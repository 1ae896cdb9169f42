// SharedConfigStore on a real PostgreSQL database: CONFIG_PATH imported once and never written, writes on one
// instance applied by the others within 2 s, concurrent writes on different instances serialized with none lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SharedConfigStore } from '../../src/config/shared-store.js';
import { openPostgresStores } from '../../src/store/postgres/open.js';
import type { Stores } from '../../src/store/stores.js';
import type { AppConfig } from '../../src/config/types.js';
import { createTestDatabase, pgSkip, type TestDatabase } from '../support/postgres.js';

const skip = await pgSkip('test/config/shared-store.test.ts');
let db: TestDatabase | undefined;
let dir = '';
const opened: Stores[] = [];
const configs: SharedConfigStore[] = [];

before(async () => {
  if (skip.skip) return;
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'protopost-shared-config-'));
});
after(async () => {
  for (const c of configs) c.close();
  for (const s of opened) await s.close().catch(() => {});
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const provider = (id: string) => ({ id, name: `P ${id}`, type: 'resend', api_key: `re_${id}_0123456789abcdef`, enabled: true, weight: 100 });
const noDefaults = (): AppConfig => {
  throw new Error('defaults must not be used when the file exists');
};

async function instance(path: string): Promise<SharedConfigStore> {
  const stores = await openPostgresStores({ databasePath: '', databaseUrl: db!.url });
  opened.push(stores);
  const c = await SharedConfigStore.open(stores.config!, path, noDefaults);
  configs.push(c);
  return c;
}

async function until(check: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - t0;
}

test('imported once from CONFIG_PATH, never written; writes reach every instance within 2 s; concurrent writes all kept', skip, async () => {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ providers: [provider('a')], routing: { mode: 'smart', sandbox: false, rules: [] }, version: 7 }));
  const [one, two, three] = await Promise.all([instance(path), instance(path), instance(path)]);
  for (const c of [one, two, three]) assert.deepEqual(c.current().providers.map((p) => p.id), ['a']);
  assert.equal(one.current().version, 7);

  // A hand edit of the file after the import has no effect anywhere.
  writeFileSync(path, JSON.stringify({ providers: [], routing: { mode: 'smart', sandbox: true, rules: [] }, version: 99 }));
  const four = await instance(path);
  assert.equal(four.current().routing.sandbox, false);

  await one.update((c) => ({ ...c, routing: { ...c.routing, sandbox: true } }));
  assert.equal(one.current().version, 8);
  await until(() => two.current().routing.sandbox && three.current().routing.sandbox, 2000, 'sandbox on everywhere');

  // Concurrent writes on different instances: serialized, one version each, none lost.
  await Promise.all([
    one.update((c) => ({ ...c, providers: [...c.providers, provider('b') as never] })),
    two.update((c) => ({ ...c, providers: [...c.providers, provider('c') as never] })),
    three.update((c) => ({ ...c, providers: [...c.providers, provider('d') as never] })),
  ]);
  await until(() => [one, two, three, four].every((c) => c.current().version === 11), 2000, 'version 11 everywhere');
  for (const c of [one, two, three, four]) assert.deepEqual(c.current().providers.map((p) => p.id).sort(), ['a', 'b', 'c', 'd']);

  // The file was never written.
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).version, 99);
});

test('no file and no config in the database: the defaults become the shared config, and no file is created', skip, async () => {
  const fresh = await createTestDatabase();
  const stores = await openPostgresStores({ databasePath: '', databaseUrl: fresh.url });
  try {
    const path = join(dir, 'missing.json');
    const c = await SharedConfigStore.open(stores.config!, path, () => ({ providers: [], routing: { mode: 'smart', sandbox: true, rules: [] }, version: 1 }));
    c.close();
    assert.equal(c.current().routing.sandbox, true);
    assert.throws(() => statSync(path), /ENOENT/);
    assert.equal((await stores.config!.load())?.version, 1);
  } finally {
    await stores.close();
    await fresh.drop();
  }
});
