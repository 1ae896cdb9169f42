// Settings for several instances: DATABASE_URL, INSTANCE_ID, QUEUE_LEASE_MS — defaults, bounds, no echo of a URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSettings, SettingsError } from '../../src/settings.js';

test('defaults: SQLite, a generated instance id per process, a 30 s lease', () => {
  const s = readSettings({});
  assert.equal(s.databaseUrl, undefined);
  assert.equal(s.queueLeaseMs, 30_000);
  assert.match(s.instanceId, /^[\w.-]+-\d+-[0-9a-f]{6}$/);
  assert.notEqual(readSettings({}).instanceId, s.instanceId, 'two processes never share an id by default');
});

test('INSTANCE_ID, QUEUE_LEASE_MS and DATABASE_URL are taken when valid', () => {
  const s = readSettings({ INSTANCE_ID: 'gw-1', QUEUE_LEASE_MS: '5000', DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/protopost' });
  assert.deepEqual([s.instanceId, s.queueLeaseMs, s.databaseUrl], ['gw-1', 5000, 'postgresql://u:p@127.0.0.1:5432/protopost']);
});

test('bad values are one-line errors; a bad DATABASE_URL is not echoed (it may hold a password)', () => {
  assert.throws(() => readSettings({ QUEUE_LEASE_MS: '10' }), /QUEUE_LEASE_MS must be an integer from 100/);
  assert.throws(() => readSettings({ INSTANCE_ID: 'has space' }), /INSTANCE_ID/);
  assert.throws(() => readSettings({ INSTANCE_ID: 'x'.repeat(129) }), /INSTANCE_ID/);
  assert.throws(
    () => readSettings({ DATABASE_URL: 'mysql://user:hunter2@db/x' }),
    (err: Error) => err instanceof SettingsError && /DATABASE_URL/.test(err.message) && !err.message.includes('hunter2'),
  );
});
