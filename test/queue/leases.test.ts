// Leases with two real servers on one SQLite file: a live instance's in-flight synchronous send is never taken;
// once that instance dies (SIGKILL) the other delivers it after the lease expires, with the same provider key.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { api, startServer, waitFor } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';

// Short for the test, long enough that a busy machine does not starve a renewal past it.
const LEASE_MS = 1200;
const ENV = { SMTP_LISTEN_PORT: 'off', QUEUE_RETRY_DELAYS_MS: '50,50', QUEUE_LEASE_MS: String(LEASE_MS) };
const EMAIL = { from: 'sender@example.com', to: ['rcpt@example.org'], subject: 'Leased', body_text: 'once' };

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

test('a synchronous send in flight on a live instance is left alone; after its death it is delivered once more with its key', async () => {
  let healthy = false;
  const fake = await startHttpFake(() => (healthy ? { status: 200, body: { id: 'delivered-by-b' } } : { status: 200, hang: true }));
  cleanup.push(() => fake.close());
  const config = {
    providers: [{ id: 'rs', name: 'Resend', type: 'resend', enabled: true, weight: 100, api_key: 're_lease_test_key_123456', base_url: fake.url, timeout_ms: 60_000 }],
    routing: { mode: 'smart', sandbox: false, rules: [] },
    version: 1,
  };
  const a = await startServer({ config, env: { ...ENV, INSTANCE_ID: 'instance-a' } });
  cleanup.push(async () => {
    await a.kill();
    rmSync(a.dir, { recursive: true, force: true });
  });
  // Ends with instance A below: its rejection is expected.
  const pending = api(a.url, 'POST', '/api/send', EMAIL, { 'idempotency-key': 'k-lease' }).catch(() => null);
  await waitFor(() => fake.requests.length === 1, 5000, 'the send at the provider');
  const b = await startServer({ dir: a.dir, env: { ...ENV, INSTANCE_ID: 'instance-b' } });
  cleanup.push(() => b.kill());
  assert.equal((await api(b.url, 'GET', '/api/health')).json.instance, 'instance-b');

  // Proving a negative takes time: several lease periods during which A renews and B's queue polls.
  await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
  assert.equal(fake.requests.length, 1, 'B took nothing from a live instance');
  const [log] = (await api(b.url, 'GET', '/api/logs')).json.logs;
  assert.equal(log.status, 'sending');

  healthy = true;
  await a.kill();
  await pending;
  const done = await waitFor(async () => {
    const d = (await api(b.url, 'GET', `/api/logs/${log.id}`)).json;
    return d.status === 'success' ? d : undefined;
  }, 10_000, 'B to deliver the orphaned send');
  assert.equal(done.message_id, 'delivered-by-b');
  assert.equal(fake.requests.length, 2);
  assert.equal(fake.requests[1].headers['idempotency-key'], 'k-lease', 'the same provider idempotency key');
  // The client's key now replays the queued answer (its request died after the email was stored).
  const replay = await api(b.url, 'POST', '/api/send', EMAIL, { 'idempotency-key': 'k-lease' });
  assert.equal(replay.status, 202);
  assert.deepEqual(replay.json, { status: 'queued', log_id: log.id });
});
