// The durable queue against the real server and a fake Resend API: async sends, retries with a shortened
// backoff, permanent failures, SIGKILL mid-delivery, graceful shutdown.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { api, startServer, waitFor, type RunningServer } from '../support/server.js';
import { startHttpFake, type HttpFake } from '../fakes/http-fake.js';

const EMAIL = { from: 'Sender <sender@example.com>', to: ['rcpt@example.org'], subject: 'Queued', body_text: 'hello' };
const ASYNC = { prefer: 'respond-async' };
// A short lease: after a SIGKILL the restarted server takes over the dead one's in-flight email within a second.
const FAST_RETRIES = { QUEUE_RETRY_DELAYS_MS: '50,50,50,50', SMTP_LISTEN_PORT: 'off', QUEUE_LEASE_MS: '1000' };

const config = (fake: HttpFake, extra: Record<string, unknown> = {}) => ({
  providers: [{ id: 'rs', name: 'Resend', type: 'resend', enabled: true, weight: 100, api_key: 're_queue_test_key_123456', base_url: fake.url, ...extra }],
  routing: { mode: 'smart', sandbox: false, rules: [] },
  version: 1,
});

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup) await c();
});

async function setup(responder: Parameters<HttpFake['respond']>[0], env: Record<string, string> = FAST_RETRIES) {
  const fake = await startHttpFake(responder);
  const server = await startServer({ config: config(fake), env });
  cleanup.push(async () => {
    await server.kill();
    await fake.close();
    rmSync(server.dir, { recursive: true, force: true });
  });
  return { fake, server };
}

const detail = async (s: RunningServer, id: number) => (await api(s.url, 'GET', `/api/logs/${id}`)).json;
const finalDetail = (s: RunningServer, id: number, timeout = 8000) =>
  waitFor(async () => {
    const d = await detail(s, id);
    return d.status === 'success' || d.status === 'failed' ? d : undefined;
  }, timeout, `log ${id} to finish`);

test('Prefer: respond-async answers 202 once stored, and the worker delivers it', async () => {
  const { fake, server } = await setup(() => ({ status: 200, body: { id: 'resend-1' } }));
  const res = await api(server.url, 'POST', '/api/send', EMAIL, ASYNC);
  assert.equal(res.status, 202);
  assert.deepEqual(Object.keys(res.json).sort(), ['log_id', 'status']);
  assert.equal(res.json.status, 'queued');
  const d = await finalDetail(server, res.json.log_id);
  assert.equal(d.status, 'success');
  assert.equal(d.message_id, 'resend-1');
  assert.equal(d.provider_id, 'rs');
  assert.equal(d.attempts.length, 1);
  assert.equal(fake.requests.length, 1);
  // Providers that deduplicate get a key even when the client sent none.
  assert.ok(fake.requests[0].headers['idempotency-key']);
});

test('transient failures are retried with backoff until one succeeds; every attempt is recorded', async () => {
  let n = 0;
  const { fake, server } = await setup(() => (++n <= 2 ? { status: 503, body: { message: 'busy' } } : { status: 200, body: { id: 'third-time' } }));
  const res = await api(server.url, 'POST', '/api/send', EMAIL, { ...ASYNC, 'idempotency-key': 'retry-key-1' });
  const d = await finalDetail(server, res.json.log_id);
  assert.equal(d.status, 'success');
  assert.equal(d.attempt_count, 3);
  assert.deepEqual(d.attempts.map((a: any) => [a.ok, a.error_class]), [[false, 'transient'], [false, 'transient'], [true, null]]);
  // The same idempotency key on every retry: Resend sends it once.
  assert.deepEqual(new Set(fake.requests.map((r) => r.headers['idempotency-key'])), new Set(['retry-key-1']));
});

test('a permanent failure ends in failed after one attempt, never retried', async () => {
  const { fake, server } = await setup(() => ({ status: 422, body: { statusCode: 422, name: 'validation_error', message: 'bad from' } }));
  const res = await api(server.url, 'POST', '/api/send', EMAIL, ASYNC);
  const d = await finalDetail(server, res.json.log_id);
  assert.equal(d.status, 'failed');
  assert.equal(d.attempts.length, 1);
  assert.equal(d.attempts[0].error_class, 'permanent');
  assert.match(d.error_message, /bad from/);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(fake.requests.length, 1);
});

