// The SendGrid v3 drop-in driven by the official `@sendgrid/mail` SDK (base URL set on its client) against
// the real server on loopback, with a SendGrid fake behind the gateway checking what it received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { MailService as MailServiceType } from '@sendgrid/mail/src/mail.js';
import { api, waitFor } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { auth, configOf, fakeFor, logTotal, serverFor, TOKEN } from '../support/fixtures.js';

// The package is CommonJS with `export =` types: the class is a property of the default export.
const { MailService } = createRequire(import.meta.url)('@sendgrid/mail') as { MailService: new () => MailServiceType };
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');

/** An SDK client pointed at the gateway: the one line an application changes is the base URL. */
function sdk(url: string, key: string) {
  const mail = new MailService();
  mail.setApiKey(key);
  (mail as any).client.setDefaultRequest('baseUrl', url);
  return mail;
}

async function logOf(s: { url: string }, id: string, status = 'success') {
  return waitFor(async () => {
    const r = await api(s.url, 'GET', `/api/logs/${id}`, undefined, auth());
    return r.json?.status === status && r.json;
  }, 5000, `log ${id} ${status}`);
}

test('sendgrid drop-in with @sendgrid/mail', async (t) => {
  let n = 0;
  const fake = await fakeFor(t, () => startHttpFake(() => ({ status: 202, headers: { 'x-message-id': `sg-${++n}` } })));
  const provider = { id: 'sg', name: 'SendGrid sg', type: 'sendgrid', api_key: 'SG.upstream_SECRET_key_0123', base_url: fake.url };
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: configOf([provider]) });
  const mail = sdk(s.url, TOKEN);

  await t.test('every field: 202, X-Message-Id is the log id, the provider gets each field', async () => {
    const [res] = await mail.send({
      from: { email: 'news@acme.example', name: 'Acme' },
      to: [{ email: 'bob@example.org', name: 'Bob' }, 'carol@example.org'],
      cc: 'dan@example.org',
      bcc: 'eve@example.org',
      replyTo: 'replies@acme.example',
      subject: 'Welcome',
      text: 'Plain body',
      html: '<p>Hi <img src="cid:logo"></p>',
      headers: { 'X-Entity-Ref-ID': 'ref-1' },
      attachments: [
        { filename: 'logo.png', content: PNG, type: 'image/png', disposition: 'inline', content_id: 'logo' } as any,
        { filename: 'notes.txt', content: Buffer.from('notes').toString('base64'), type: 'text/plain' },
      ],
      categories: ['welcome', 'onboarding'],
      customArgs: { tenant: 'acme' },
    });
    assert.equal(res.statusCode, 202);
    const id = res.headers['x-message-id'];
    assert.match(id, /^\d+$/);
    const log = await logOf(s, id);
    assert.equal(log.source, 'sendgrid');
    assert.deepEqual(log.tags, { category: 'welcome', category_2: 'onboarding', tenant: 'acme' });
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/v3/mail/send');
    assert.equal(sent.headers.authorization, 'Bearer SG.upstream_SECRET_key_0123');
    assert.deepEqual(sent.json, {
      personalizations: [{ to: [{ email: 'bob@example.org', name: 'Bob' }, { email: 'carol@example.org' }], cc: [{ email: 'dan@example.org' }], bcc: [{ email: 'eve@example.org' }] }],
      from: { email: 'news@acme.example', name: 'Acme' },
      reply_to: { email: 'replies@acme.example' },
      subject: 'Welcome',
      content: [
        { type: 'text/plain', value: 'Plain body' },
        { type: 'text/html', value: '<p>Hi <img src="cid:logo"></p>' },
      ],
      headers: { 'X-Entity-Ref-ID': 'ref-1' },
      attachments: [
        { content: PNG, filename: 'logo.png', type: 'image/png', disposition: 'inline', content_id: 'logo' },
        { content: Buffer.from('notes').toString('base64'), filename: 'notes.txt', type: 'text/plain', disposition: 'attachment' },
      ],
      // The SendGrid provider sends every tag value as a category, and every tag as a custom arg.
      categories: ['welcome', 'onboarding', 'acme'],
      custom_args: { category: 'welcome', category_2: 'onboarding', tenant: 'acme' },
    });
  });

  await t.test('personalizations: each one email with its own recipients, subject and custom_args', async () => {
    const [res] = await mail.send({
      from: 'news@acme.example',
      subject: 'Default subject',
      text: 'Hello',
      personalizations: [
        { to: 'one@example.org', customArgs: { user: '1' } },
        { to: ['two@example.org', 'three@example.org'], subject: 'Own subject' },
      ],
    } as any);
    assert.equal(res.statusCode, 202);
    const ids = String(res.headers['x-protopost-log-ids']).split(',');
    assert.equal(ids.length, 2);
    assert.equal(ids[0], res.headers['x-message-id']);
    const [one, two] = [await logOf(s, ids[0]), await logOf(s, ids[1])];
    assert.deepEqual([one.to_addresses, one.subject, one.tags], [['one@example.org'], 'Default subject', { user: '1' }]);
    assert.deepEqual([two.to_addresses, two.subject], [['two@example.org', 'three@example.org'], 'Own subject']);
  });

  await t.test('errors as the SDK surfaces them: 401, 400 naming each field, nothing stored', async () => {
    const before = await logTotal(s, auth());
    await assert.rejects(sdk(s.url, 'SG.wrong').send({ from: 'a@acme.example', to: 'b@example.org', subject: 'x', text: 'y' }), (e: any) => {
      assert.equal(e.code, 401);
      assert.equal(e.response.body.errors[0].message, 'The provided authorization grant is invalid, expired, or revoked');
      return true;
    });
    await assert.rejects(mail.send({ from: 'a@acme.example', to: 'not-an-address', subject: 'x\nBcc: evil@example.net', text: 'y' }), (e: any) => {
      assert.equal(e.code, 400);
      const fields = e.response.body.errors.map((x: any) => x.field).sort();
      assert.deepEqual(fields, ['personalizations.0.to.0.email', 'subject']);
      return true;
    });
    await assert.rejects(mail.send({ from: 'a@acme.example', to: 'b@example.org', subject: 'x', text: 'y', templateId: 'd-123' }), (e: any) => {
      assert.equal(e.code, 400);
      assert.match(JSON.stringify(e.response.body.errors), /template_id/);
      return true;
    });
    await assert.rejects(mail.send({ from: 'a@acme.example', to: 'b@example.org', subject: 'x', text: 'y', trackingSettings: { clickTracking: { enable: false } } }), (e: any) => e.code === 400);
    assert.equal(await logTotal(s, auth()), before);
  });

  await t.test('send_at (UNIX seconds): stored as scheduled with its time; a past one is refused', async () => {
    const at = Math.floor(Date.now() / 1000) + 3600;
    const [res] = await mail.send({ from: 'a@acme.example', to: 'b@example.org', subject: 'Later', text: 'later', sendAt: at });
    const log = await logOf(s, res.headers['x-message-id'], 'scheduled');
    assert.equal(log.send_at, new Date(at * 1000).toISOString());
    await assert.rejects(mail.send({ from: 'a@acme.example', to: 'b@example.org', subject: 'Past', text: 'x', sendAt: 1000 }), (e: any) => {
      assert.equal(e.code, 400);
      assert.equal(e.response.body.errors[0].field, 'send_at');
      return true;
    });
  });
});
