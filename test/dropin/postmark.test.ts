// The Postmark drop-in driven by the official `postmark` SDK (requestHost + useHttps: false) against the real
// server on loopback, with a Postmark fake behind the gateway checking what it received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerClient, Models } from 'postmark';
import { api } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { auth, configOf, fakeFor, logTotal, serverFor, TOKEN } from '../support/fixtures.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');

/** The one change an application makes: where the client sends its requests. */
const sdk = (url: string, token: string) => new ServerClient(token, { useHttps: false, requestHost: new URL(url).host });

test('postmark drop-in with the postmark SDK', async (t) => {
  let n = 0;
  const fake = await fakeFor(t, () =>
    startHttpFake(() => ({ status: 200, body: { To: 'x', SubmittedAt: new Date().toISOString(), MessageID: `pm-${++n}`, ErrorCode: 0, Message: 'OK' } })),
  );
  const provider = { id: 'pm', name: 'Postmark pm', type: 'postmark', api_key: 'pm-upstream-SECRET-token-0123', base_url: fake.url };
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: configOf([provider]) });
  const client = sdk(s.url, TOKEN);

  await t.test('every field: MessageID is the log id, the provider gets each field', async () => {
    const res = await client.sendEmail({
      From: 'Acme <news@acme.example>',
      To: '"Doe, Bob" <bob@example.org>, carol@example.org',
      Cc: 'dan@example.org',
      Bcc: 'eve@example.org',
      ReplyTo: 'replies@acme.example',
      Subject: 'Welcome',
      TextBody: 'Plain body',
      HtmlBody: '<p>Hi <img src="cid:logo.png"></p>',
      Headers: [{ Name: 'X-Entity-Ref-ID', Value: 'ref-1' }],
      Attachments: [
        new Models.Attachment('logo.png', PNG, 'image/png', 'cid:logo.png'),
        { Name: 'notes.txt', Content: Buffer.from('notes').toString('base64'), ContentType: 'text/plain', ContentID: null },
      ],
      Tag: 'welcome',
      Metadata: { tenant: 'acme' },
      MessageStream: 'outbound',
    });
    assert.equal(res.ErrorCode, 0);
    assert.match(res.MessageID, /^\d+$/);
    const log = await api(s.url, 'GET', `/api/logs/${res.MessageID}`, undefined, auth());
    assert.equal(log.json.source, 'postmark');
    assert.equal(log.json.status, 'success');
    assert.deepEqual(log.json.to_addresses, ['"Doe, Bob" <bob@example.org>', 'carol@example.org']);
    assert.deepEqual(log.json.tags, { tenant: 'acme', category: 'welcome' });
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/email');
    assert.equal(sent.headers['x-postmark-server-token'], 'pm-upstream-SECRET-token-0123');
    assert.deepEqual(sent.json, {
      From: 'Acme <news@acme.example>',
      To: '"Doe, Bob" <bob@example.org>, carol@example.org',
      Cc: 'dan@example.org',
      Bcc: 'eve@example.org',
      ReplyTo: 'replies@acme.example',
      Subject: 'Welcome',
      TextBody: 'Plain body',
      HtmlBody: '<p>Hi <img src="cid:logo.png"></p>',
      Headers: [{ Name: 'X-Entity-Ref-ID', Value: 'ref-1' }],
      Attachments: [
        { Name: 'logo.png', Content: PNG, ContentType: 'image/png', ContentID: 'cid:logo.png' },
        { Name: 'notes.txt', Content: Buffer.from('notes').toString('base64'), ContentType: 'text/plain' },
      ],
      Tag: 'welcome',
      Metadata: { tenant: 'acme', category: 'welcome' },
    });
  });

  await t.test('batch: one entry per message; an invalid one fails alone with ErrorCode 300', async () => {
    const before = await logTotal(s, auth());
    const res = await client.sendEmailBatch([
      { From: 'a@acme.example', To: 'one@example.org', Subject: 'One', TextBody: '1' },
      { From: 'a@acme.example', To: 'not an address', Subject: 'Two', TextBody: '2' },
      { From: 'a@acme.example', To: 'three@example.org', Subject: 'Three', HtmlBody: '<b>3</b>' },
    ]);
    assert.equal(res.length, 3);
    assert.deepEqual(res.map((r) => r.ErrorCode), [0, 300, 0]);
    assert.match(res[1].Message, /To/);
    assert.equal(await logTotal(s, auth()), before + 2);
    const three = await api(s.url, 'GET', `/api/logs/${res[2].MessageID}`, undefined, auth());
    assert.equal(three.json.subject, 'Three');
  });

  await t.test('errors as the SDK surfaces them: 401 InvalidAPIKeyError, 422 ApiInputError, nothing stored', async () => {
    const before = await logTotal(s, auth());
    await assert.rejects(sdk(s.url, 'wrong-token').sendEmail({ From: 'a@acme.example', To: 'b@example.org', Subject: 'x', TextBody: 'y' }), (e: any) => {
      assert.equal(e.name, 'InvalidAPIKeyError');
      assert.equal(e.statusCode, 401);
      assert.equal(e.code, 10);
      return true;
    });
    await assert.rejects(client.sendEmail({ From: 'a@acme.example', To: 'b@example.org', Subject: 'x\r\nBcc: evil@example.net', TextBody: 'y' }), (e: any) => {
      assert.equal(e.statusCode, 422);
      assert.equal(e.code, 300);
      assert.match(e.message, /Subject/);
      return true;
    });
    await assert.rejects(client.sendEmail({ From: 'a@acme.example', To: 'b@example.org', Subject: 'x', TextBody: 'y', TrackOpens: true }), (e: any) => {
      assert.equal(e.statusCode, 422);
      assert.match(e.message, /TrackOpens/);
      return true;
    });
    await assert.rejects(client.sendEmail({ From: 'a@acme.example', To: 'b@example.org', Subject: 'x', TextBody: 'y', MessageStream: 'broadcast' }), (e: any) => e.statusCode === 422);
    assert.equal(await logTotal(s, auth()), before);
  });
});
