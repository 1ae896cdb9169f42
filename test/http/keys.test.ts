// SPEC 9.1 through the real server: API keys are created once with their secret, listed without it, stored
// only as a hash, usable as bearer tokens, named on every log record they submit, and revoked at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { api, waitFor } from '../support/server.js';
import { EMAIL, TOKEN, auth, configOf, createKey, send, serverFor } from '../support/fixtures.js';

const SANDBOX = configOf([], { sandbox: true });

test('POST /api/keys: 201 with the secret once; GET lists keys without secrets; only the SHA-256 is stored', async (t) => {
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: SANDBOX });
  const created = await api(s.url, 'POST', '/api/keys', { name: 'billing-app', scope: 'send' }, auth());
  assert.equal(created.status, 201, created.text);
  const { key, secret } = created.json;
  assert.match(secret, /^pp_[A-Za-z0-9_-]{43}$/, '256 random bits, base64url');
  assert.deepEqual(Object.keys(key).sort(), ['created_at', 'id', 'last_used_at', 'name', 'prefix', 'scope']);
  assert.equal(key.name, 'billing-app');
  assert.equal(key.scope, 'send');
  assert.equal(key.prefix, secret.slice(0, 8));
  assert.equal(key.last_used_at, null);
  assert.ok(!Number.isNaN(Date.parse(key.created_at)));

  const other = await createKey(s, 'reporting', 'read');
  assert.notEqual(other.secret, secret);
  const listed = await api(s.url, 'GET', '/api/keys', undefined, auth());
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.json.keys.map((k: any) => [k.name, k.scope]), [['billing-app', 'send'], ['reporting', 'read']]);
  assert.ok(!listed.text.includes(secret) && !listed.text.includes(other.secret), 'no secret in the list');

  // In the database: the hash, never the secret (also not in the WAL).
  const db = new Database(s.databasePath, { readonly: true });
  t.after(() => db.close());
  const row = db.prepare('SELECT hash FROM api_keys WHERE name = ?').get('billing-app') as { hash: string };
  assert.equal(row.hash, createHash('sha256').update(secret).digest('hex'));
  for (const file of [s.databasePath, `${s.databasePath}-wal`]) {
    let bytes = '';
    try {
      bytes = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    assert.ok(!bytes.includes(secret.slice(3)), `${file} holds the secret`);
  }
  assert.ok(!JSON.stringify(s.logs).includes(secret), 'the secret is not logged');
});

test('POST /api/keys validates name and scope, refuses a duplicate name, and needs AUTH_TOKEN configured', async (t) => {
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: SANDBOX });
  for (const body of [{ name: '', scope: 'send' }, { name: 'x'.repeat(101), scope: 'send' }, { name: 'a\nb', scope: 'send' }, { name: 'ok', scope: 'root' }, { scope: 'send' }, { name: 'ok' }, { name: 'ok', scope: 'send', extra: 1 }, { name: 'AUTH_TOKEN', scope: 'send' }]) {
    const r = await api(s.url, 'POST', '/api/keys', body, auth());
    assert.equal(r.status, 422, `${JSON.stringify(body)} → ${r.status} ${r.text}`);
    assert.ok(Array.isArray(r.json.detail));
  }
  assert.equal((await api(s.url, 'POST', '/api/keys', { name: 'x'.repeat(100), scope: 'admin' }, auth())).status, 201);
  await createKey(s, 'dup', 'send');
  const dup = await api(s.url, 'POST', '/api/keys', { name: 'dup', scope: 'read' }, auth());
  assert.equal(dup.status, 409);
  assert.match(dup.json.detail.message, /dup/);
  assert.equal((await api(s.url, 'GET', '/api/keys', undefined, auth())).json.keys.length, 2);

  const open = await serverFor(t, { config: SANDBOX });
  const refused = await api(open.url, 'POST', '/api/keys', { name: 'a', scope: 'send' });
  assert.equal(refused.status, 409);
  assert.match(refused.json.detail.message, /set AUTH_TOKEN first/);
  assert.deepEqual((await api(open.url, 'GET', '/api/keys')).json, { keys: [] });
});

