// readSettings: the limits added for SPEC section 9, their defaults, their variables, a bad value refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSettings, SettingsError } from '../../src/settings.js';

test('HTTP timeouts and the SSE client cap: defaults, environment variables, bad values', () => {
  const d = readSettings({});
  assert.deepEqual([d.requestTimeoutMs, d.headersTimeoutMs, d.eventsMaxClients], [30_000, 10_000, 100]);
  const set = readSettings({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '2000', EVENTS_MAX_CLIENTS: '7' });
  assert.deepEqual([set.requestTimeoutMs, set.headersTimeoutMs, set.eventsMaxClients], [5000, 2000, 7]);
  for (const [name, value] of [['HTTP_REQUEST_TIMEOUT_MS', '0'], ['HTTP_HEADERS_TIMEOUT_MS', 'soon'], ['EVENTS_MAX_CLIENTS', '-1'], ['EVENTS_MAX_CLIENTS', '1.5']]) {
    assert.throws(() => readSettings({ [name]: value }), (e: unknown) => e instanceof SettingsError && e.message.includes(name), `${name}=${value}`);
  }
});

test('WAL_MAX_BYTES: unset leaves the store its default, a value of at least 1 MiB is taken, less is refused', () => {
  assert.equal(readSettings({}).walMaxBytes, undefined);
  assert.equal(readSettings({ WAL_MAX_BYTES: '8388608' }).walMaxBytes, 8_388_608);
  for (const value of ['1000', 'big', '-1']) {
    assert.throws(() => readSettings({ WAL_MAX_BYTES: value }), (e: unknown) => e instanceof SettingsError && e.message.includes('WAL_MAX_BYTES'), value);
  }
});
