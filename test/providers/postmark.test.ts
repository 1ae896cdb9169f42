import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpFake, type HttpFake, type FakeReply } from '../fakes/http-fake.js';
import { postmark, toPostmarkPayload } from '../../src/providers/postmark.js';
import { createMessage } from '../../src/core/message.js';
import { testContext, sendWithTimeout, networkFailureTests } from './helpers.js';

const message = createMessage({
  from: 'Alice <alice@example.com>',
  to: ['bob@example.org', 'Smith, Eve <eve@example.org>'],
  cc: ['Carol <carol@example.org>'],
  bcc: ['dan@example.org'],
  reply_to: 'replies@example.com',
  subject: 'Hello',
  body_text: 'plain',
  body_html: '<p>html</p>',
  headers: { 'X-Campaign': 'spring' },
  attachments: [{ filename: 'a.txt', content: Buffer.from('hi').toString('base64'), content_type: 'text/plain' }],
  tags: { user: 'u1', category: 'welcome' },
});

let fake: HttpFake;
before(async () => (fake = await startHttpFake()));
after(() => fake.close());

const provider = (extra: Record<string, unknown> = {}) =>
  postmark.create(
    { id: 'p1', name: 'Postmark', type: 'postmark', enabled: true, weight: 100, api_key: 'pm-secret-token', base_url: fake.url, ...extra },
    testContext(),
  );

test('postmark: exact request and MessageID', async () => {
  fake.respond(() => ({
    status: 200,
    body: { To: 'bob@example.org', SubmittedAt: '2024-01-01T00:00:00Z', MessageID: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817', ErrorCode: 0, Message: 'OK' },
  }));
  const before = fake.requests.length;
  const receipt = await sendWithTimeout(provider({ message_stream: 'broadcast' }), message, 'idem-1');
  assert.deepEqual(receipt, { successful: true, messageId: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817' });
  const req = fake.requests[before];
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/email');
  assert.equal(req.headers['x-postmark-server-token'], 'pm-secret-token');
  assert.equal(req.headers.accept, 'application/json');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.match(String(req.headers['user-agent']), /^protopost\//);
  assert.deepEqual(req.json, toPostmarkPayload(message, 'broadcast'));
  assert.deepEqual(req.json, {
    From: 'Alice <alice@example.com>',
    To: 'bob@example.org, "Smith, Eve" <eve@example.org>',
    Cc: 'Carol <carol@example.org>',
    Bcc: 'dan@example.org',
    ReplyTo: 'replies@example.com',
    Subject: 'Hello',
    TextBody: 'plain',
    HtmlBody: '<p>html</p>',
    Headers: [{ Name: 'X-Campaign', Value: 'spring' }],
    Attachments: [{ Name: 'a.txt', Content: 'aGk=', ContentType: 'text/plain' }],
    Tag: 'welcome',
    Metadata: { user: 'u1', category: 'welcome' },
    MessageStream: 'broadcast',
  });
});

test('postmark: without a category tag the first tag is the Tag; no stream configured → none sent', async () => {
  fake.respond(() => ({ status: 200, body: { MessageID: 'm2', ErrorCode: 0, Message: 'OK' } }));
  const before = fake.requests.length;
  const m = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 's', body_text: 't', tags: { campaign: 'spring', user: 'u1' } });
  await sendWithTimeout(provider(), m);
  const json = fake.requests[before].json;
  assert.equal(json.Tag, 'spring');
  assert.deepEqual(json.Metadata, { campaign: 'spring', user: 'u1' });
  assert.equal('MessageStream' in json, false);
  assert.equal('Cc' in json, false);
});

const errorReplies: [number, 'permanent' | 'transient', FakeReply][] = [
  [401, 'permanent', { status: 401, body: { ErrorCode: 10, Message: 'Bad or missing Server API token. (reason 401)' } }],
  [422, 'permanent', { status: 422, body: { ErrorCode: 300, Message: "Invalid 'From' address: 'x'. (reason 422)" } }],
  [429, 'transient', { status: 429, body: { ErrorCode: 429, Message: 'Rate limit exceeded (reason 429)' }, headers: { 'retry-after': '2' } }],
  [500, 'transient', { status: 500, body: { ErrorCode: 0, Message: 'Internal server error (reason 500)' } }],
  [503, 'transient', { status: 503, body: { ErrorCode: 100, Message: 'Maintenance (reason 503)' } }],
];

for (const [status, cls, reply] of errorReplies) {
  test(`postmark: ${status} is ${cls} with the API's message`, async () => {
    fake.respond(() => reply);
    const receipt = await sendWithTimeout(provider(), message);
    assert.equal(receipt.successful, false);
    if (receipt.successful) return;
    assert.equal(receipt.error.class, cls);
    assert.equal(receipt.error.statusCode, status);
    assert.match(receipt.error.message, new RegExp(`reason ${status}`));
    assert.match(receipt.error.message, /ErrorCode \d+/);
    assert.doesNotMatch(receipt.error.message, /pm-secret-token/);
  });
}

test('postmark: 422 inactive recipient (ErrorCode 406) is permanent', async () => {
  fake.respond(() => ({ status: 422, body: { ErrorCode: 406, Message: 'You tried to send to recipient(s) that have been marked as inactive.' } }));
  const receipt = await sendWithTimeout(provider(), message);
  assert.equal(receipt.successful, false);
  if (!receipt.successful) {
    assert.equal(receipt.error.class, 'permanent');
    assert.match(receipt.error.message, /inactive.*ErrorCode 406/);
  }
});

networkFailureTests('postmark', () => fake, (baseUrl, timeoutMs) => sendWithTimeout(provider(baseUrl ? { base_url: baseUrl } : undefined), message, undefined, timeoutMs));

test('postmark: verify uses GET /server with the server token', async () => {
  const before = fake.requests.length;
  fake.respond((req) => (req.path === '/server' ? { status: 200, body: { ID: 1, Name: 'Production' } } : { status: 404 }));
  const good = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(good.ok, true);
  assert.equal(fake.requests[before].method, 'GET');
  assert.equal(fake.requests[before].headers['x-postmark-server-token'], 'pm-secret-token');
  fake.respond(() => ({ status: 401, body: { ErrorCode: 10, Message: 'Bad or missing Server API token.' } }));
  const bad = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(bad.ok, false);
  assert.match(bad.error!, /401.*Bad or missing Server API token/);
});

test('postmark: the default base URL is the public API', async () => {
  let url = '';
  const ctx = { ...testContext(), fetch: (async (u: string | URL | Request) => {
    url = String(u);
    return Response.json({ MessageID: 'm' });
  }) as typeof fetch };
  const p = postmark.create({ id: 'p', name: 'p', type: 'postmark', enabled: true, weight: 1, api_key: 'k' }, ctx);
  await sendWithTimeout(p, message);
  assert.equal(url, 'https://api.postmarkapp.com/email');
});
