// POST /api/send end to end: the real server, providers against local fakes, every answer of SPEC section 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startHttpFake } from '../fakes/http-fake.js';
import { api, waitFor } from '../support/server.js';
import { EMAIL, TOKEN, apiKey, auth, configOf, email, fakeFor, logTotal, postRaw, resendEntry, resendOk, send, serverFor } from '../support/fixtures.js';

const INTERNAL = { detail: { message: 'Internal server error. Check server logs for details.' } };

test('200 success: the exact SPEC shape, the exact provider request, one log record written before the answer', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk('re-msg-42')));
  const s = await serverFor(t, { config: configOf([resendEntry('primary', fake)]) });

  const r = await send(s, email({ subject: 'Shape check' }));
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(Object.keys(r.json).sort(), ['attempts', 'log_id', 'message', 'message_id', 'processing_time_ms', 'provider', 'status']);
  assert.equal(r.json.status, 'success');
  assert.equal(r.json.message, 'Email sent successfully via Resend primary');
  assert.deepEqual(r.json.provider, { id: 'primary', name: 'Resend primary', type: 'resend' });
  assert.equal(r.json.message_id, 're-msg-42');
  assert.ok(Number.isInteger(r.json.log_id) && r.json.log_id > 0);
  assert.equal(typeof r.json.processing_time_ms, 'number');
  assert.ok(r.json.processing_time_ms >= 0);
  assert.equal(r.json.attempts.length, 1);
  const [a] = r.json.attempts;
  assert.deepEqual(
    { ...a, started_at: undefined, duration_ms: undefined },
    { provider_id: 'primary', provider_name: 'Resend primary', provider_type: 'resend', ok: true, error: null, error_class: null, started_at: undefined, duration_ms: undefined },
  );
  assert.ok(!Number.isNaN(Date.parse(a.started_at)));

  assert.equal(fake.requests.length, 1);
  const req = fake.requests[0];
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/emails');
  assert.equal(req.headers.authorization, `Bearer ${apiKey('primary')}`);
  assert.match(String(req.headers['user-agent']), /^protopost\/\d/);
  assert.deepEqual(req.json, { from: 'Sender <sender@example.com>', to: ['rcpt@example.org'], subject: 'Shape check', text: 'Hi there' });

  // Read straight after the answer: the record exists already, with its final status.
  const log = await api(s.url, 'GET', `/api/logs/${r.json.log_id}`);
  assert.equal(log.status, 200);
  assert.equal(log.json.status, 'success');
  assert.equal(log.json.message_id, 're-msg-42');
  assert.equal(log.json.provider_id, 'primary');
  assert.equal(log.json.attempt_count, 1);
  assert.equal(await logTotal(s), 1);
});

test('200 sandbox: captured and logged, nothing reaches any provider', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk()));
  const s = await serverFor(t, { config: configOf([resendEntry('primary', fake)], { sandbox: true }) });

  const r = await send(s, EMAIL);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['log_id', 'message', 'processing_time_ms', 'status']);
  assert.equal(r.json.status, 'sandbox');
  assert.equal(r.json.message, 'Email intercepted by Sandbox Mode (not sent externally)');
  assert.equal(typeof r.json.processing_time_ms, 'number');
  assert.equal(fake.requests.length, 0);
  const log = await api(s.url, 'GET', `/api/logs/${r.json.log_id}`);
  assert.equal(log.json.status, 'sandbox');
  assert.equal(log.json.attempt_count, 0);
  assert.equal(await logTotal(s), 1);
});

