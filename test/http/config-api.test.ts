// The config endpoints and config.json through the real server: first start, hand edits, broken edits,
// atomic versioned writes under concurrency, and secrets that never come back out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { api, waitFor } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { EMAIL, apiKey, configOf, fakeFor, mailtrapEntry, resendEntry, resendOk, send, serverFor, smtpEntry } from '../support/fixtures.js';

const onDisk = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

test('first start: config.json created with defaults; env pre-seeds providers as env:NAME, used at send time', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk('seeded')));
  const s = await serverFor(t, { env: { RESEND_API_KEY: 're_env_only_secret_77', SMTP_HOST: '127.0.0.1', SMTP_PORT: '2599', SMTP_PASSWORD: 'smtp_env_secret_88', SMTP_USERNAME: 'u' } });
  const text = readFileSync(s.configPath, 'utf8');
  assert.doesNotMatch(text, /re_env_only_secret_77|smtp_env_secret_88/);
  const file = JSON.parse(text);
  assert.equal(file.version, 1);
  assert.deepEqual(file.routing, { mode: 'smart', sandbox: false, rules: [] });
  assert.deepEqual(file.providers.map((p: any) => [p.id, p.type]), [['resend', 'resend'], ['smtp', 'custom_smtp']]);
  assert.equal(file.providers[0].api_key, 'env:RESEND_API_KEY');
  assert.equal(file.providers[1].smtp_password, 'env:SMTP_PASSWORD');

  const cfg = await api(s.url, 'GET', '/api/config');
  assert.equal(cfg.json.providers[0].api_key, 'env:RESEND_API_KEY');
  // Point the seeded provider at the fake (a move: the secret is sent again, as the same reference); the key
  // is read from the environment when sending.
  const put = await api(s.url, 'PUT', '/api/config/providers/resend', { base_url: fake.url, weight: 100, api_key: 'env:RESEND_API_KEY' });
  assert.equal(put.status, 200, put.text);
  assert.equal((await api(s.url, 'PUT', '/api/config/providers/smtp', { enabled: false })).status, 200);
  const r = await send(s, EMAIL);
  assert.equal(r.status, 200, r.text);
  assert.equal(fake.requests[0].headers.authorization, 'Bearer re_env_only_secret_77');
});

test('no config.json and no env: no providers and sandbox on, so the first send is captured; turned off, 503', async (t) => {
  const s = await serverFor(t);
  assert.deepEqual(onDisk(s.configPath), { providers: [], routing: { mode: 'smart', sandbox: true, rules: [] }, version: 1 });
  const first = await send(s, EMAIL);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.status, 'sandbox');
  assert.equal((await api(s.url, 'POST', '/api/config/routing', { sandbox: false })).status, 200);
  const h = await api(s.url, 'GET', '/api/health');
  assert.deepEqual(Object.keys(h.json).sort(), ['config_error', 'database', 'db_connected', 'instance', 'status', 'timestamp', 'version']);
  assert.deepEqual([h.json.status, h.json.db_connected, h.json.config_error, h.json.database], ['ok', true, null, 'sqlite']);
  assert.match(h.json.instance, /^[\w.:-]+$/);
  assert.equal((await send(s, EMAIL)).status, 503);
});

test('an existing config.json without providers and sandbox off is never changed on start', async (t) => {
  const config = configOf([]);
  const s = await serverFor(t, { config });
  assert.equal((await send(s, EMAIL)).status, 503);
  assert.deepEqual(onDisk(s.configPath), config);
});

test('a hand edit of config.json applies to the next request, without a restart', async (t) => {
  const a = await fakeFor(t, () => startHttpFake(resendOk('a')));
  const b = await fakeFor(t, () => startHttpFake(resendOk('b')));
  const s = await serverFor(t, { config: configOf([resendEntry('main', a)]) });
  assert.equal((await send(s, EMAIL)).json.message_id, 'a');

  const edited = onDisk(s.configPath);
  edited.providers[0].base_url = b.url;
  writeFileSync(s.configPath, JSON.stringify(edited, null, 2));
  assert.equal((await send(s, EMAIL)).json.message_id, 'b');

  edited.routing.sandbox = true;
  writeFileSync(s.configPath, JSON.stringify(edited));
  assert.equal((await send(s, EMAIL)).json.status, 'sandbox');
  assert.equal((await api(s.url, 'GET', '/api/config')).json.routing.sandbox, true);
  assert.deepEqual([a.requests.length, b.requests.length], [1, 1]);
});

