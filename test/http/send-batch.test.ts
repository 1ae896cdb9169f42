// POST /api/send/batch against the real server and a Resend fake: validated whole, each email routed on its
// own, results in order; 202 with Prefer: respond-async or send_at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, waitFor } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { configOf, email, fakeFor, logTotal, resendEntry, serverFor } from '../support/fixtures.js';

const batch = (s: { url: string }, emails: unknown[], headers: Record<string, string> = {}) => api(s.url, 'POST', '/api/send/batch', { emails }, headers);

test('native batch', async (t) => {
  // The fake refuses mail to fail@…, so one email of a batch can fail on its own.
  const fake = await fakeFor(t, () =>
    startHttpFake((req) => (JSON.stringify(req.json?.to).includes('fail@') ? { status: 422, body: { statusCode: 422, name: 'validation_error', message: 'refused' } } : { status: 200, body: { id: 'up-1' } })),
  );
  const s = await serverFor(t, { config: configOf([resendEntry('r', fake)]), env: { SMTP_LISTEN_PORT: 'off' } });

  await t.test('each email routed on its own: results in order, a failed one as {status:"failed",log_id,errors}', async () => {
    const r = await batch(s, [email({ subject: 'one' }), email({ to: ['fail@example.org'], subject: 'two' }), email({ subject: 'three', body_html: '<b>3</b>' })]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.results.length, 3);
    assert.deepEqual(r.json.results.map((x: any) => x.status), ['success', 'failed', 'success']);
    assert.equal(r.json.results[0].message_id, 'up-1');
    assert.deepEqual(Object.keys(r.json.results[1]).sort(), ['errors', 'log_id', 'status']);
    assert.match(r.json.results[1].errors[0].error, /refused/);
    const subjects = await Promise.all(r.json.results.map(async (x: any) => (await api(s.url, 'GET', `/api/logs/${x.log_id}`)).json.subject));
    assert.deepEqual(subjects, ['one', 'two', 'three']);
  });

  await t.test('validated whole: any problem is a 422 naming ["body","emails",i,…] and nothing is stored', async () => {
    const before = await logTotal(s);
    const r = await batch(s, [email(), email({ to: ['nope'] }), email({ body_text: undefined, headers: { Subject: 'x' } })]);
    assert.equal(r.status, 422);
    const locs = r.json.detail.map((d: any) => JSON.stringify(d.loc));
    assert.ok(locs.includes(JSON.stringify(['body', 'emails', 1, 'to', 0])), locs.join(' '));
    assert.ok(locs.includes(JSON.stringify(['body', 'emails', 2, 'body_text'])), locs.join(' '));
    assert.ok(locs.includes(JSON.stringify(['body', 'emails', 2, 'headers', 'Subject'])), locs.join(' '));
    assert.equal((await batch(s, [])).status, 422);
    assert.equal((await batch(s, Array.from({ length: 101 }, () => email()))).status, 422);
    assert.equal((await api(s.url, 'POST', '/api/send/batch', { emails: [email()], extra: 1 })).status, 422);
    assert.equal(await logTotal(s), before);
  });

  await t.test('Prefer: respond-async: 202, each queued, then delivered', async () => {
    const r = await batch(s, [email({ subject: 'q1' }), email({ subject: 'q2' })], { prefer: 'respond-async' });
    assert.equal(r.status, 202);
    assert.deepEqual(r.json.results.map((x: any) => x.status), ['queued', 'queued']);
    for (const x of r.json.results) await waitFor(async () => (await api(s.url, 'GET', `/api/logs/${x.log_id}`)).json.status === 'success');
  });

  await t.test('send_at on one email: 202; that one scheduled, the others sent now', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    const r = await batch(s, [email({ subject: 'now' }), email({ subject: 'later', send_at: at })]);
    assert.equal(r.status, 202);
    assert.equal(r.json.results[0].status, 'success');
    assert.deepEqual(r.json.results[1], { status: 'scheduled', log_id: r.json.results[1].log_id, send_at: at });
  });
});
