// Uncertain deliveries: a timeout or reset after the request was fully written is `uncertain`; a refused
// connection or a 5xx is not. on_uncertain decides: failover (default), retry (queued, same provider, same
// key), fail (502). Real Resend providers over HTTP against local servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RoutingEngine } from '../../src/routing/engine.js';
import { createMessage } from '../../src/core/message.js';
import { createProvider } from '../../src/providers/registry.js';
import { undiciClient } from '../../src/core/http-client.js';
import type { ProviderConfig } from '../../src/core/provider.js';
import { api, waitFor } from '../support/server.js';
import { configOf, email, fakeFor, resendEntry, send, serverFor } from '../support/fixtures.js';
import { startHttpFake } from '../fakes/http-fake.js';

const message = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 's', body_text: 't' });

/** A server that reads the whole request, then does `then` with the response. */
async function server(t: any, then: (res: import('node:http').ServerResponse) => void): Promise<string> {
  const s: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => then(res));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => {
    s.closeAllConnections();
    return new Promise((r) => s.close(r));
  });
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const resend = (id: string, base: string, timeout_ms = 5000): ProviderConfig => ({ id, name: id, type: 'resend', enabled: true, weight: 100, api_key: 're_test_0123456789', base_url: base, timeout_ms });
/** undici is loaded with the first request, which can take longer than a short timeout on a busy machine. */
const warmUp = (url: string) => undiciClient(url, { method: 'GET', headers: {}, signal: new AbortController().signal }).then((r) => r.text());
const engine = new RoutingEngine((c) => createProvider(c, { fetch: undiciClient, userAgent: 'test' }));

test('classes: written then hung or reset → uncertain; refused connection and 5xx → transient', async (t) => {
  const hang = await server(t, () => {});
  const reset = await server(t, (res) => res.socket?.destroy());
  const down = await server(t, (res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"down"}'));
  const closed = await server(t, () => {});
  const closedUrl = closed.replace(/\d+$/, '1');
  await warmUp(down);
  const r = await engine.deliver(message, [resend('hang', hang, 1000), resend('reset', reset), resend('down', down), resend('refused', closedUrl)]);
  assert.deepEqual(r.attempts.map((a) => [a.provider_id, a.error_class]), [['hang', 'uncertain'], ['reset', 'uncertain'], ['down', 'transient'], ['refused', 'transient']]);
  assert.equal(r.uncertain, undefined, 'failover is the default: every provider was tried');
});

test('on_uncertain retry or fail: no other provider is tried after an uncertain failure; a transient one still fails over', async (t) => {
  const hang = await server(t, () => {});
  const ok = await server(t, (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ok-1"}'));
  const down = await server(t, (res) => res.writeHead(503).end());
  await warmUp(ok);
  for (const policy of ['retry', 'fail'] as const) {
    const r = await engine.deliver(message, [resend('hang', hang, 1000), resend('ok', ok)], { onUncertain: policy });
    assert.deepEqual([r.attempts.length, r.delivered, r.uncertain?.provider.id, r.uncertain?.policy], [1, undefined, 'hang', policy]);
  }
  const r = await engine.deliver(message, [resend('down', down), resend('ok', ok)], { onUncertain: 'fail' });
  assert.equal(r.delivered?.messageId, 'ok-1');
});

test('server: on_uncertain retry answers 202 queued; the queue retries the same provider with the same key; fail answers 502', async (t) => {
  let hangs = false;
  const first = await fakeFor(t, () => startHttpFake(() => (hangs ? { status: 200, hang: true } : { status: 200, body: { id: 'after-retry' } })));
  const second = await fakeFor(t, () => startHttpFake(() => ({ status: 200, body: { id: 'second' } })));
  const providers = [resendEntry('one', first, { weight: 100, timeout_ms: 2500 }), resendEntry('two', second, { weight: 50 })];
  const s = await serverFor(t, { config: configOf(providers, { on_uncertain: 'retry' }), env: { QUEUE_RETRY_DELAYS_MS: '300,300,300' } });
  // Warm-up: the first provider call loads the HTTP client.
  assert.equal((await send(s, email())).status, 200);
  hangs = true;
  const r = await send(s, email());
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.status, 'queued');
  hangs = false;
  const done = await waitFor(async () => {
    const d = (await api(s.url, 'GET', `/api/logs/${r.json.log_id}`)).json;
    return d.status === 'success' && d;
  }, 10_000, 'delivered by the retry');
  assert.equal(done.message_id, 'after-retry');
  assert.equal(second.requests.length, 0, 'no other provider was tried');
  // On a loaded machine a retry may itself time out (uncertain again): every retry goes to the same provider.
  const keys = first.requests.slice(1).map((r) => r.headers['idempotency-key']);
  assert.ok(keys.length >= 2 && keys.every((k) => k && k === keys[0]), JSON.stringify(keys));
  const classes = done.attempts.map((a: any) => a.error_class);
  assert.equal(classes.at(-1), null);
  assert.ok(classes.slice(0, -1).length >= 1 && classes.slice(0, -1).every((c: string) => c === 'uncertain'), JSON.stringify(classes));

  hangs = true;
  const put = await api(s.url, 'POST', '/api/config/routing', { on_uncertain: 'fail' });
  assert.equal(put.status, 200, put.text);
  const failed = await send(s, email());
  assert.equal(failed.status, 502, failed.text);
  assert.equal(second.requests.length, 0);
  assert.equal((await api(s.url, 'POST', '/api/config/routing', { on_uncertain: 'sometimes' })).status, 422);
});