test('transient failures stop after the last round (5 in all) and end in failed', async () => {
  const { fake, server } = await setup(() => ({ status: 500, body: { message: 'down' } }));
  const res = await api(server.url, 'POST', '/api/send', EMAIL, ASYNC);
  const d = await finalDetail(server, res.json.log_id);
  assert.equal(d.status, 'failed');
  assert.equal(d.attempts.length, 5);
  assert.equal(fake.requests.length, 5);
});

test('statuses move queued → sending → success and stats count the queue', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const fake = await startHttpFake(() => ({ status: 200, body: { id: 'late' } }));
  // Hold the fake's answer until the test has seen `sending`.
  const { createServer } = await import('node:http');
  const slow = createServer(async (req, res) => {
    req.resume();
    await gate;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"late"}');
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(slow.address() as any).port}`;
  const server = await startServer({ config: config({ url } as HttpFake), env: FAST_RETRIES });
  cleanup.push(async () => {
    await server.kill();
    slow.closeAllConnections();
    slow.close();
    await fake.close();
  });
  const res = await api(server.url, 'POST', '/api/send', EMAIL, ASYNC);
  await waitFor(async () => (await detail(server, res.json.log_id)).status === 'sending', 5000, 'sending');
  assert.equal((await api(server.url, 'GET', '/api/stats')).json.total_queued, 1);
  release();
  assert.equal((await finalDetail(server, res.json.log_id)).status, 'success');
  assert.equal((await api(server.url, 'GET', '/api/stats')).json.total_queued, 0);
});

test('kill -9 with queued and in-flight email: after restart on the same files everything is delivered', async () => {
  let healthy = false;
  const fake = await startHttpFake((req) => (healthy ? { status: 200, body: { id: `ok-${req.json?.subject}` } } : { status: 200, hang: true }));
  const first = await startServer({ config: config(fake, { timeout_ms: 60_000 }), env: FAST_RETRIES });
  cleanup.push(async () => {
    await first.kill();
    await fake.close();
  });
  const ids: number[] = [];
  for (let i = 0; i < 12; i++) {
    const res = await api(first.url, 'POST', '/api/send', { ...EMAIL, subject: `m${i}` }, ASYNC);
    assert.equal(res.status, 202);
    ids.push(res.json.log_id);
  }
  // Some deliveries are in flight (the fake hangs), the rest wait in the queue.
  await waitFor(() => fake.requests.length >= 8, 5000, 'deliveries in flight');
  await first.kill();
  const inFlightKeys = fake.requests.map((r) => r.headers['idempotency-key']);

  healthy = true;
  const second = await startServer({ dir: first.dir, env: FAST_RETRIES });
  cleanup.push(async () => {
    await second.kill();
    rmSync(first.dir, { recursive: true, force: true });
  });
  for (const id of ids) assert.equal((await finalDetail(second, id)).status, 'success');
  // An email that was in flight at the kill is retried with the same provider idempotency key.
  const retriedKeys = fake.requests.slice(inFlightKeys.length).map((r) => r.headers['idempotency-key']);
  for (const key of inFlightKeys) assert.ok(retriedKeys.includes(key), 'retry reuses the idempotency key');
  const stats = (await api(second.url, 'GET', '/api/stats')).json;
  assert.equal(stats.total_sent, 12);
  assert.equal(stats.total_queued, 0);
});

test('SIGTERM lets in-flight deliveries finish within the bound, leaves the rest queued, exits 0', async () => {
  const fake = await startHttpFake(() => ({ status: 200, hang: true }));
  const server = await startServer({ config: config(fake, { timeout_ms: 60_000 }), env: { ...FAST_RETRIES, SHUTDOWN_GRACE_MS: '300' } });
  cleanup.push(async () => {
    await server.kill();
    await fake.close();
  });
  const res = await api(server.url, 'POST', '/api/send', EMAIL, ASYNC);
  await waitFor(() => fake.requests.length === 1, 5000, 'delivery in flight');
  assert.equal(await server.stop(), 0);

  fake.respond(() => ({ status: 200, body: { id: 'after-restart' } }));
  const again = await startServer({ dir: server.dir, env: FAST_RETRIES });
  cleanup.push(async () => {
    await again.kill();
    rmSync(server.dir, { recursive: true, force: true });
  });
  const d = await finalDetail(again, res.json.log_id);
  assert.equal(d.status, 'success');
  assert.equal(d.message_id, 'after-restart');
});
