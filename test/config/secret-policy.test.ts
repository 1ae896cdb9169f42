// The binding rules on their own: which env names a secret may read, which destinations count as clear text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clearTextDestination, envNameAllowed, secretPolicyErrors } from '../../src/config/secret-policy.js';
import { rebindErrors } from '../../src/config/secrets.js';
import type { ProviderConfig } from '../../src/core/provider.js';

const resend = (extra: Record<string, unknown> = {}): ProviderConfig => ({ id: 'r', name: 'R', type: 'resend', enabled: true, weight: 100, api_key: 're_123456789abcdefa1b2', ...extra });
const smtp = (extra: Record<string, unknown> = {}): ProviderConfig =>
  ({ id: 's', name: 'S', type: 'custom_smtp', enabled: true, weight: 100, smtp_host: 'mail.example.com', smtp_port: 587, smtp_use_tls: true, smtp_use_ssl: false, smtp_username: 'u', smtp_password: 'pw_0123456789', ...extra });

test('envNameAllowed: the seeding variables and PROTOPOST_SECRET_* by default; SECRET_ENV_ALLOW replaces them; the gateway credentials never', () => {
  for (const name of ['RESEND_API_KEY', 'SMTP_PASSWORD', 'GMAIL_APP_PASSWORD', 'PROTOPOST_SECRET_X']) assert.equal(envNameAllowed(name, {}), true, name);
  for (const name of ['AUTH_TOKEN', 'DATABASE_URL', 'HOME', 'PROTOPOST_SECRET', 'resend_api_key', '', 'A-B', 'X'.repeat(129)]) assert.equal(envNameAllowed(name, {}), false, name);
  const env = { SECRET_ENV_ALLOW: ' MY_* ,ONE' };
  assert.deepEqual(['MY_KEY', 'ONE', 'ONE2', 'RESEND_API_KEY'].map((n) => envNameAllowed(n, env)), [true, true, false, false]);
  for (const name of ['AUTH_TOKEN', 'DATABASE_URL', 'SECRET_ENV_ALLOW']) assert.equal(envNameAllowed(name, { SECRET_ENV_ALLOW: '*' }), false, name);
});

test('clearTextDestination: https, TLS and loopback are fine; plain http and SMTP without TLS elsewhere are not', () => {
  for (const base_url of [undefined, 'https://api.eu.example', 'http://127.0.0.1:9', 'http://127.255.0.1', 'http://localhost:1', 'http://[::1]:2', 'http://LOCALHOST.']) {
    assert.equal(clearTextDestination(resend(base_url ? { base_url } : {})), null, String(base_url));
  }
  for (const base_url of ['http://example.com', 'http://10.0.0.1', 'http://[::ffff:127.0.0.1]:1', 'http://128.0.0.1', 'http://127.0.0.1.example.com']) {
    assert.equal(clearTextDestination(resend({ base_url }))?.field, 'base_url', base_url);
  }
  assert.equal(clearTextDestination(smtp()), null);
  assert.equal(clearTextDestination(smtp({ smtp_use_tls: false, smtp_use_ssl: true })), null);
  assert.equal(clearTextDestination(smtp({ smtp_use_tls: false, smtp_host: '127.0.0.1' })), null);
  assert.equal(clearTextDestination(smtp({ smtp_use_tls: false }))?.field, 'smtp_use_tls');
  assert.equal(clearTextDestination({ ...smtp(), type: 'gmail', smtp_use_tls: false }), null);
});

test('secretPolicyErrors: only a configured secret counts; allow_insecure opts in to clear text, not to any env name', () => {
  assert.deepEqual(secretPolicyErrors(smtp({ smtp_use_tls: false, smtp_password: undefined }), []), []);
  assert.deepEqual(secretPolicyErrors(smtp({ smtp_use_tls: false, allow_insecure: true }), []), []);
  assert.deepEqual(secretPolicyErrors(smtp({ smtp_use_tls: false }), ['p']).map((e) => e.loc), [['p', 'smtp_use_tls']]);
  assert.deepEqual(secretPolicyErrors(resend({ api_key: 'env:AUTH_TOKEN', allow_insecure: true }), [], {}).map((e) => e.loc), [['api_key']]);
});

test('rebindErrors: a moved destination needs every stored secret sent again; other edits keep them', () => {
  const stored = resend({ base_url: 'https://api.resend.com' });
  assert.deepEqual(rebindErrors({ weight: 5 }, resend({ weight: 5 }), stored, []), [], 'the explicit default base_url is not a move');
  assert.deepEqual(rebindErrors({ base_url: 'https://x' }, resend({ base_url: 'https://x' }), stored, []).map((e) => e.loc), [['api_key']]);
  assert.deepEqual(rebindErrors({ base_url: 'https://x', api_key: stored.api_key }, resend({ base_url: 'https://x' }), stored, []), []);
  assert.deepEqual(rebindErrors({ base_url: 'https://x', api_key: 're_new' }, resend({ base_url: 'https://x', api_key: 're_new' }), stored, []), []);
  for (const change of [{ smtp_host: 'other' }, { smtp_port: 25 }, { smtp_use_tls: false }, { smtp_use_ssl: true, smtp_use_tls: false }]) {
    assert.deepEqual(rebindErrors(change, smtp(change), smtp(), ['x']).map((e) => e.loc), [['x', 'smtp_password']], JSON.stringify(change));
  }
  assert.deepEqual(rebindErrors({ smtp_username: 'v' }, smtp({ smtp_username: 'v' }), smtp(), []), []);
  assert.deepEqual(rebindErrors({}, resend(), undefined, []), [], 'a new provider has nothing stored');
});
