// The Resend drop-in driven by the official `resend` SDK against the real server on loopback, with a Resend
// fake behind the gateway checking what it received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resend } from 'resend';
import { api, waitFor } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { auth, configOf, fakeFor, logTotal, resendEntry, serverFor, TOKEN } from '../support/fixtures.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

test('resend drop-in with the resend SDK', async (t) => {
  let n = 0;
  const fake = await fakeFor(t, () => startHttpFake(() => ({ status: 200, body: { id: `upstream-${++n}` } })));
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: configOf([resendEntry('r', fake)]) });
  const resend = new Resend(TOKEN, { baseUrl: s.url });

  await t.test('every field: the id is the log id, the provider gets each field', async () => {
    const { data, error } = await resend.emails.send({
      from: 'Acme <news@acme.example>',
      to: ['Bob <bob@example.org>', 'carol@example.org'],
      cc: 'dan@example.org',
      bcc: ['eve@example.org'],
      replyTo: 'Replies <replies@acme.example>',
      subject: 'Welcome',
      text: 'Plain body',
      html: '<p>Hi <img src="cid:logo"></p>',
      headers: { 'X-Entity-Ref-ID': 'ref-1' },
      attachments: [
        { filename: 'logo.png', content: PNG, contentType: 'image/png', contentId: 'logo' },
        { filename: 'notes.txt', content: Buffer.from('notes').toString('base64') },
      ],
      tags: [
        { name: 'category', value: 'welcome' },
        { name: 'tenant', value: 'acme' },
      ],
    });
    assert.equal(error, null, JSON.stringify(error));
    assert.match(data!.id, /^\d+$/);
    const log = await api(s.url, 'GET', `/api/logs/${data!.id}`, undefined, auth());
    assert.equal(log.json.source, 'resend');
    assert.equal(log.json.status, 'success');
    assert.deepEqual(log.json.tags, { category: 'welcome', tenant: 'acme' });
    const sent = fake.requests.at(-1)!.json;
    assert.deepEqual(sent, {
      from: 'Acme <news@acme.example>',
      to: ['Bob <bob@example.org>', 'carol@example.org'],
      cc: ['dan@example.org'],
      bcc: ['eve@example.org'],
      reply_to: 'Replies <replies@acme.example>',
      subject: 'Welcome',
      text: 'Plain body',
      html: '<p>Hi <img src="cid:logo"></p>',
      headers: { 'X-Entity-Ref-ID': 'ref-1' },
      attachments: [
        { filename: 'logo.png', content: PNG.toString('base64'), content_type: 'image/png', content_id: 'logo' },
        { filename: 'notes.txt', content: Buffer.from('notes').toString('base64'), content_type: 'application/octet-stream' },
      ],
      tags: [
        { name: 'category', value: 'welcome' },
        { name: 'tenant', value: 'acme' },
      ],
    });
    const got = await resend.emails.get(data!.id);
    assert.equal(got.error, null);
    assert.equal(got.data!.id, data!.id);
    assert.equal(got.data!.last_event, 'sent');
    assert.deepEqual(got.data!.to, ['Bob <bob@example.org>', 'carol@example.org']);
  });

  await t.test('a wrong key is 403 invalid_api_key, no key 401 missing_api_key, nothing stored', async () => {
    const before = await logTotal(s, auth());
    const wrong = new Resend('re_wrong', { baseUrl: s.url });
    const r = await wrong.emails.send({ from: 'a@acme.example', to: 'b@example.org', subject: 'x', text: 'y' });
    assert.equal(r.data, null);
    assert.equal(r.error!.name, 'invalid_api_key');
    assert.equal(r.error!.statusCode, 403);
    const none = await api(s.url, 'POST', '/emails', { from: 'a@acme.example', to: 'b@example.org', subject: 'x', text: 'y' });
    assert.equal(none.status, 401);
    assert.deepEqual(Object.keys(none.json).sort(), ['message', 'name', 'statusCode']);
    assert.equal(none.json.name, 'missing_api_key');
    assert.equal(await logTotal(s, auth()), before);
  });

  await t.test('validation as the SDK surfaces it: 422 naming the field, unknown fields refused, nothing stored', async () => {
    const before = await logTotal(s, auth());
    const bad = await resend.emails.send({ from: 'a@acme.example', to: 'not an address', subject: 'x', text: 'y' });
    assert.equal(bad.error!.statusCode, 422);
    assert.equal(bad.error!.name, 'validation_error');
    assert.match(bad.error!.message, /`to\[0\]`/);
    const injected = await resend.emails.send({ from: 'a@acme.example', to: 'b@example.org', subject: 'x\r\nBcc: evil@example.net', text: 'y' });
    assert.equal(injected.error!.statusCode, 422);
    assert.match(injected.error!.message, /subject/);
    const template = await resend.emails.send({ from: 'a@acme.example', to: 'b@example.org', template: { id: 't-1' } } as any);
    assert.equal(template.error!.statusCode, 422);
    assert.match(template.error!.message, /template/);
    const byUrl = await resend.emails.send({ from: 'a@acme.example', to: 'b@example.org', subject: 'x', text: 'y', attachments: [{ filename: 'a.pdf', path: 'https://example.com/a.pdf' }] });
    assert.equal(byUrl.error!.name, 'invalid_attachment');
    const noBody = await resend.emails.send({ from: 'a@acme.example', to: 'b@example.org', subject: 'x' } as any);
    assert.equal(noBody.error!.statusCode, 422);
    assert.equal(await logTotal(s, auth()), before);
  });

  await t.test('Idempotency-Key: a retry answers the same id and sends nothing; another body is 409', async () => {
    const body = { from: 'a@acme.example', to: 'b@example.org', subject: 'Once', text: 'only once' };
    const sentBefore = fake.requests.length;
    const first = await resend.emails.send(body, { idempotencyKey: 'order-42' });
    const again = await resend.emails.send(body, { idempotencyKey: 'order-42' });
    assert.equal(first.error, null);
    assert.equal(again.data!.id, first.data!.id);
    assert.equal(fake.requests.length, sentBefore + 1);
    assert.equal(fake.requests.at(-1)!.headers['idempotency-key'], 'order-42');
    const other = await resend.emails.send({ ...body, text: 'different' }, { idempotencyKey: 'order-42' });
    assert.equal(other.error!.statusCode, 409);
    assert.equal(other.error!.name, 'invalid_idempotent_request');
  });

  await t.test('batch: ids in order, each email its own log record, delivered by the queue', async () => {
    const sentBefore = fake.requests.length;
    const { data, error } = await resend.batch.send([
      { from: 'a@acme.example', to: 'one@example.org', subject: 'One', text: '1' },
      { from: 'a@acme.example', to: ['two@example.org'], subject: 'Two', html: '<b>2</b>' },
    ]);
    assert.equal(error, null, JSON.stringify(error));
    assert.equal(data!.data.length, 2);
    await waitFor(() => fake.requests.length === sentBefore + 2, 5000, 'both batch emails delivered');
    for (const [i, { id }] of data!.data.entries()) {
      const log = await waitFor(async () => {
        const r = await api(s.url, 'GET', `/api/logs/${id}`, undefined, auth());
        return r.json.status === 'success' && r.json;
      });
      assert.equal(log.source, 'resend');
      assert.equal(log.subject, ['One', 'Two'][i]);
    }
    const before = await logTotal(s, auth());
    const bad = await resend.batch.send([
      { from: 'a@acme.example', to: 'one@example.org', subject: 'One', text: '1' },
      { from: 'a@acme.example', to: 'nope', subject: 'Two', text: '2' },
    ]);
    assert.equal(bad.error!.statusCode, 422);
    assert.match(bad.error!.message, /`\[1\]\.to\[0\]`/);
    assert.equal(await logTotal(s, auth()), before);
  });

  await t.test('scheduled_at: stored as scheduled, shown by emails.get, canceled by emails.cancel', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    const { data, error } = await resend.emails.send({ from: 'a@acme.example', to: 'b@example.org', subject: 'Later', text: 'later', scheduledAt: at });
    assert.equal(error, null, JSON.stringify(error));
    const got = await resend.emails.get(data!.id);
    assert.equal(got.data!.last_event, 'scheduled');
    assert.equal(got.data!.scheduled_at, at);
    const canceled = await resend.emails.cancel(data!.id);
    assert.equal(canceled.error, null);
    assert.equal((await resend.emails.get(data!.id)).data!.last_event, 'canceled');
    const late = await resend.emails.send({ from: 'a@acme.example', to: 'b@example.org', subject: 'Later', text: 'x', scheduledAt: 'in 1 min' });
    assert.equal(late.error!.statusCode, 422);
    assert.match(late.error!.message, /scheduled_at/);
  });
});
