// SPEC section 12 across instances, end to end: two real gateways on one PostgreSQL database. A signed Resend
// hard bounce posted to one instance lands on the email (seen from the other), the provider's retry to the other
// instance is stored once, and the address is suppressed for sends through either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../support/server.js';
import { configOf, email, fakeFor, resendEntry, resendOk, send } from '../support/fixtures.js';
import { startInstances } from '../support/instances.js';
import { createTestDatabase, pgSkip } from '../support/postgres.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { svixHeaders } from '../fakes/webhook-signers.js';

const skip = await pgSkip('test/webhooks/postgres.test.ts (section 12 across two instances)');
const SECRET = 'whsec_' + Buffer.from('resend-webhook-secret-postgres').toString('base64');

test('PostgreSQL, two instances: a hard bounce posted to A shows on B, is stored once, and suppresses the next send through B', skip, async (t) => {
  const provider = await fakeFor(t, () => startHttpFake(resendOk('re-pg-1')));
  const db = await createTestDatabase();
  const gateways = await startInstances(2, db.url, { config: configOf([resendEntry('resend', provider, { webhook_secret: SECRET })]) });
  try {
    const [a, b] = gateways.all;
    const sent = await send(b, email({ to: ['Bounced@Example.org'] }));
    assert.equal(sent.status, 200, sent.text);
    assert.equal(sent.json.message_id, 're-pg-1');

    const body = JSON.stringify({
      type: 'email.bounced',
      created_at: new Date().toISOString(),
      data: { email_id: 're-pg-1', to: ['bounced@example.org'], bounce: { type: 'Permanent', subType: 'General', message: '550 5.1.1 no such user' } },
    });
    const headers = { 'content-type': 'application/json', ...svixHeaders(SECRET, body) };
    const first = await api(a.url, 'POST', '/webhooks/resend', body, headers);
    assert.deepEqual([first.status, first.json.stored], [200, 1], first.text);
    // The provider retries the same event on the other instance: stored once.
    const retry = await api(b.url, 'POST', '/webhooks/resend', body, headers);
    assert.deepEqual([retry.status, retry.json.stored, retry.json.duplicates], [200, 0, 1], retry.text);

    const detail = (await api(b.url, 'GET', `/api/logs/${sent.json.log_id}`)).json;
    assert.equal(detail.delivery_status, 'bounced');
    assert.deepEqual(detail.events.map((e: any) => [e.type, e.bounce_type, e.recipient, e.provider_id]), [['bounced', 'hard', 'bounced@example.org', 'resend']]);
    const bounced = (await api(b.url, 'GET', '/api/logs?delivery_status=bounced')).json;
    assert.deepEqual(bounced.logs.map((l: any) => l.id), [sent.json.log_id]);

    const suppressions = (await api(b.url, 'GET', '/api/suppressions')).json;
    assert.deepEqual(suppressions.suppressions.map((s: any) => [s.email, s.reason, s.log_id]), [['bounced@example.org', 'hard_bounce', sent.json.log_id]]);
    const before = provider.requests.length;
    const only = await send(b, email({ to: ['BOUNCED@example.org'] }));
    assert.equal(only.status, 422, only.text);
    assert.deepEqual([only.json.detail[0].type, only.json.detail[0].loc], ['suppressed', ['body', 'to']]);
    assert.equal(provider.requests.length, before, 'nothing reached the provider');
  } finally {
    await gateways.close();
    await db.drop();
  }
});
