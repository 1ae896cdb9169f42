// Idempotency-Key on POST /api/send against the real server: replay, body mismatch, in-flight, restart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { api, startServer, waitFor } from '../support/server.js';
import { startHttpFake, type HttpFake } from '../fakes/http-fake.js';

const EMAIL = { from: 'sender@example.com', to: ['rcpt@example.org'], subject: 'Once', body_text: 'only once' };
const ENV = { SMTP_LISTEN_PORT: 'off', QUEUE_RETRY_DELAYS_MS: '50,50' };
const config = (fake: HttpFake) => ({
  providers: [{ id: 'rs', name: 'Resend', type: 'resend', enabled: true, weight: 100, api_key: 're_idem_test_key_123456', base_url: fake.url }],
  routing: { mode: 'smart', sandbox: false, rules: [] },
  version: 1,
});

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup) await c();
});

async function setup() {
  const fake = await startHttpFake(() => ({ status: 200, body: { id: 'sent-once' } }));
  const server = await startServer({ config: config(fake), env: ENV });
  cleanup.push(async () => {
    await server.kill();
    await fake.close();
  });
  return { fake, server };
}

test('same key and body: the first response again, byte for byte, and nothing sent twice', async () => {
  const { fake, server } = await setup();
  const first = await api(server.url, 'POST', '/api/send', EMAIL, { 'idempotency-key': 'k-replay' });
  assert.equal(first.status, 200);
  // Same body with keys in another order is the same request.
  const reordered = { body_text: EMAIL.body_text, subject: EMAIL.subject, to: EMAIL.to, from: EMAIL.from };
  const second = await api(server.url, 'POST', '/api/send', reordered, { 'idempotency-key': 'k-replay' });
  assert.equal(second.status, 200);
  assert.equal(second.text, first.text);
  assert.equal(fake.requests.length, 1);
  assert.equal((await api(server.url, 'GET', '/api/logs')).json.total, 1);
  // The key went to Resend as its own Idempotency-Key.
  assert.equal(fake.requests[0].headers['idempotency-key'], 'k-replay');
});

test('same key, different body: 409 and nothing sent', async () => {
  const { fake, server } = await setup();
  await api(server.url, 'POST', '/api/send', EMAIL, { 'idempotency-key': 'k-mismatch' });
  const res = await api(server.url, 'POST', '/api/send', { ...EMAIL, subject: 'Other' }, { 'idempotency-key': 'k-mismatch' });
  assert.equal(res.status, 409);
  assert.match(res.json.detail.message, /different request body/);
  assert.equal(fake.requests.length, 1);
});

test('same key while the first request is still in flight: 409', async () => {
  const { fake, server } = await setup();
  fake.respond(() => ({ status: 200, hang: true }));
  // Ends with the process below: its rejection is expected.
  const first = api(server.url, 'POST', '/api/send', EMAIL, { 'idempotency-key': 'k-busy' }).catch(() => null);
  await waitFor(() => fake.requests.length === 1, 5000, 'first request at the provider');
  const second = await api(server.url, 'POST', '/api/send', EMAIL, { 'idempotency-key': 'k-busy' });
  assert.equal(second.status, 409);
  assert.match(second.json.detail.message, /still being processed/);
  fake.respond(() => ({ status: 200, body: { id: 'x' } }));
  await server.kill();
  await first;
});

test('async sends are idempotent too, and the answer survives a restart', async () => {
  const { fake, server } = await setup();
  const first = await api(server.url, 'POST', '/api/send', EMAIL, { 'idempotency-key': 'k-async', prefer: 'respond-async' });
  assert.equal(first.status, 202);
  await waitFor(() => fake.requests.length === 1, 5000, 'delivery');
  await server.stop();
  const again = await startServer({ dir: server.dir, env: ENV });
  cleanup.push(async () => {
    await again.kill();
    rmSync(server.dir, { recursive: true, force: true });
  });
  const replay = await api(again.url, 'POST', '/api/send', EMAIL, { 'idempotency-key': 'k-async', prefer: 'respond-async' });
  assert.equal(replay.status, 202);
  assert.equal(replay.text, first.text);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(fake.requests.length, 1);
});

test('an invalid key is a 422 naming the header; a failed request frees its key', async () => {
  const { server } = await setup();
  const bad = await api(server.url, 'POST', '/api/send', EMAIL, { 'idempotency-key': 'x'.repeat(256) });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.detail[0].loc, ['header', 'Idempotency-Key']);
  // 422 on the body keeps nothing: the same key then works with a valid body.
  const invalid = await api(server.url, 'POST', '/api/send', { ...EMAIL, to: [] }, { 'idempotency-key': 'k-free' });
  assert.equal(invalid.status, 422);
  const ok = await api(server.url, 'POST', '/api/send', EMAIL, { 'idempotency-key': 'k-free' });
  assert.equal(ok.status, 200);
});
