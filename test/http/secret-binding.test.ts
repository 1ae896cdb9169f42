// Secrets bound to where they go (SPEC 9.1), tried from outside against the real server: every way of
// pointing a stored secret at a new host is a failing request, and the new host — a fake that records every
// request it receives — never sees the old secret, neither on the write nor on the verify or send after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { api } from '../support/server.js';
import { startHttpFake, type HttpFake } from '../fakes/http-fake.js';
import { startSmtpSink } from '../fakes/smtp-sink.js';
import { EMAIL, TOKEN, apiKey, configOf, fakeFor, resendEntry, resendOk, send, serverFor, smtpEntry } from '../support/fixtures.js';

const onDisk = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
/** Whether any request the fake received holds `secret` anywhere: URL, a header, the body. */
const received = (fake: HttpFake, secret: string) =>
  fake.requests.some((r) => r.path.includes(secret) || JSON.stringify(r.headers).includes(secret) || r.body.toString('latin1').includes(secret));
const locs = (r: { json: any }) => (Array.isArray(r.json?.detail) ? r.json.detail.map((d: any) => d.loc) : []);

test('a new base_url with the mask or without the key: 422 naming api_key, nothing reaches the new host; with the key again it is accepted', async (t) => {
  const home = await fakeFor(t, () => startHttpFake(resendOk('home')));
  const thief = await fakeFor(t, () => startHttpFake(resendOk('thief')));
  const s = await serverFor(t, { config: configOf([resendEntry('main', home)]) });
  const key = apiKey('main');
  const masked = (await api(s.url, 'GET', '/api/config')).json.providers[0].api_key;
  assert.notEqual(masked, key);

  for (const body of [{ base_url: thief.url }, { base_url: thief.url, api_key: masked }, { base_url: thief.url, api_key: '' }, { ...resendEntry('main', thief), api_key: masked }]) {
    const r = await api(s.url, 'PUT', '/api/config/providers/main', body);
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(locs(r), [['body', 'api_key']], JSON.stringify(body));
  }
  // The whole-config write is bound the same way.
  const whole = await api(s.url, 'PUT', '/api/config', configOf([{ ...resendEntry('main', thief), api_key: masked }]));
  assert.equal(whole.status, 422, whole.text);
  assert.deepEqual(locs(whole), [['body', 'providers', 0, 'api_key']]);

  // Nothing moved: verify and send use what is stored, and go home.
  assert.equal(onDisk(s.configPath).providers[0].base_url, home.url);
  assert.equal((await api(s.url, 'POST', '/api/config/providers/main/verify')).status, 200);
  assert.equal((await send(s, EMAIL)).json.message_id, 'home');
  assert.equal(thief.requests.length, 0);
  assert.ok(received(home, key), 'control: the fake sees a key it is sent');

  // A change that does not move the secret keeps it; a move that carries a secret is accepted.
  assert.equal((await api(s.url, 'PUT', '/api/config/providers/main', { weight: 7, api_key: masked })).status, 200);
  const moved = await api(s.url, 'PUT', '/api/config/providers/main', { base_url: thief.url, api_key: 're_new_key_for_the_new_host_0001' });
  assert.equal(moved.status, 200, moved.text);
  assert.equal((await send(s, EMAIL)).json.message_id, 'thief');
  assert.equal(thief.requests.at(-1)!.headers.authorization, 'Bearer re_new_key_for_the_new_host_0001');
  assert.equal(received(thief, key), false, 'the old key never reached the new host');
});

test('a type change or a mailgun domain change without the secret: 422, the stored entry untouched', async (t) => {
  const home = await fakeFor(t, () => startHttpFake(() => ({ status: 200, body: { id: '<m@mg>', message: 'Queued' } })));
  const mg = { id: 'mg', name: 'MG', type: 'mailgun', api_key: 'key-mailgun_SECRET_0123456789', domain: 'mg.example.com', base_url: home.url };
  const s = await serverFor(t, { config: configOf([mg]) });
  const masked = (await api(s.url, 'GET', '/api/config')).json.providers[0].api_key;
  const domain = await api(s.url, 'PUT', '/api/config/providers/mg', { domain: 'attacker.example', api_key: masked });
  assert.equal(domain.status, 422, domain.text);
  assert.deepEqual(locs(domain), [['body', 'api_key']]);
  const retype = await api(s.url, 'PUT', '/api/config/providers/mg', { type: 'sendgrid', name: 'MG', api_key: masked, base_url: home.url });
  assert.equal(retype.status, 422, retype.text);
  assert.deepEqual(locs(retype), [['body', 'api_key']]);
  assert.deepEqual(onDisk(s.configPath).providers[0], mg, 'the file is untouched');
  assert.equal(home.requests.length, 0);
});

