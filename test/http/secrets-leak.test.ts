// SPEC section 9: no secret in any response or log line, on every path. The fakes here echo the credentials
// they were sent back in their error text, the way some real APIs do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../support/server.js';
import { EMAIL, apiKey, configOf, fakeFor, resendEntry, send, serverFor } from '../support/fixtures.js';
import { startHttpFake, type RecordedRequest } from '../fakes/http-fake.js';

/** An error whose text quotes every header it got (so the credential, however it is sent), padded so that cutting matters. */
const echoing = (status: number) => (req: RecordedRequest) => {
  const text = `invalid credentials: ${JSON.stringify(req.headers)} ${'x'.repeat(500)}`;
  // In each provider's own error shape: `message` (Resend), `Message` (Postmark).
  return { status, body: { message: text, Message: text, ErrorCode: 10 } };
};

const leaks = (text: string, secrets: string[]) => secrets.filter((s) => text.includes(s) || text.includes(s.slice(0, 16)));

test('failed attempts before a later success are scrubbed and cut in the 200 body, the log record and the server log', async (t) => {
  const first = await fakeFor(t, () => startHttpFake(echoing(401)));
  const second = await fakeFor(t, () => startHttpFake(echoing(503)));
  const ok = await fakeFor(t, () => startHttpFake(() => ({ status: 200, body: { id: 'delivered-3' } })));
  const s = await serverFor(t, {
    env: { SMTP_LISTEN_PORT: 'off', LOG_LEVEL: 'debug', BREAKER_THRESHOLD: '1000' },
    config: configOf([resendEntry('first', first, { weight: 90 }), resendEntry('second', second, { weight: 50 }), resendEntry('third', ok, { weight: 10 })]),
  });
  const secrets = [apiKey('first'), apiKey('second'), apiKey('third')];

  const r = await send(s, EMAIL);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.provider.id, 'third');
  assert.equal(first.requests[0].headers.authorization, `Bearer ${apiKey('first')}`, 'the fake really had the key to echo');
  const failed = r.json.attempts.filter((a: any) => !a.ok);
  assert.equal(failed.length, 2);
  for (const a of failed) {
    assert.match(a.error, /\[redacted\]/);
    assert.ok(a.error.length <= 300, `${a.error.length} characters`);
  }
  assert.deepEqual(leaks(r.text, secrets), []);

  const detail = await api(s.url, 'GET', `/api/logs/${r.json.log_id}`);
  assert.equal(detail.json.attempts.length, 3);
  assert.deepEqual(leaks(detail.text, secrets), []);
  assert.deepEqual(leaks((await api(s.url, 'GET', '/api/logs')).text, secrets), []);
  assert.deepEqual(leaks((await api(s.url, 'GET', '/api/providers/health')).text, secrets), []);
  assert.deepEqual(leaks((await api(s.url, 'GET', '/api/config')).text, secrets), []);
  assert.deepEqual(leaks(JSON.stringify(s.logs) + s.stderr(), secrets), []);
});

test('when every provider fails, the 502 errors and the stored error message are scrubbed and cut too', async (t) => {
  const down = await fakeFor(t, () => startHttpFake(echoing(401)));
  const s = await serverFor(t, { env: { SMTP_LISTEN_PORT: 'off' }, config: configOf([resendEntry('only', down)]) });
  const r = await send(s, EMAIL);
  assert.equal(r.status, 502);
  assert.match(r.json.detail.errors[0].error, /\[redacted\]/);
  assert.ok(r.json.detail.errors[0].error.length <= 300);
  const detail = await api(s.url, 'GET', `/api/logs/${r.json.detail.log_id}`);
  assert.deepEqual(leaks(r.text + detail.text + JSON.stringify(s.logs), [apiKey('only')]), []);
});

test('verify: an error that echoes the key is scrubbed and cut', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(echoing(401)));
  const entry = { id: 'pm', name: 'Postmark', type: 'postmark', api_key: 'pm-server-token-0123456789', base_url: fake.url };
  const s = await serverFor(t, { env: { SMTP_LISTEN_PORT: 'off' }, config: configOf([entry]) });
  const r = await api(s.url, 'POST', '/api/config/providers/pm/verify');
  assert.equal(r.status, 200);
  assert.equal(r.json.ok, false);
  assert.equal(fake.requests[0].headers['x-postmark-server-token'], 'pm-server-token-0123456789');
  assert.match(r.json.error, /\[redacted\]/, 'the echoed token was there to scrub');
  assert.deepEqual(leaks(r.text + JSON.stringify(s.logs), ['pm-server-token-0123456789']), []);
  assert.ok(r.json.error.length <= 300, `${r.json.error.length} characters`);
});

test('a masked secret shows at most its last 4 characters', async (t) => {
  const s = await serverFor(t, {
    env: { SMTP_LISTEN_PORT: 'off' },
    config: configOf([
      { id: 'g', name: 'Gmail', type: 'gmail', gmail_address: 'me@gmail.example', gmail_app_password: 'abcdefghijklmnop' },
      resendEntry('r', 'http://127.0.0.1:9'),
    ]),
  });
  const c = (await api(s.url, 'GET', '/api/config')).json;
  const masked = Object.fromEntries(c.providers.map((p: any) => [p.id, p]));
  assert.equal(masked.g.gmail_app_password, '…mnop');
  assert.equal(masked.r.api_key, `…${apiKey('r').slice(-4)}`);
});
