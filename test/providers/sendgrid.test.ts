import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpFake, type HttpFake, type FakeReply } from '../fakes/http-fake.js';
import { sendgrid, toSendgridPayload } from '../../src/providers/sendgrid.js';
import { createMessage } from '../../src/core/message.js';
import { testContext, sendWithTimeout, networkFailureTests, fullMessage } from './helpers.js';

const message = fullMessage;

let fake: HttpFake;
before(async () => (fake = await startHttpFake()));
after(() => fake.close());

const provider = (base_url = fake.url) =>
  sendgrid.create({ id: 's1', name: 'SendGrid', type: 'sendgrid', enabled: true, weight: 100, api_key: 'SG.secret', base_url }, testContext());

test('sendgrid: exact request, message id from X-Message-Id on 202', async () => {
  fake.respond(() => ({ status: 202, headers: { 'x-message-id': 'sg-msg-1' } }));
  const before = fake.requests.length;
  const receipt = await sendWithTimeout(provider(), message, 'idem-1');
  assert.deepEqual(receipt, { successful: true, messageId: 'sg-msg-1' });
  const req = fake.requests[before];
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/v3/mail/send');
  assert.equal(req.headers.authorization, 'Bearer SG.secret');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['idempotency-key'], undefined);
  assert.match(String(req.headers['user-agent']), /^protopost\//);
  assert.deepEqual(req.json, toSendgridPayload(message));
  assert.deepEqual(req.json, {
    personalizations: [
      {
        to: [{ email: 'bob@example.org' }],
        cc: [{ email: 'carol@example.org', name: 'Carol' }],
        bcc: [{ email: 'dan@example.org' }],
      },
    ],
    from: { email: 'alice@example.com', name: 'Alice' },
    reply_to: { email: 'replies@example.com', name: 'Replies' },
    subject: 'Hello',
    content: [
      { type: 'text/plain', value: 'plain' },
      { type: 'text/html', value: '<p>html</p>' },
    ],
    headers: { 'X-Campaign': 'spring' },
    attachments: [{ content: 'aGk=', filename: 'a.txt', type: 'text/plain', disposition: 'attachment' }],
    categories: ['welcome', 'u1'],
    custom_args: { user: 'u1', category: 'welcome' },
  });
});

test('sendgrid: an address repeated across to/cc/bcc is sent once (SendGrid rejects duplicates)', () => {
  const p = toSendgridPayload(
    createMessage({ from: 'a@example.com', to: ['x@example.org'], cc: ['X@example.org', 'y@example.org'], bcc: ['y@example.org'], subject: 's', body_text: 't' }),
  );
  assert.deepEqual(p.personalizations, [{ to: [{ email: 'x@example.org' }], cc: [{ email: 'y@example.org' }] }]);
  assert.equal(p.categories, undefined);
  assert.equal(p.custom_args, undefined);
});

const errorReplies: [number, 'permanent' | 'transient', FakeReply][] = [
  [401, 'permanent', { status: 401, body: { errors: [{ field: null, message: 'authorization required (reason 401)' }] } }],
  [400, 'permanent', { status: 400, body: { errors: [{ field: 'from.email', message: 'The from email does not contain a valid address. (reason 400)', help: 'http://sendgrid.com/docs' }] } }],
  [403, 'permanent', { status: 403, body: { errors: [{ field: null, message: 'The from address does not match a verified Sender Identity (reason 403)' }] } }],
  [429, 'transient', { status: 429, body: { errors: [{ field: null, message: 'too many requests (reason 429)' }] }, headers: { 'retry-after': '2' } }],
  [500, 'transient', { status: 500, body: { errors: [{ message: 'internal server error (reason 500)' }] } }],
];

for (const [status, cls, reply] of errorReplies) {
  test(`sendgrid: ${status} is ${cls} with the API's message`, async () => {
    fake.respond(() => reply);
    const receipt = await sendWithTimeout(provider(), message);
    assert.equal(receipt.successful, false);
    if (receipt.successful) return;
    assert.equal(receipt.error.class, cls);
    assert.equal(receipt.error.statusCode, status);
    assert.match(receipt.error.message, new RegExp(`reason ${status}`));
    assert.doesNotMatch(receipt.error.message, /SG\.secret/);
    if (status === 400) assert.match(receipt.error.message, /from\.email: /);
    if (status === 429) assert.equal(receipt.error.retryAfterMs, 2000);
  });
}

networkFailureTests('sendgrid', () => fake, (baseUrl, timeoutMs) => sendWithTimeout(provider(baseUrl), message, undefined, timeoutMs));

test('sendgrid: verify uses GET /v3/scopes and wants mail.send', async () => {
  const before = fake.requests.length;
  fake.respond((req) => (req.path === '/v3/scopes' ? { status: 200, body: { scopes: ['mail.send', 'alerts.read'] } } : { status: 404 }));
  const good = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(good.ok, true);
  assert.equal(fake.requests[before].method, 'GET');
  assert.equal(fake.requests[before].headers.authorization, 'Bearer SG.secret');
  assert.match(good.checked, /\/v3\/scopes/);

  fake.respond(() => ({ status: 200, body: { scopes: ['alerts.read'] } }));
  const noSend = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(noSend.ok, false);
  assert.match(noSend.error!, /mail\.send/);

  fake.respond(() => ({ status: 401, body: { errors: [{ field: null, message: 'authorization required' }] } }));
  const bad = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(bad.ok, false);
  assert.match(bad.error!, /401.*authorization required/);
});

test('sendgrid: the default base URL is the public API', async () => {
  let url = '';
  const ctx = { ...testContext(), fetch: (async (u: string | URL | Request) => {
    url = String(u);
    return new Response(null, { status: 202, headers: { 'x-message-id': 'm' } });
  }) as typeof fetch };
  const p = sendgrid.create({ id: 's', name: 's', type: 'sendgrid', enabled: true, weight: 1, api_key: 'k' }, ctx);
  await sendWithTimeout(p, message);
  assert.equal(url, 'https://api.sendgrid.com/v3/mail/send');
});