test('only AUTH_TOKEN manages keys: an admin key gets 403 on every key route', async (t) => {
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: SANDBOX });
  const admin = await createKey(s, 'ops', 'admin');
  const message = { detail: { message: "This key's scope (admin) does not allow this request" } };
  for (const [method, path, body] of [['GET', '/api/keys'], ['POST', '/api/keys', { name: 'mine', scope: 'admin' }], ['DELETE', `/api/keys/${admin.key.id}`]] as const) {
    const r = await api(s.url, method, path, body, auth(admin.secret));
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.deepEqual(r.json, message);
  }
  assert.equal((await api(s.url, 'GET', '/api/keys', undefined, auth())).json.keys.length, 1, 'nothing created or deleted');
  // The admin key does everything else.
  assert.equal((await api(s.url, 'GET', '/api/config', undefined, auth(admin.secret))).status, 200);
  assert.equal((await api(s.url, 'POST', '/api/config/routing', { sandbox: true }, auth(admin.secret))).status, 200);
});

test('a key is a bearer token; its sends are named in the log (summary, detail, ?api_key=); last_used_at is kept', async (t) => {
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: SANDBOX });
  const billing = await createKey(s, 'billing-app', 'send');
  const crm = await createKey(s, 'crm', 'send');
  assert.equal((await send(s, EMAIL, auth(billing.secret))).status, 200);
  assert.equal((await send(s, EMAIL, auth(billing.secret))).status, 200);
  assert.equal((await send(s, EMAIL, auth(crm.secret))).status, 200);
  const byToken = await send(s, EMAIL, auth());
  assert.equal(byToken.status, 200);

  const all = await api(s.url, 'GET', '/api/logs', undefined, auth());
  assert.deepEqual(all.json.logs.map((l: any) => l.api_key), ['AUTH_TOKEN', 'crm', 'billing-app', 'billing-app']);
  const detail = await api(s.url, 'GET', `/api/logs/${byToken.json.log_id}`, undefined, auth());
  assert.equal(detail.json.api_key, 'AUTH_TOKEN');
  const filtered = await api(s.url, 'GET', '/api/logs?api_key=billing-app', undefined, auth());
  assert.equal(filtered.json.total, 2);
  assert.ok(filtered.json.logs.every((l: any) => l.api_key === 'billing-app'));
  assert.equal((await api(s.url, 'GET', '/api/logs?api_key=AUTH_TOKEN', undefined, auth())).json.total, 1);
  assert.equal((await api(s.url, 'GET', '/api/logs?api_key=nobody', undefined, auth())).json.total, 0);
  assert.equal((await api(s.url, 'GET', `/api/logs?api_key=${'x'.repeat(101)}`, undefined, auth())).status, 422);

  const used = await waitFor(async () => {
    const keys = (await api(s.url, 'GET', '/api/keys', undefined, auth())).json.keys;
    return keys.find((k: any) => k.name === 'billing-app' && k.last_used_at);
  }, 5000, 'last_used_at');
  assert.ok(Date.parse(used.last_used_at) >= Date.parse(billing.key.created_at));

  // The filter uses the index, not a scan.
  const db = new Database(s.databasePath, { readonly: true });
  t.after(() => db.close());
  const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id FROM emails WHERE api_key = ? ORDER BY id DESC LIMIT 10").all('crm') as { detail: string }[];
  assert.match(plan.map((p) => p.detail).join(' '), /USING (COVERING )?INDEX emails_api_key/);
});

test('without AUTH_TOKEN a record names no credential (api_key null)', async (t) => {
  const s = await serverFor(t, { config: SANDBOX });
  const r = await send(s, EMAIL);
  assert.equal((await api(s.url, 'GET', `/api/logs/${r.json.log_id}`)).json.api_key, null);
  assert.equal((await api(s.url, 'GET', '/api/logs')).json.logs[0].api_key, null);
});

test('DELETE /api/keys/{id}: 200, then the key fails at once (401); an unknown id is 404', async (t) => {
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: SANDBOX });
  const k = await createKey(s, 'temp', 'send');
  assert.equal((await send(s, EMAIL, auth(k.secret))).status, 200);
  const del = await api(s.url, 'DELETE', `/api/keys/${k.key.id}`, undefined, auth());
  assert.equal(del.status, 200);
  const after = await send(s, EMAIL, auth(k.secret));
  assert.equal(after.status, 401);
  assert.equal((await api(s.url, 'DELETE', `/api/keys/${k.key.id}`, undefined, auth())).status, 404);
  assert.equal((await api(s.url, 'DELETE', '/api/keys/999999', undefined, auth())).status, 404);
  assert.deepEqual((await api(s.url, 'GET', '/api/keys', undefined, auth())).json, { keys: [] });
  // A new key with the old name is a different secret: the old one stays dead.
  await createKey(s, 'temp', 'send');
  assert.equal((await send(s, EMAIL, auth(k.secret))).status, 401);
});