test('env:NAME only from the allowlist: AUTH_TOKEN, DATABASE_URL and others 422 on write; a hand edit is refused at send and verify', async (t) => {
  const thief = await fakeFor(t, () => startHttpFake(resendOk('thief')));
  const s = await serverFor(t, {
    config: configOf([resendEntry('main', thief)]),
    // DATABASE_URL is refused by name; it is not set here because setting it selects PostgreSQL (SPEC 11).
    env: { AUTH_TOKEN: TOKEN, PROTOPOST_SECRET_RESEND: 're_allowed_from_env_0001', OTHER_VAR: 'other_SECRET_0001' },
  });
  const auth = { authorization: `Bearer ${TOKEN}` };
  for (const name of ['AUTH_TOKEN', 'DATABASE_URL', 'OTHER_VAR', 'HOME', 'SECRET_ENV_ALLOW']) {
    const put = await api(s.url, 'PUT', '/api/config/providers/main', { api_key: `env:${name}` }, auth);
    assert.equal(put.status, 422, `${name}: ${put.text}`);
    assert.deepEqual(locs(put), [['body', 'api_key']]);
    const post = await api(s.url, 'POST', '/api/config/providers', { ...resendEntry('n', thief), name: `N ${name}`, api_key: `env:${name}` }, auth);
    assert.equal(post.status, 422, post.text);
    assert.doesNotMatch(put.text + post.text, new RegExp(TOKEN));
  }
  assert.equal(thief.requests.length, 0);
  const allowed = await api(s.url, 'PUT', '/api/config/providers/main', { api_key: 'env:PROTOPOST_SECRET_RESEND' }, auth);
  assert.equal(allowed.status, 200, allowed.text);
  assert.equal((await send(s, EMAIL, auth)).status, 200);
  assert.equal(thief.requests[0].headers.authorization, 'Bearer re_allowed_from_env_0001');

  // A hand-edited config.json is never resolved either: the attempt fails permanently, before any request.
  const edited = onDisk(s.configPath);
  edited.providers[0].api_key = 'env:AUTH_TOKEN';
  writeFileSync(s.configPath, JSON.stringify(edited));
  const before = thief.requests.length;
  const r = await send(s, EMAIL, auth);
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json.detail.attempts[0].error_class, 'permanent');
  assert.match(r.json.detail.attempts[0].error, /allowlist/);
  const v = await api(s.url, 'POST', '/api/config/providers/main/verify', undefined, auth);
  assert.equal(v.json.ok, false);
  assert.equal(thief.requests.length, before);
  assert.equal(received(thief, TOKEN), false);
});

test('SECRET_ENV_ALLOW replaces the default list and takes PREFIX_*', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk()));
  const s = await serverFor(t, { config: configOf([resendEntry('main', fake)]), env: { SECRET_ENV_ALLOW: 'APP_MAIL_*, EXACT_ONE', RESEND_API_KEY: 're_x', APP_MAIL_KEY: 're_y', EXACT_ONE: 're_z' } });
  const put = (name: string) => api(s.url, 'PUT', '/api/config/providers/main', { api_key: `env:${name}` });
  assert.equal((await put('APP_MAIL_KEY')).status, 200);
  assert.equal((await put('EXACT_ONE')).status, 200);
  assert.equal((await put('EXACT_ONE_MORE')).status, 422);
  assert.equal((await put('RESEND_API_KEY')).status, 422, 'off the list once the list is set');
});