test('a broken hand edit: never overwritten, shown by /api/health, last good config serves, partial writes 409, PUT replaces', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk('still-good')));
  const s = await serverFor(t, { config: configOf([resendEntry('main', fake)]) });
  const broken = '{ "providers": [ { "id": "main", "type": "resend", "name": "x", "api_key": "re_live_main_SECRET_9f8e7d6c5b4a", } ] ';
  writeFileSync(s.configPath, broken);

  const h = await api(s.url, 'GET', '/api/health');
  assert.equal(h.status, 200);
  assert.match(h.json.config_error, /config\.json is not valid JSON/);
  assert.doesNotMatch(h.text, /SECRET/);
  await waitFor(() => s.logs.some((l) => l?.config_error), 5000, 'the config error in the log');

  const r = await send(s, EMAIL);
  assert.equal(r.json.message_id, 'still-good', 'the last good config keeps serving');

  const attempts = [
    api(s.url, 'POST', '/api/config/providers', resendEntry('new', fake)),
    api(s.url, 'PUT', '/api/config/providers/main', { weight: 5 }),
    api(s.url, 'DELETE', '/api/config/providers/main'),
    api(s.url, 'POST', '/api/config/routing', { sandbox: true }),
  ];
  for (const res of await Promise.all(attempts)) {
    assert.equal(res.status, 409, res.text);
    assert.match(res.json.detail.message, /config\.json.*invalid.*PUT \/api\/config/s);
    assert.doesNotMatch(res.text, /SECRET/);
  }
  assert.equal(readFileSync(s.configPath, 'utf8'), broken, 'the broken file is left for its author to fix');

  // PUT /api/config replaces it (secrets sent in full here); the version continues from the last good one.
  const replaced = await api(s.url, 'PUT', '/api/config', configOf([resendEntry('main', fake, { weight: 60 })], { sandbox: false }));
  assert.equal(replaced.status, 200, replaced.text);
  assert.equal(replaced.json.version, 2);
  assert.equal(replaced.json.providers[0].api_key, '…5b4a');
  assert.equal((await api(s.url, 'GET', '/api/health')).json.config_error, null);
  assert.equal(onDisk(s.configPath).providers[0].weight, 60);
  assert.equal((await api(s.url, 'POST', '/api/config/routing', { mode: 'manual' })).status, 200);
  assert.equal(onDisk(s.configPath).version, 3);
});

test('an edit that is valid JSON but not a valid config: the field is named, the file kept', async (t) => {
  const s = await serverFor(t, { config: configOf([]) });
  const bad = JSON.stringify(configOf([{ id: 'x', name: 'X', type: 'resend', api_key: 'k', weight: 900 }]));
  writeFileSync(s.configPath, bad);
  const h = await api(s.url, 'GET', '/api/health');
  assert.match(h.json.config_error, /providers\.0\.weight/);
  assert.equal((await api(s.url, 'POST', '/api/config/routing', { sandbox: true })).status, 409);
  assert.equal(readFileSync(s.configPath, 'utf8'), bad);
});

