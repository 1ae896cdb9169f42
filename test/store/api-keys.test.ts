// ApiKeyStore conformance: create (names unique), list, lookup by hash, touch, delete.
import assert from 'node:assert/strict';
import { storeTest } from './backends.js';

const key = (name: string, hash: string) => ({ name, scope: 'send' as const, prefix: hash.slice(0, 8), hash });

storeTest('API keys: create, a duplicate name refused, list, find by hash, touch, delete', async ({ stores, another }) => {
  const a = await stores.apiKeys.create(key('ci', 'a'.repeat(64)));
  assert.ok(typeof a === 'object');
  assert.deepEqual([a.name, a.scope, a.prefix, a.last_used_at], ['ci', 'send', 'aaaaaaaa', null]);
  assert.equal(await stores.apiKeys.create(key('ci', 'b'.repeat(64))), 'duplicate_name');
  const b = await stores.apiKeys.create({ ...key('reader', 'c'.repeat(64)), scope: 'read' });
  assert.ok(typeof b === 'object');
  assert.deepEqual((await stores.apiKeys.list()).map((k) => k.name), ['ci', 'reader']);
  // Another connection (instance) sees the key at once: a lookup is made on every request.
  const other = await another();
  assert.equal((await other.apiKeys.findByHash('c'.repeat(64)))?.name, 'reader');
  assert.equal(await other.apiKeys.findByHash('d'.repeat(64)), undefined);
  const at = new Date().toISOString();
  await stores.apiKeys.touch(a.id, at);
  assert.equal((await stores.apiKeys.findByHash('a'.repeat(64)))?.last_used_at, at);
  assert.equal(await stores.apiKeys.delete(a.id), true);
  assert.equal(await stores.apiKeys.delete(a.id), false);
  assert.equal(await other.apiKeys.findByHash('a'.repeat(64)), undefined, 'a deletion applies everywhere at once');
});
