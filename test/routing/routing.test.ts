// Routing through the real server: sandbox first, smart failover in weight order, manual's single weighted
// pick, providers that must never be called, and a hanging provider cut at its timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { EMAIL, configOf, email, fakeFor, resendEntry, resendOk, send, serverFor } from '../support/fixtures.js';

// The circuit breaker would otherwise skip a provider after a few failures and skew what these tests count.
const NO_BREAKER = { BREAKER_THRESHOLD: '1000000' };
const failing = (status: number) => () => startHttpFake(() => ({ status, body: { message: `failure ${status}` } }));

test('sandbox is checked first: no provider is called, whatever the mode', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk()));
  for (const mode of ['smart', 'manual']) {
    const s = await serverFor(t, { config: configOf([resendEntry('a', fake)], { mode, sandbox: true }) });
    const r = await send(s, EMAIL);
    assert.equal(r.json.status, 'sandbox', r.text);
  }
  assert.equal(fake.requests.length, 0);
});

test('smart: weight order, failover after transient and permanent failures, disabled and weight 0 never called', async (t) => {
  const f500 = await fakeFor(t, failing(500));
  const f422 = await fakeFor(t, failing(422));
  const f429 = await fakeFor(t, () => startHttpFake(() => ({ status: 429, body: { message: 'rate limited' }, headers: { 'retry-after': '30' } })));
  const good = await fakeFor(t, () => startHttpFake(resendOk('from-good')));
  const spare = await fakeFor(t, () => startHttpFake(resendOk('from-spare')));
  const off = await fakeFor(t, () => startHttpFake(resendOk()));
  const zero = await fakeFor(t, () => startHttpFake(resendOk()));
  const s = await serverFor(t, {
    env: NO_BREAKER,
    config: configOf([
      resendEntry('off', off, { weight: 100, enabled: false }),
      resendEntry('good', good, { weight: 20 }),
      resendEntry('p500', f500, { weight: 50 }),
      resendEntry('zero', zero, { weight: 0 }),
      resendEntry('p429', f429, { weight: 60 }),
      resendEntry('p422', f422, { weight: 80 }),
      resendEntry('spare', spare, { weight: 20 }),
    ]),
  });
  const r = await send(s, EMAIL);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.provider.id, 'good', 'ties keep config order: good before spare');
  assert.equal(r.json.message_id, 'from-good');
  assert.deepEqual(r.json.attempts.map((a: any) => [a.provider_id, a.ok, a.error_class]), [
    ['p422', false, 'permanent'],
    ['p429', false, 'transient'],
    ['p500', false, 'transient'],
    ['good', true, null],
  ]);
  assert.match(r.json.attempts[0].error, /422.*failure 422/);
  assert.match(r.json.attempts[1].error, /429.*rate limited/);
  assert.deepEqual([f422, f429, f500, good, spare, off, zero].map((f) => f.requests.length), [1, 1, 1, 1, 0, 0, 0]);

  const log = await api(s.url, 'GET', `/api/logs/${r.json.log_id}`);
  assert.equal(log.json.attempt_count, 4);
  assert.deepEqual(log.json.attempts.map((a: any) => [a.provider_id, a.ok]), [['p422', false], ['p429', false], ['p500', false], ['good', true]]);
  assert.equal(log.json.provider_id, 'good');
});

test('smart: a hanging provider fails at its timeout_ms and the next one delivers', async (t) => {
  const hang = await fakeFor(t, () => startHttpFake(() => ({ status: 200, hang: true })));
  const good = await fakeFor(t, () => startHttpFake(resendOk('after-hang')));
  const s = await serverFor(t, { env: NO_BREAKER, config: configOf([resendEntry('slow', hang, { weight: 100, timeout_ms: 1500 }), resendEntry('good', good, { weight: 50 })]) });
  const r = await send(s, EMAIL);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.provider.id, 'good');
  const [slow, ok] = r.json.attempts;
  assert.deepEqual([slow.provider_id, slow.ok, slow.error_class], ['slow', false, 'transient']);
  assert.match(slow.error, /timed out/);
  assert.ok(slow.duration_ms >= 1490 && slow.duration_ms < 5000, `timed out after ${slow.duration_ms} ms`);
  assert.equal(ok.ok, true);
  assert.ok(r.json.processing_time_ms < 8000);
  assert.equal(hang.requests.length, 1);
});