test('provider CRUD: 201/200 with the provider masked, 404 for unknown ids, 422 naming the field, version bumped per write', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk()));
  const s = await serverFor(t, { config: configOf([]) });
  const version = () => onDisk(s.configPath).version;
  assert.equal(version(), 1);

  const added = await api(s.url, 'POST', '/api/config/providers', { name: 'Mine', type: 'resend', api_key: 're_created_key_abcdef123456', base_url: fake.url });
  assert.equal(added.status, 201, added.text);
  assert.deepEqual(Object.keys(added.json).sort(), ['message', 'provider']);
  const id = added.json.provider.id;
  assert.match(id, /^resend-/);
  assert.equal(added.json.provider.api_key, '…3456');
  assert.deepEqual([added.json.provider.enabled, added.json.provider.weight], [true, 100]);
  assert.equal(version(), 2);
  assert.equal(onDisk(s.configPath).providers[0].api_key, 're_created_key_abcdef123456');

  const updated = await api(s.url, 'PUT', `/api/config/providers/${id}`, { weight: 40, name: 'Renamed' });
  assert.equal(updated.status, 200, updated.text);
  assert.deepEqual([updated.json.provider.weight, updated.json.provider.name, updated.json.provider.api_key], [40, 'Renamed', '…3456']);
  assert.equal(version(), 3);

  const bad = await api(s.url, 'POST', '/api/config/providers', { name: 'S', type: 'custom_smtp', smtp_host: 'h', smtp_port: 465, smtp_use_tls: true, smtp_use_ssl: true });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.detail.map((e: any) => e.loc), [['body', 'smtp_use_ssl']]);
  const dup = await api(s.url, 'POST', '/api/config/providers', { name: 'Renamed', type: 'resend', api_key: 'k' });
  assert.equal(dup.status, 422);
  assert.deepEqual(dup.json.detail[0].loc, ['body', 'name']);
  const missing = await api(s.url, 'POST', '/api/config/providers', { name: 'NoKey', type: 'resend' });
  assert.equal(missing.status, 422);
  assert.deepEqual(missing.json.detail.map((e: any) => e.loc), [['body', 'api_key']]);
  const badRouting = await api(s.url, 'POST', '/api/config/routing', { mode: 'random' });
  assert.equal(badRouting.status, 422);
  assert.equal(badRouting.json.detail[0].loc[1], 'mode');
  const badPut = await api(s.url, 'PUT', '/api/config', { providers: [{ name: 'x', type: 'resend' }], routing: {} });
  assert.equal(badPut.status, 422);
  assert.deepEqual(badPut.json.detail.map((e: any) => e.loc), [['body', 'providers', 0, 'api_key']]);
  assert.equal(version(), 3, 'rejected writes change nothing');

  for (const [method, path] of [['PUT', '/api/config/providers/ghost'], ['DELETE', '/api/config/providers/ghost'], ['POST', '/api/config/providers/ghost/verify']]) {
    const r = await api(s.url, method, path, method === 'PUT' ? { weight: 1 } : undefined);
    assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
    assert.match(r.json.detail.message, /ghost/);
  }

  const verify = await api(s.url, 'POST', `/api/config/providers/${id}/verify`);
  assert.equal(verify.status, 200, verify.text);
  assert.equal(verify.json.ok, true);
  assert.deepEqual(fake.requests.map((r) => `${r.method} ${r.path}`), ['GET /domains'], 'verify sends no email');

  assert.equal((await api(s.url, 'POST', '/api/config/routing', { rules: [{ match: { to_domain: 'x.example' }, providers: [id] }] })).status, 200);
  const del = await api(s.url, 'DELETE', `/api/config/providers/${id}`);
  assert.equal(del.status, 200, del.text);
  const after = onDisk(s.configPath);
  assert.deepEqual([after.providers, after.routing.rules, after.version], [[], [], 5]);
});

test('50 concurrent POST /api/config/providers: all 50 present, version +50, the file valid JSON', async (t) => {
  const s = await serverFor(t, { config: configOf([]) });
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => api(s.url, 'POST', '/api/config/providers', { id: `p${i}`, name: `Provider ${i}`, type: 'resend', api_key: `re_concurrent_${i}_abcdefgh` })),
  );
  assert.deepEqual(results.map((r) => r.status), Array(50).fill(201));
  const file = onDisk(s.configPath);
  assert.equal(file.version, 51);
  assert.deepEqual(file.providers.map((p: any) => p.id).sort(), Array.from({ length: 50 }, (_, i) => `p${i}`).sort());
  const cfg = await api(s.url, 'GET', '/api/config');
  assert.equal(cfg.json.providers.length, 50);
  assert.equal(cfg.json.version, 51);
});