test('plain http to a non-loopback host: 422 on write unless allow_insecure; a hand edit is refused at send and verify with nothing sent', async (t) => {
  const thief = await fakeFor(t, () => startHttpFake(resendOk('thief')));
  const s = await serverFor(t, { config: configOf([resendEntry('main', thief)]) });
  const key = apiKey('main');
  // Refused on write, so no connection is ever made to these addresses.
  for (const base_url of ['http://mail.example.com', 'http://10.0.0.7:8080', 'http://[2001:db8::1]']) {
    const r = await api(s.url, 'PUT', '/api/config/providers/main', { base_url, api_key: key });
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(locs(r), [['body', 'base_url']]);
  }
  // Disabled: this provider is only ever written, never sent through (its hosts are not ours).
  const other = { ...resendEntry('x', 'http://mail.example.com'), enabled: false };
  const bad = await api(s.url, 'POST', '/api/config/providers', { ...other, allow_insecure: 'yes' });
  assert.deepEqual(locs(bad), [['body', 'allow_insecure']]);
  const optIn = await api(s.url, 'POST', '/api/config/providers', { ...other, allow_insecure: true });
  assert.equal(optIn.status, 201, optIn.text);
  assert.equal(optIn.json.provider.allow_insecure, true);
  for (const base_url of ['https://mail.example.com', 'http://localhost:9', 'http://127.8.9.10:9', 'http://[::1]:9']) {
    assert.equal((await api(s.url, 'PUT', '/api/config/providers/x', { base_url, api_key: 're_other_0001', allow_insecure: false })).status, 200, base_url);
  }

  // [::ffff:127.0.0.1] is the fake itself (an IPv4-mapped loopback address) but outside the loopback list, so
  // the test can prove that the rule, not the network, keeps the key from it.
  const edited = onDisk(s.configPath);
  edited.providers = [{ ...edited.providers[0], base_url: thief.url.replace('127.0.0.1', '[::ffff:127.0.0.1]') }];
  writeFileSync(s.configPath, JSON.stringify(edited));
  const r = await send(s, EMAIL);
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json.detail.attempts[0].error_class, 'permanent');
  assert.match(r.json.detail.attempts[0].error, /in clear/);
  assert.equal((await api(s.url, 'POST', '/api/config/providers/main/verify')).json.ok, false);
  assert.equal(thief.requests.length, 0);
  assert.equal(received(thief, key), false);
  assert.doesNotMatch(r.text, new RegExp(key));
});

test('custom_smtp moved to a host without TLS: 422 naming the password (masked) or smtp_use_tls (sent again); a hand edit never logs in', async (t) => {
  const sink = await startSmtpSink({ users: { mailer: 'smtp_SECRET_password_42' } });
  t.after(() => sink.close());
  const s = await serverFor(t, { config: configOf([smtpEntry('relay', sink.port, { smtp_username: 'mailer', smtp_password: 'smtp_SECRET_password_42' })]) });
  const masked = (await api(s.url, 'GET', '/api/config')).json.providers[0].smtp_password;
  assert.equal((await send(s, EMAIL)).status, 200, 'control: loopback without TLS is allowed');
  assert.equal(sink.logins.length, 1);

  const keep = await api(s.url, 'PUT', '/api/config/providers/relay', { smtp_host: 'mail.example.com', smtp_password: masked });
  assert.equal(keep.status, 422, keep.text);
  assert.ok(locs(keep).some((l: unknown[]) => l.join('.') === 'body.smtp_password'), keep.text);
  const carried = await api(s.url, 'PUT', '/api/config/providers/relay', { smtp_host: 'mail.example.com', smtp_password: 'smtp_SECRET_password_42' });
  assert.deepEqual(locs(carried), [['body', 'smtp_use_tls']]);
  assert.equal((await api(s.url, 'PUT', '/api/config/providers/relay', { smtp_port: sink.port + 0, smtp_use_tls: true, smtp_password: masked })).status, 422, 'TLS switch is a move too');

  // Hand edit: the sink again, through an address outside the loopback list (see the HTTP test above).
  const edited = onDisk(s.configPath);
  edited.providers[0].smtp_host = '::ffff:127.0.0.1';
  writeFileSync(s.configPath, JSON.stringify(edited));
  const r = await send(s, EMAIL);
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json.detail.attempts[0].error_class, 'permanent');
  assert.equal((await api(s.url, 'POST', '/api/config/providers/relay/verify')).json.ok, false);
  assert.equal(sink.logins.length, 1, 'no second login');
  assert.equal(sink.connections.length, 1, 'no second connection');
});