test('manual: one weighted-random pick per email (about 75/25 over 200), one attempt, no fallback', async (t) => {
  const heavy = await fakeFor(t, failing(500));
  const light = await fakeFor(t, () => startHttpFake(resendOk('light')));
  const off = await fakeFor(t, () => startHttpFake(resendOk()));
  const zero = await fakeFor(t, () => startHttpFake(resendOk()));
  const s = await serverFor(t, {
    env: NO_BREAKER,
    config: configOf(
      [resendEntry('heavy', heavy, { weight: 75 }), resendEntry('off', off, { enabled: false }), resendEntry('light', light, { weight: 25 }), resendEntry('zero', zero, { weight: 0 })],
      { mode: 'manual' },
    ),
  });
  const N = 200;
  const results: { status: number; json: any }[] = [];
  for (let i = 0; i < N; i += 20) {
    results.push(...(await Promise.all(Array.from({ length: 20 }, () => send(s, EMAIL)))));
  }
  for (const r of results) {
    assert.ok(r.status === 200 || r.status === 502, String(r.status));
    const attempts = r.status === 200 ? r.json.attempts : r.json.detail.attempts;
    assert.equal(attempts.length, 1, 'manual makes exactly one attempt');
    if (r.status === 502) assert.deepEqual(r.json.detail.errors.map((e: any) => e.provider_id), ['heavy']);
    else assert.equal(r.json.provider.id, 'light');
  }
  const heavyPicks = results.filter((r) => r.status === 502).length;
  // Expected 150 (sd ≈ 6.1): bounds of about ±4 sd.
  assert.ok(heavyPicks >= 125 && heavyPicks <= 175, `heavy picked ${heavyPicks} of ${N}`);
  assert.equal(heavy.requests.length + light.requests.length, N);
  assert.equal(off.requests.length + zero.requests.length, 0);
});

test('rules restrict the candidates before the mode applies', async (t) => {
  const main = await fakeFor(t, () => startHttpFake(resendOk('main')));
  const vip = await fakeFor(t, () => startHttpFake(resendOk('vip')));
  const s = await serverFor(t, {
    config: configOf([resendEntry('main', main, { weight: 100 }), resendEntry('vip', vip, { weight: 10 })], {
      rules: [
        { match: { to_domain: 'vip.example' }, providers: ['vip'] },
        { match: { tag: { stream: 'bulk' } }, providers: ['vip'] },
      ],
    }),
  });
  assert.equal((await send(s, EMAIL)).json.provider.id, 'main');
  assert.equal((await send(s, email({ to: ['Boss <boss@vip.example>'] }))).json.provider.id, 'vip');
  assert.equal((await send(s, email({ tags: { stream: 'bulk' } }))).json.provider.id, 'vip');
  assert.deepEqual([main.requests.length, vip.requests.length], [1, 2]);
});

test('a change through the API applies to the next email: sandbox on, mode, disable', async (t) => {
  const a = await fakeFor(t, () => startHttpFake(resendOk('a')));
  const b = await fakeFor(t, () => startHttpFake(resendOk('b')));
  const s = await serverFor(t, { config: configOf([resendEntry('a', a, { weight: 90 }), resendEntry('b', b, { weight: 10 })]) });
  assert.equal((await send(s, EMAIL)).json.provider.id, 'a');
  assert.equal((await api(s.url, 'POST', '/api/config/routing', { sandbox: true })).status, 200);
  assert.equal((await send(s, EMAIL)).json.status, 'sandbox');
  assert.equal((await api(s.url, 'POST', '/api/config/routing', { sandbox: false })).status, 200);
  assert.equal((await api(s.url, 'PUT', '/api/config/providers/a', { enabled: false })).status, 200);
  assert.equal((await send(s, EMAIL)).json.provider.id, 'b');
  assert.deepEqual([a.requests.length, b.requests.length], [1, 1]);
});

