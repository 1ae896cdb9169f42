// Presence: an instance that ended on this host (SIGKILL included) is told from a live one by its Unix socket,
// so its in-flight email is delivered at once instead of when its lease expires; a live one is never taken from.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Presence } from '../../src/queue/presence.js';
import { api, startServer, waitFor, type RunningServer } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await Promise.resolve().then(c).catch((err) => console.error('cleanup:', err));
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'pp-presence-'));
  cleanup.push(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** A separate process that joins as `id` and waits to be killed. */
async function joinElsewhere(root: string, scope: string, id: string) {
  const module = fileURLToPath(new URL('../../src/queue/presence.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `const { Presence } = await import(${JSON.stringify(module)}); await Presence.join(${JSON.stringify(scope)}, ${JSON.stringify(id)}, ${JSON.stringify(root)}); console.log('joined'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.push(() => void child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('joined') && resolve());
    child.once('exit', (code) => reject(new Error(`joiner exited ${code}`)));
  });
  return child;
}

test('a live instance probes alive, a SIGKILLed one gone, one never seen here unknown; ids are per database', async () => {
  const root = tempRoot();
  const { presence: me, previous } = await Presence.join('db-1', 'me', root);
  cleanup.push(() => me.close());
  assert.equal(previous, 'unknown', 'first start under this id');
  const child = await joinElsewhere(root, 'db-1', 'other');
  assert.equal(await me.probe('other'), 'alive');
  assert.equal(await me.probe('me'), 'alive');
  assert.equal(await me.probe('never-started'), 'unknown');
  const { presence: elsewhere } = await Presence.join('db-2', 'third', root);
  cleanup.push(() => elsewhere.close());
  assert.equal(await elsewhere.probe('other'), 'unknown', 'another database does not see it');

  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.equal(await me.probe('other'), 'gone');
  me.forget('other');
  assert.equal(await me.probe('other'), 'unknown', 'forgotten once handed over');
});

test('the same id: a second live process is refused registration; after the first ends, the next start finds it gone', async () => {
  const root = tempRoot();
  const first = await joinElsewhere(root, 'db', 'gw-1');
  const second = await Presence.join('db', 'gw-1', root);
  assert.equal(second.previous, 'alive');
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const third = await Presence.join('db', 'gw-1', root);
  cleanup.push(() => third.presence.close());
  assert.equal(third.previous, 'gone');
  const { presence: probe } = await Presence.join('db', 'observer', root);
  cleanup.push(() => probe.close());
  assert.equal(await probe.probe('gw-1'), 'alive', 'the new process answers for the id');
});

// End to end on SQLite: the queue's lease is far longer than the test, so only presence can explain a delivery.
const LONG_LEASE = { SMTP_LISTEN_PORT: 'off', QUEUE_LEASE_MS: '600000', QUEUE_RETRY_DELAYS_MS: '50' };
const EMAIL = { from: 'sender@example.com', to: ['rcpt@example.org'], subject: 'In flight', body_text: 'x' };

async function killedWithEmailsInFlight(instanceId?: string) {
  let healthy = false;
  const fake = await startHttpFake(() => (healthy ? { status: 200, body: { id: 'delivered-after-restart' } } : { status: 200, hang: true }));
  cleanup.push(() => fake.close());
  const config = {
    providers: [{ id: 'rs', name: 'Resend', type: 'resend', enabled: true, weight: 100, api_key: 're_presence_key_123456', base_url: fake.url, timeout_ms: 600_000 }],
    routing: { mode: 'smart', sandbox: false, rules: [] },
    version: 1,
  };
  const env = { ...LONG_LEASE, ...(instanceId ? { INSTANCE_ID: instanceId } : {}) };
  const a = await startServer({ config, env });
  cleanup.push(() => rmSync(a.dir, { recursive: true, force: true }));
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) ids.push((await api(a.url, 'POST', '/api/send', { ...EMAIL, subject: `In flight ${i}` }, { prefer: 'respond-async' })).json.log_id);
  await waitFor(() => fake.requests.length === 3, 10_000, 'three deliveries hanging at the provider');
  await a.kill();
  healthy = true;
  return { a, ids, fake, env };
}

async function allDelivered(server: RunningServer, ids: number[]) {
  for (const id of ids) {
    await waitFor(async () => (await api(server.url, 'GET', `/api/logs/${id}`)).json.status === 'success', 15_000, `email ${id} delivered after the restart`);
  }
}

test('SQLite: after a SIGKILL the next start delivers what was in flight at once, not when the 10-minute lease ends', async () => {
  const { a, ids, fake, env } = await killedWithEmailsInFlight();
  const b = await startServer({ dir: a.dir, env });
  cleanup.push(() => b.kill());
  await allDelivered(b, ids);
  assert.equal(fake.requests.length, 6, 'each email sent once more');
  assert.ok(b.logs.some((l) => l.msg?.includes('ended with work in flight') && l.emails === 3), 'the hand-over is logged');
});

test('SQLite: a restart under the same INSTANCE_ID takes its own orphaned leases before it takes any new one', async () => {
  const { a, ids, env } = await killedWithEmailsInFlight('gw-fixed');
  const b = await startServer({ dir: a.dir, env });
  cleanup.push(() => b.kill());
  await allDelivered(b, ids);
  assert.ok(b.logs.some((l) => l.msg?.includes('last process with this INSTANCE_ID') && l.emails === 3));
});

test('a webhook delivery in flight on an instance that dies is sent by the live one at once, not when its 30 s lease ends', async () => {
  let hang = true;
  const receiver = await startHttpFake((req) => (hang ? { status: 200, hang: true } : { status: 200, body: { ok: true, id: req.headers['webhook-id'] } }));
  cleanup.push(() => receiver.close());
  const provider = await startHttpFake(() => ({ status: 200, body: { id: 're-msg-hook' } }));
  cleanup.push(() => provider.close());
  const config = {
    providers: [{ id: 'rs', name: 'Resend', type: 'resend', enabled: true, weight: 100, api_key: 're_presence_key_123456', base_url: provider.url }],
    routing: { mode: 'smart', sandbox: false, rules: [] },
    version: 1,
  };
  const env = { SMTP_LISTEN_PORT: 'off', WEBHOOK_ALLOW_PRIVATE: '1' };
  const a = await startServer({ config, env: { ...env, INSTANCE_ID: 'hook-a' } });
  cleanup.push(() => rmSync(a.dir, { recursive: true, force: true }));
  // B runs before the delivery exists: what it later sends, it took over (not released at its own start).
  const b = await startServer({ dir: a.dir, env: { ...env, INSTANCE_ID: 'hook-b' } });
  cleanup.push(() => b.kill());
  assert.equal((await api(a.url, 'POST', '/api/webhooks', { url: `${receiver.url}/hook`, events: ['email.sent'] })).status, 201);
  assert.equal((await api(a.url, 'POST', '/api/send', EMAIL)).status, 200);
  await waitFor(() => receiver.requests.length === 1, 10_000, 'A’s attempt hanging at the receiver');
  const firstId = receiver.requests[0].headers['webhook-id'];
  await a.kill();
  hang = false;
  await waitFor(() => receiver.requests.length === 2, 20_000, 'B to send the delivery A held');
  assert.equal(receiver.requests[1].headers['webhook-id'], firstId, 'the same webhook-id');
  assert.ok(b.logs.some((l) => l.msg?.includes('ended with work in flight') && l.instance === 'hook-a' && l.webhooks === 1));
});
