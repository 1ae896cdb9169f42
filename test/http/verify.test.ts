// POST /api/config/providers/{id}/verify through the real server: an SMTP provider against a real loopback
// SMTP server (connect + AUTH, nothing sent) and an HTTP provider (Postmark) against its fake.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, startServer } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { startSmtpSink } from '../fakes/smtp-sink.js';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup) await c();
});

test('verify: SMTP connect + AUTH succeeds with the right password and says why it fails with a wrong one', async () => {
  const sink = await startSmtpSink({ users: { mailer: 'right-password-123' } });
  const server = await startServer({
    env: { SMTP_LISTEN_PORT: 'off' },
    config: {
      providers: [
        { id: 'good', name: 'Good SMTP', type: 'custom_smtp', enabled: true, weight: 100, smtp_host: '127.0.0.1', smtp_port: sink.port, smtp_use_tls: false, smtp_username: 'mailer', smtp_password: 'right-password-123' },
        { id: 'bad', name: 'Bad SMTP', type: 'custom_smtp', enabled: true, weight: 100, smtp_host: '127.0.0.1', smtp_port: sink.port, smtp_use_tls: false, smtp_username: 'mailer', smtp_password: 'wrong-password-456' },
        { id: 'down', name: 'Down SMTP', type: 'custom_smtp', enabled: true, weight: 100, smtp_host: '127.0.0.1', smtp_port: 1, smtp_use_tls: false },
      ],
      routing: { mode: 'smart', sandbox: false, rules: [] },
      version: 1,
    },
  });
  cleanup.push(async () => {
    await server.kill();
    await sink.close();
  });
  const good = await api(server.url, 'POST', '/api/config/providers/good/verify');
  assert.equal(good.status, 200);
  assert.equal(good.json.ok, true);
  assert.match(good.json.checked, /SMTP connect \+ AUTH to 127\.0\.0\.1:\d+/);
  const bad = await api(server.url, 'POST', '/api/config/providers/bad/verify');
  assert.equal(bad.json.ok, false);
  assert.match(bad.json.error, /authentication failed/i);
  assert.doesNotMatch(bad.text, /wrong-password-456/);
  const down = await api(server.url, 'POST', '/api/config/providers/down/verify');
  assert.equal(down.json.ok, false);
  assert.match(down.json.error, /connect|ECONNREFUSED/i);
  assert.equal(sink.received.length, 0, 'verify sends nothing');
});

test('verify: Postmark checks its server token with GET /server; 401 is reported without the token', async () => {
  const fake = await startHttpFake((req) =>
    req.headers['x-postmark-server-token'] === 'pm-good-token-123456'
      ? { status: 200, body: { ID: 1, Name: 'Server' } }
      : { status: 401, body: { ErrorCode: 10, Message: 'The Server Token you provided in the X-Postmark-Server-Token request header was invalid.' } },
  );
  const entry = (id: string, token: string) => ({ id, name: id, type: 'postmark', enabled: true, weight: 100, api_key: token, base_url: fake.url });
  const server = await startServer({
    env: { SMTP_LISTEN_PORT: 'off' },
    config: { providers: [entry('pm-ok', 'pm-good-token-123456'), entry('pm-bad', 'pm-bad-token-654321')], routing: { mode: 'smart', sandbox: false, rules: [] }, version: 1 },
  });
  cleanup.push(async () => {
    await server.kill();
    await fake.close();
  });
  const ok = await api(server.url, 'POST', '/api/config/providers/pm-ok/verify');
  assert.equal(ok.json.ok, true);
  assert.match(ok.json.checked, /GET .*\/server/);
  const bad = await api(server.url, 'POST', '/api/config/providers/pm-bad/verify');
  assert.equal(bad.json.ok, false);
  assert.match(bad.json.error, /401/);
  assert.doesNotMatch(bad.text, /pm-bad-token-654321/);
  assert.deepEqual(fake.requests.map((r) => `${r.method} ${r.path}`), ['GET /server', 'GET /server']);
});