test('401 without or with a wrong token: exact body, WWW-Authenticate: Bearer, nothing logged or sent', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk()));
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: configOf([resendEntry('primary', fake)]) });
  const cases: Record<string, string>[] = [
    {},
    { authorization: 'Bearer wrong-token' },
    { authorization: `Bearer ${TOKEN}x` },
    { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` },
    { authorization: TOKEN },
    { authorization: 'Bearer ' },
  ];
  for (const headers of cases) {
    const r = await send(s, EMAIL, headers);
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual(r.json, { detail: { message: 'Unauthorized. Provide a valid Bearer token in the Authorization header.' } });
  }
  assert.equal(fake.requests.length, 0);
  assert.equal(await logTotal(s, auth()), 0);
  const ok = await send(s, EMAIL, auth());
  assert.equal(ok.status, 200, ok.text);
  assert.equal(await logTotal(s, auth()), 1);
});

test('413 above 10 MiB (exactly 10485760 bytes is still accepted); 415 for anything but JSON; neither logged', async (t) => {
  const s = await serverFor(t, { config: configOf([], { sandbox: true }) });
  const sized = (bytes: number) => {
    const shell = JSON.stringify({ ...EMAIL, body_text: '' });
    const body = JSON.stringify({ ...EMAIL, body_text: 'x'.repeat(bytes - shell.length) });
    assert.equal(Buffer.byteLength(body), bytes);
    return body;
  };
  const atLimit = await send(s, sized(10_485_760));
  assert.equal(atLimit.status, 200, atLimit.text.slice(0, 300));
  assert.equal(atLimit.json.status, 'sandbox');

  const over = await postRaw(s.url, '/api/send', sized(10_485_761));
  assert.equal(over.status, 413);
  assert.equal(typeof over.json.detail.message, 'string');
  assert.match(over.json.detail.message, /10485760|10 MiB/);

  const json = JSON.stringify(EMAIL);
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'application/xml']) {
    const body = type.startsWith('application/x-www') ? 'from=a%40b.co&to=c%40d.co' : json;
    const r = await send(s, body, { 'content-type': type });
    assert.equal(r.status, 415, `${type}: ${r.text}`);
    assert.deepEqual(Object.keys(r.json.detail), ['message']);
    assert.match(r.json.detail.message, /application\/json/);
  }
  // `application/json` with parameters is still JSON.
  const withCharset = await send(s, json, { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(withCharset.status, 200, withCharset.text);
  assert.equal(await logTotal(s), 2);
});

test('502 when every provider fails: message, log_id, errors per provider in attempt order, one failed record', async (t) => {
  const down = await fakeFor(t, () => startHttpFake(() => ({ status: 503, body: { message: 'service unavailable' } })));
  const refused = await fakeFor(t, () => startHttpFake(() => ({ status: 401, body: { message: 'API key is invalid' } })));
  const s = await serverFor(t, {
    env: { BREAKER_THRESHOLD: '1000' },
    config: configOf([resendEntry('first', down, { weight: 90 }), resendEntry('second', refused, { weight: 10 })]),
  });

  const r = await send(s, EMAIL);
  assert.equal(r.status, 502, r.text);
  const d = r.json.detail;
  assert.equal(d.message, 'All email providers failed');
  assert.ok(Number.isInteger(d.log_id));
  assert.equal(typeof d.processing_time_ms, 'number');
  assert.equal(d.errors.length, 2);
  assert.deepEqual(d.errors.map((e: any) => Object.keys(e).sort()), [['error', 'provider_id', 'provider_name'], ['error', 'provider_id', 'provider_name']]);
  assert.deepEqual(d.errors.map((e: any) => [e.provider_id, e.provider_name]), [['first', 'Resend first'], ['second', 'Resend second']]);
  assert.match(d.errors[0].error, /503.*service unavailable/);
  assert.match(d.errors[1].error, /401.*API key is invalid/);
  assert.equal(down.requests.length, 1);
  assert.equal(refused.requests.length, 1);
  assert.doesNotMatch(r.text, /SECRET/);

  const log = await api(s.url, 'GET', `/api/logs/${d.log_id}`);
  assert.equal(log.json.status, 'failed');
  assert.equal(log.json.attempt_count, 2);
  assert.deepEqual(log.json.attempts.map((a: any) => [a.provider_id, a.ok, a.error_class]), [['first', false, 'transient'], ['second', false, 'permanent']]);
  assert.match(log.json.error_message, /Resend first.*503.*Resend second.*401/);
  assert.equal(await logTotal(s), 1);
});

test('503 when no provider is enabled with weight > 0; no log record', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk()));
  for (const providers of [[], [resendEntry('off', fake, { enabled: false }), resendEntry('zero', fake, { weight: 0 })]]) {
    const s = await serverFor(t, { config: configOf(providers) });
    const r = await send(s, EMAIL);
    assert.equal(r.status, 503, r.text);
    assert.deepEqual(Object.keys(r.json.detail), ['message']);
    assert.match(r.json.detail.message, /^No active email providers configured\. /);
    assert.equal(await logTotal(s), 0);
  }
  assert.equal(fake.requests.length, 0);
});

test('500 on an unexpected failure (the database refuses the insert): generic body, no internals, still serving', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk()));
  const s = await serverFor(t, { config: configOf([resendEntry('primary', fake)]) });
  assert.equal((await send(s, EMAIL)).status, 200);

  // Another process breaks the database under the running server (what a corrupted or foreign-edited file looks like).
  const db = new Database(s.databasePath);
  t.after(() => db.close());
  db.exec(`CREATE TRIGGER boom BEFORE INSERT ON emails BEGIN SELECT RAISE(ABORT, 'internal detail at /var/lib/secret.db'); END;`);

  const r = await send(s, email({ subject: 'will fail' }));
  assert.equal(r.status, 500, r.text);
  assert.deepEqual(r.json, INTERNAL);
  assert.doesNotMatch(r.text, /internal detail|SQLITE|secret\.db|at \w+ \(/);
  assert.equal(fake.requests.length, 1, 'nothing sent for an email that could not be stored');
  await waitFor(() => s.logs.some((l) => l?.level >= 50 && /unhandled/.test(l.msg)), 5000, 'the error in the server log');

  db.exec('DROP TRIGGER boom');
  const again = await send(s, EMAIL);
  assert.equal(again.status, 200, again.text);
  assert.equal(await logTotal(s), 2);
});

test('every accepted request leaves exactly one record, rejected ones none (mixed sequence)', async (t) => {
  let fail = false;
  const fake = await fakeFor(t, () => startHttpFake(() => (fail ? { status: 500, body: { message: 'boom' } } : { status: 200, body: { id: 'x' } })));
  const s = await serverFor(t, { env: { BREAKER_THRESHOLD: '1000' }, config: configOf([resendEntry('only', fake)]) });
  const expect = async (body: unknown, status: number, delta: number, headers?: Record<string, string>) => {
    const before = await logTotal(s);
    const r = await send(s, body, headers);
    assert.equal(r.status, status, r.text);
    assert.equal(await logTotal(s), before + delta, `${status} should leave ${delta} record(s)`);
  };
  await expect(EMAIL, 200, 1);
  await expect(email({ to: [] }), 422, 0);
  await expect('{"from":', 422, 0);
  await expect(JSON.stringify(EMAIL), 415, 0, { 'content-type': 'text/plain' });
  fail = true;
  await expect(EMAIL, 502, 1);
  fail = false;
  await expect(EMAIL, 200, 1);
  const list = await api(s.url, 'GET', '/api/logs');
  assert.deepEqual(list.json.logs.map((l: any) => l.status), ['success', 'failed', 'success']);
});
