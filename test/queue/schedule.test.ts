// send_at scheduling against the real server: stored as `scheduled` (even in sandbox), delivered by the queue
// on time, across a restart; cancel; stats; the window rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { api, startServer, waitFor, type RunningServer } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { configOf, email, fakeFor, resendEntry, send, serverFor } from '../support/fixtures.js';

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
const detail = async (s: { url: string }, id: number) => (await api(s.url, 'GET', `/api/logs/${id}`)).json;

test('send_at: 202 scheduled, delivered at its time (within 2 s), counted in stats, cancelable', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(() => ({ status: 200, body: { id: 'up-1' } })));
  const s = await serverFor(t, { config: configOf([resendEntry('r', fake)]), env: { SMTP_LISTEN_PORT: 'off' } });

  const later = await send(s, email({ subject: 'later', send_at: inMs(3600_000) }));
  assert.equal((await api(s.url, 'GET', '/api/stats')).json.total_scheduled, 1);

  const at = inMs(1500);
  const r = await send(s, email({ subject: 'soon', send_at: at }));
  assert.equal(r.status, 202, r.text);
  assert.deepEqual(r.json, { status: 'scheduled', log_id: r.json.log_id, send_at: at });
  assert.equal((await detail(s, r.json.log_id)).status, 'scheduled');
  assert.equal((await detail(s, r.json.log_id)).send_at, at);
  assert.equal(fake.requests.length, 0);

  await waitFor(() => fake.requests.length === 1, 5000, 'the scheduled email delivered');
  const deliveredAt = Date.now();
  assert.ok(deliveredAt >= Date.parse(at), 'not before its time');
  assert.ok(deliveredAt - Date.parse(at) < 2000, `within 2 s of its time (${deliveredAt - Date.parse(at)} ms)`);
  assert.equal(fake.requests[0].json.subject, 'soon');
  await waitFor(async () => (await detail(s, r.json.log_id)).status === 'success');
  assert.equal((await api(s.url, 'GET', '/api/stats')).json.total_scheduled, 1, 'only the later one still waits');

  const canceled = await api(s.url, 'POST', `/api/logs/${later.json.log_id}/cancel`);
  assert.equal(canceled.status, 200);
  assert.equal(canceled.json.status, 'canceled');
  assert.equal((await api(s.url, 'POST', `/api/logs/${later.json.log_id}/cancel`)).status, 409);
  assert.equal((await api(s.url, 'POST', `/api/logs/${r.json.log_id}/cancel`)).status, 409);
  assert.equal((await api(s.url, 'POST', '/api/logs/999999/cancel')).status, 404);
  assert.equal((await api(s.url, 'GET', '/api/stats')).json.total_scheduled, 0);
  assert.equal((await api(s.url, 'GET', '/api/logs?status=canceled')).json.total, 1);
});

test('send_at outside the rules is a 422 naming send_at, and nothing is stored', async (t) => {
  const s = await serverFor(t, { env: { SMTP_LISTEN_PORT: 'off' } });
  for (const bad of ['2020-01-01T00:00:00Z', inMs(31 * 86400_000), '2030-01-01T00:00:00', 'tomorrow', '2030-13-45T99:00:00Z', 12]) {
    const r = await send(s, email({ send_at: bad }));
    assert.equal(r.status, 422, `${bad}: ${r.text}`);
    assert.ok(r.json.detail.some((d: any) => d.loc.join('.') === 'body.send_at'), `${bad}: ${r.text}`);
  }
  assert.equal((await api(s.url, 'GET', '/api/logs')).json.total, 0);
});

test('stored as scheduled while sandbox is on, delivered after a restart by the config met at delivery', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(() => ({ status: 200, body: { id: 'up-1' } })));
  const s1 = await startServer({ config: configOf([resendEntry('r', fake)], { sandbox: true }), env: { SMTP_LISTEN_PORT: 'off' } });
  let s2: RunningServer | undefined;
  t.after(async () => {
    await s2?.kill();
    await s1.kill();
    rmSync(s1.dir, { recursive: true, force: true });
  });
  const a = await send(s1, email({ subject: 'first', send_at: inMs(2500) }));
  const b = await send(s1, email({ subject: 'second', send_at: inMs(3000) }));
  assert.deepEqual([a.status, a.json.status, b.json.status], [202, 'scheduled', 'scheduled']);
  await s1.kill();

  // While it is down, sandbox goes off: what counts is the routing when each email falls due.
  writeFileSync(s1.configPath, JSON.stringify(configOf([resendEntry('r', fake)], { sandbox: false })));
  s2 = await startServer({ dir: s1.dir, env: { SMTP_LISTEN_PORT: 'off' } });
  for (const id of [a.json.log_id, b.json.log_id]) await waitFor(async () => (await detail(s2!, id)).status === 'success', 8000, `log ${id} delivered after the restart`);
  assert.deepEqual(fake.requests.map((r) => r.json.subject).sort(), ['first', 'second']);
});

test('sandbox applies at delivery: a scheduled email meets sandbox mode and is captured, not sent', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(() => ({ status: 200, body: { id: 'up-1' } })));
  const s = await serverFor(t, { config: configOf([resendEntry('r', fake)]), env: { SMTP_LISTEN_PORT: 'off' } });
  const r = await send(s, email({ send_at: inMs(1200) }));
  assert.equal(r.json.status, 'scheduled');
  const routing = await api(s.url, 'POST', '/api/config/routing', { mode: 'smart', sandbox: true });
  assert.equal(routing.status, 200, routing.text);
  await waitFor(async () => (await detail(s, r.json.log_id)).status === 'sandbox', 5000, 'captured by sandbox at delivery');
  assert.equal(fake.requests.length, 0);
});
