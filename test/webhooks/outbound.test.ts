// Outbound webhooks: the destination guard (every notation, names resolved), and against the real server
// signed deliveries retried with the same webhook-id across a restart, and the delivery-time check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { api, startServer, waitFor } from '../support/server.js';
import { configOf, email, fakeFor, resendEntry, resendOk, send, serverFor } from '../support/fixtures.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { checkDestination, isPrivateAddress } from '../../src/webhooks/outbound/destination.js';

test('destination guard: loopback, private, unique-local and link-local in any notation; names checked after resolution', async () => {
  for (const ip of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1']) {
    assert.equal(isPrivateAddress(ip), true, ip);
  }
  for (const ip of ['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111']) assert.equal(isPrivateAddress(ip), false, ip);
  const never = async () => {
    throw new Error('must not resolve an IP literal');
  };
  for (const url of ['http://10.0.0.1/', 'http://2130706433/', 'http://0x7f.1/', 'http://017700000001/', 'http://[::ffff:127.0.0.1]/', 'http://[fd12::1]:8080/x', 'http://0.0.0.0/']) {
    assert.equal((await checkDestination(url, false, never)).ok, false, url);
  }
  assert.equal((await checkDestination('ftp://example.com/', false, never)).ok, false);
  assert.equal((await checkDestination('https://user:pw@example.com/', false, never)).ok, false);
  const resolver = async (name: string) => (name === 'localtest' ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '93.184.216.34', family: 4 }, ...(name === 'mixed.test' ? [{ address: '10.1.2.3', family: 4 }] : [])]);
  assert.equal((await checkDestination('http://localtest/', false, resolver)).ok, false);
  assert.equal((await checkDestination('http://mixed.test/', false, resolver)).ok, false, 'any private address refuses the name');
  assert.equal((await checkDestination('https://hooks.example.com/x', false, resolver)).ok, true);
  assert.equal((await checkDestination('http://localtest/', true, resolver)).ok, true, 'WEBHOOK_ALLOW_PRIVATE=1');
});

test('create: a private URL is 422 (never connected to); the secret is shown once; list and delete', async (t) => {
  const s = await serverFor(t);
  for (const url of ['http://10.0.0.1/', 'http://localhost:9/', 'http://[::1]/', 'http://2130706433/', 'file:///etc/passwd']) {
    const r = await api(s.url, 'POST', '/api/webhooks', { url, events: ['email.sent'] });
    assert.equal(r.status, 422, `${url}: ${r.text}`);
    assert.deepEqual(r.json.detail[0].loc, ['body', 'url']);
  }
  assert.equal((await api(s.url, 'POST', '/api/webhooks', { url: 'http://10.0.0.1/', events: ['email.nope'] })).status, 422);
  assert.deepEqual((await api(s.url, 'GET', '/api/webhooks')).json.webhooks, []);
  assert.equal((await api(s.url, 'DELETE', '/api/webhooks/wh_missing')).status, 404);
});

test('deliveries: Standard Webhooks signature, retried after two failures with the same webhook-id, across a restart', async (t) => {
  const received: { id: string; ok: boolean; body: string }[] = [];
  let secret = '';
  const receiver = await fakeFor(t, () => startHttpFake(() => ({ status: 200 })));
  receiver.respond((req) => {
    const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
    let ok = false;
    try {
      new Webhook(secret).verify(req.body.toString('utf8'), headers);
      ok = true;
    } catch {
      ok = false;
    }
    received.push({ id: headers['webhook-id'], ok, body: req.body.toString('utf8') });
    return { status: received.length <= 2 ? 500 : 200 };
  });
  const provider = await fakeFor(t, () => startHttpFake(resendOk('re-msg-1')));
  const env = { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_RETRY_DELAYS_MS: '400,400,400' };
  let s = await startServer({ config: configOf([resendEntry('rs', provider)]), env });
  t.after(() => s.kill());
  const created = await api(s.url, 'POST', '/api/webhooks', { url: `${receiver.url}/hook`, events: ['email.sent', 'email.failed'], description: 'app' });
  assert.equal(created.status, 201, created.text);
  secret = created.json.secret;
  assert.match(secret, /^whsec_/);
  assert.ok(!(await api(s.url, 'GET', '/api/webhooks')).text.includes(secret), 'the secret is never listed');

  const sent = await send(s, email());
  assert.equal(sent.status, 200);
  const hookId = created.json.webhook.id;
  const attemptsLogged = async (n: number) => ((await api(s.url, 'GET', `/api/webhooks/${hookId}/deliveries`)).json.deliveries.length >= n);
  await waitFor(() => attemptsLogged(1), 5000, 'first attempt');
  // Killed between attempts: the pending delivery is in the database and resumes after the restart.
  await s.kill();
  s = await startServer({ dir: s.dir, env });
  await waitFor(() => received.length >= 3, 10_000, 'third delivery');
  assert.ok(received.every((r) => r.ok), 'every attempt verifies with the Standard Webhooks algorithm');
  assert.equal(new Set(received.map((r) => r.id)).size, 1, 'same webhook-id on every retry');
  const payload = JSON.parse(received[2].body);
  assert.equal(payload.type, 'email.sent');
  assert.deepEqual([payload.data.log_id, payload.data.message_id, payload.data.provider_id, payload.data.recipient], [sent.json.log_id, 're-msg-1', 'rs', 'rcpt@example.org']);
  const log = await waitFor(async () => {
    const d = (await api(s.url, 'GET', `/api/webhooks/${created.json.webhook.id}/deliveries`)).json.deliveries;
    return d.length === 3 && d;
  }, 5000, 'three attempts logged');
  assert.deepEqual(log.map((d: any) => [d.event, d.status_code, d.outcome]), [['email.sent', 200, 'delivered'], ['email.sent', 500, 'retrying'], ['email.sent', 500, 'retrying']]);
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(received.length, 3, 'nothing more after the delivery succeeded');
});

test('delivery time: a destination that is now loopback is refused after resolution while WEBHOOK_ALLOW_PRIVATE is unset', async (t) => {
  const receiver = await fakeFor(t, () => startHttpFake(() => ({ status: 200 })));
  const provider = await fakeFor(t, () => startHttpFake(resendOk('re-msg-2')));
  // Registered while private destinations were allowed, by name: `localhost` resolves to loopback.
  let s = await startServer({ config: configOf([resendEntry('rs', provider)]), env: { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_RETRY_DELAYS_MS: '' } });
  t.after(() => s.kill());
  const port = new URL(receiver.url).port;
  const created = await api(s.url, 'POST', '/api/webhooks', { url: `http://localhost:${port}/hook`, events: ['email.sent'] });
  assert.equal(created.status, 201, created.text);
  await s.stop();
  s = await startServer({ dir: s.dir, env: { WEBHOOK_RETRY_DELAYS_MS: '50' } });
  assert.equal((await send(s, email())).status, 200);
  const attempts = await waitFor(async () => {
    const d = (await api(s.url, 'GET', `/api/webhooks/${created.json.webhook.id}/deliveries`)).json.deliveries;
    return d.length === 2 && d;
  }, 5000, 'two refused attempts');
  assert.ok(attempts.every((a: any) => a.status_code === null && /not allowed/.test(a.error)), JSON.stringify(attempts));
  assert.equal(attempts[0].outcome, 'failed');
  assert.equal(receiver.requests.length, 0, 'nothing reached the loopback receiver');
});
