import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpFake, type HttpFake, type FakeReply, type RecordedRequest } from '../fakes/http-fake.js';
import { mailgun } from '../../src/providers/mailgun.js';
import { createMessage } from '../../src/core/message.js';
import { testContext, sendWithTimeout, networkFailureTests } from './helpers.js';

const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x10]);
const message = createMessage({
  from: 'Alice <alice@example.com>',
  to: ['bob@example.org', 'Smith, Eve <eve@example.org>'],
  cc: ['Carol <carol@example.org>'],
  bcc: ['dan@example.org'],
  reply_to: 'Replies <replies@example.com>',
  subject: 'Hello',
  body_text: 'plain',
  body_html: '<p>html</p>',
  headers: { 'X-Campaign': 'spring' },
  attachments: [
    { filename: 'a.txt', content: Buffer.from('hi').toString('base64'), content_type: 'text/plain' },
    { filename: 'b.pdf', content: pdf.toString('base64'), content_type: 'application/pdf' },
  ],
  tags: { user: 'u1', category: 'welcome', campaign: 'spring', extra: 'x' },
});

let fake: HttpFake;
before(async () => (fake = await startHttpFake()));
after(() => fake.close());

const provider = (base_url = fake.url) =>
  mailgun.create(
    { id: 'm1', name: 'Mailgun', type: 'mailgun', enabled: true, weight: 100, api_key: 'key-secret', domain: 'mg.example.com', base_url },
    testContext(),
  );

const formOf = (req: RecordedRequest) =>
  new Response(new Uint8Array(req.body), { headers: { 'content-type': String(req.headers['content-type']) } }).formData();

test('mailgun: exact multipart request and message id', async () => {
  fake.respond(() => ({ status: 200, body: { id: '<20240101.1@mg.example.com>', message: 'Queued. Thank you.' } }));
  const before = fake.requests.length;
  const receipt = await sendWithTimeout(provider(), message, 'idem-1');
  assert.deepEqual(receipt, { successful: true, messageId: '<20240101.1@mg.example.com>' });
  const req = fake.requests[before];
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/v3/mg.example.com/messages');
  assert.equal(req.headers.authorization, `Basic ${Buffer.from('api:key-secret').toString('base64')}`);
  assert.match(String(req.headers['content-type']), /^multipart\/form-data; boundary=/);
  assert.match(String(req.headers['user-agent']), /^protopost\//);

  const form = await formOf(req);
  const strings = (name: string) => form.getAll(name).map(String);
  assert.deepEqual(strings('from'), ['Alice <alice@example.com>']);
  assert.deepEqual(strings('to'), ['bob@example.org', '"Smith, Eve" <eve@example.org>']);
  assert.deepEqual(strings('cc'), ['Carol <carol@example.org>']);
  assert.deepEqual(strings('bcc'), ['dan@example.org']);
  assert.deepEqual(strings('subject'), ['Hello']);
  assert.deepEqual(strings('text'), ['plain']);
  assert.deepEqual(strings('html'), ['<p>html</p>']);
  assert.deepEqual(strings('h:Reply-To'), ['Replies <replies@example.com>']);
  assert.deepEqual(strings('h:X-Campaign'), ['spring']);
  // ≤3 o:tag values, the category first; all tags as v: variables.
  assert.deepEqual(strings('o:tag'), ['welcome', 'u1', 'spring']);
  assert.deepEqual(strings('v:user'), ['u1']);
  assert.deepEqual(strings('v:category'), ['welcome']);
  assert.deepEqual(strings('v:extra'), ['x']);

  const files = form.getAll('attachment') as File[];
  assert.equal(files.length, 2);
  assert.deepEqual(
    files.map((f) => [f.name, f.type]),
    [
      ['a.txt', 'text/plain'],
      ['b.pdf', 'application/pdf'],
    ],
  );
  assert.equal(Buffer.from(await files[0].arrayBuffer()).toString(), 'hi');
  assert.deepEqual(Buffer.from(await files[1].arrayBuffer()), pdf);
  // nothing else was sent (no idempotency key: Mailgun has none)
  assert.deepEqual(
    [...new Set([...form.keys()])].sort(),
    ['attachment', 'bcc', 'cc', 'from', 'h:Reply-To', 'h:X-Campaign', 'html', 'o:tag', 'subject', 'text', 'to', 'v:campaign', 'v:category', 'v:extra', 'v:user'],
  );
});

const errorReplies: [number, 'permanent' | 'transient', FakeReply][] = [
  // Old Mailgun answers a bad key with a bare text "Forbidden" 401; the current docs say 403 with JSON.
  [401, 'permanent', { status: 401, body: 'Forbidden (reason 401)' }],
  [403, 'permanent', { status: 403, body: { message: 'Invalid private key (reason 403)' } }],
  [400, 'permanent', { status: 400, body: { message: "to parameter is not a valid address. please check documentation (reason 400)" } }],
  [404, 'permanent', { status: 404, body: { message: 'Domain not found: mg.example.com (reason 404)' } }],
  [429, 'transient', { status: 429, body: { message: 'Domain mg.example.com is not allowed to send: rate limit exceeded, try again after Mon, 01 Jan 2024 (reason 429)' }, headers: { 'retry-after': '2' } }],
  [500, 'transient', { status: 500, body: { message: 'Internal error (reason 500)' } }],
];

for (const [status, cls, reply] of errorReplies) {
  test(`mailgun: ${status} is ${cls} with the API's message`, async () => {
    fake.respond(() => reply);
    const receipt = await sendWithTimeout(provider(), message);
    assert.equal(receipt.successful, false);
    if (receipt.successful) return;
    assert.equal(receipt.error.class, cls);
    assert.equal(receipt.error.statusCode, status);
    assert.match(receipt.error.message, new RegExp(`reason ${status}`));
    assert.doesNotMatch(receipt.error.message, /key-secret/);
  });
}

networkFailureTests('mailgun', () => fake, (baseUrl, timeoutMs) => sendWithTimeout(provider(baseUrl), message, undefined, timeoutMs));

test('mailgun: verify uses GET /v4/domains/{domain}', async () => {
  const before = fake.requests.length;
  fake.respond((req) =>
    req.path === '/v4/domains/mg.example.com' ? { status: 200, body: { domain: { name: 'mg.example.com', state: 'active' } } } : { status: 404 },
  );
  const good = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(good.ok, true);
  assert.equal(fake.requests[before].method, 'GET');
  assert.equal(fake.requests[before].headers.authorization, `Basic ${Buffer.from('api:key-secret').toString('base64')}`);
  fake.respond(() => ({ status: 401, body: { message: 'Invalid private key' } }));
  const bad = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(bad.ok, false);
  assert.match(bad.error!, /401.*Invalid private key/);
  fake.respond(() => ({ status: 404, body: { message: 'Domain not found' } }));
  const missing = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(missing.ok, false);
  assert.match(missing.error!, /404.*Domain not found/);
});

test('mailgun: the default base URL is the US public API', async () => {
  let url = '';
  const ctx = { ...testContext(), fetch: (async (u: string | URL | Request) => {
    url = String(u);
    return Response.json({ id: '<x>', message: 'Queued. Thank you.' });
  }) as typeof fetch };
  const p = mailgun.create({ id: 'm', name: 'm', type: 'mailgun', enabled: true, weight: 1, api_key: 'k', domain: 'mg.example.com' }, ctx);
  await sendWithTimeout(p, message);
  assert.equal(url, 'https://api.mailgun.net/v3/mg.example.com/messages');
});