test('secrets: masked in every answer, the mask sent back keeps the stored value, never in the server log', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake((req) => (req.headers.authorization === `Bearer ${apiKey('r')}` ? { status: 200, body: { id: 'ok' } } : { status: 401, body: { message: 'bad key' } })));
  const mtFake = await fakeFor(t, () => startHttpFake(() => ({ status: 200, body: { success: true, message_ids: ['m'] } })));
  const mt = mailtrapEntry('m', mtFake, { weight: 10 });
  const smtp = smtpEntry('s', 1, { enabled: false, smtp_username: 'u', smtp_password: 'smtp_pw_SECRET_0123456789' });
  const s = await serverFor(t, { env: { LOG_LEVEL: 'debug' }, config: configOf([resendEntry('r', fake), mt, smtp]) });
  const secrets = [apiKey('r'), mt.api_key, 'smtp_pw_SECRET_0123456789'];
  const answers: string[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await api(s.url, method, path, body);
    answers.push(r.text);
    return r;
  };

  const cfg = await call('GET', '/api/config');
  assert.deepEqual(cfg.json.providers.map((p: any) => p.api_key ?? p.smtp_password), ['…5b4a', '…4d5e', '…6789']);

  // The dashboard's edit form sends back what it was shown: the masked provider, with one change.
  const shown = cfg.json.providers[0];
  const put = await call('PUT', '/api/config/providers/r', { ...shown, weight: 90 });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.provider.api_key, '…5b4a');
  const r1 = await send(s, EMAIL);
  assert.equal(r1.status, 200, r1.text);
  assert.equal(fake.requests.at(-1)!.headers.authorization, `Bearer ${apiKey('r')}`);

  // The whole masked config sent back through PUT /api/config keeps every secret too.
  const whole = await call('PUT', '/api/config', { ...cfg.json, routing: { ...cfg.json.routing, mode: 'smart' } });
  assert.equal(whole.status, 200, whole.text);
  const file = onDisk(s.configPath);
  assert.deepEqual([file.providers[0].api_key, file.providers[1].api_key, file.providers[2].smtp_password], secrets);
  const r2 = await send(s, EMAIL);
  assert.equal(r2.status, 200, r2.text);

  // Changing the type keeps no secret: the mask shown for the old one is refused, not stored as the new key.
  const retyped = await call('PUT', '/api/config/providers/r', { ...shown, type: 'mailtrap' });
  assert.equal(retyped.status, 422, retyped.text);
  assert.deepEqual(retyped.json.detail.map((e: any) => e.loc), [['body', 'api_key']]);
  assert.equal(onDisk(s.configPath).providers[0].api_key, apiKey('r'));

  const added = await call('POST', '/api/config/providers', { name: 'Another', type: 'mailtrap', api_key: 'mt_added_SECRET_abcdef', base_url: mtFake.url, weight: 1 });
  assert.equal(added.status, 201);
  secrets.push('mt_added_SECRET_abcdef');
  await call('GET', '/api/config');
  await call('GET', `/api/logs/${r2.json.log_id}`);
  await call('GET', '/api/providers/health');

  for (const text of answers) for (const secret of secrets) assert.ok(!text.includes(secret), `secret in an answer: ${text.slice(0, 200)}`);
  const log = JSON.stringify(s.logs) + s.stderr();
  assert.ok(s.logs.length > 3, 'debug logging produced lines');
  for (const secret of secrets) assert.ok(!log.includes(secret), `secret ${secret.slice(0, 6)}… in the server log`);
});

test('a provider echoing the key in its error: scrubbed from the 502, the log record and the server log', async (t) => {
  const key = apiKey('echo');
  const fake = await fakeFor(t, () => startHttpFake((req) => ({ status: 401, body: { message: `Invalid API key: ${String(req.headers.authorization).slice(7)}` } })));
  const s = await serverFor(t, { env: { LOG_LEVEL: 'debug' }, config: configOf([resendEntry('echo', fake)]) });
  const r = await send(s, EMAIL);
  assert.equal(r.status, 502);
  assert.match(r.json.detail.errors[0].error, /Invalid API key: \[redacted\]/);
  const log = await api(s.url, 'GET', `/api/logs/${r.json.detail.log_id}`);
  const list = await api(s.url, 'GET', '/api/logs');
  const health = await api(s.url, 'GET', '/api/providers/health');
  for (const text of [r.text, log.text, list.text, health.text, JSON.stringify(s.logs)]) assert.ok(!text.includes(key), text.slice(0, 300));
});
