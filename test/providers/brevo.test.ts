import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpFake, type HttpFake, type FakeReply } from '../fakes/http-fake.js';
import { brevo, toBrevoPayload } from '../../src/providers/brevo.js';
import { createMessage } from '../../src/core/message.js';
import { testContext, sendWithTimeout, networkFailureTests, fullMessage } from './helpers.js';

const message = fullMessage;

let fake: HttpFake;
before(async () => (fake = await startHttpFake()));
after(() => fake.close());

const provider = (base_url = fake.url) =>
  brevo.create({ id: 'b1', name: 'Brevo', type: 'brevo', enabled: true, weight: 100, api_key: 'xkeysib-secret', base_url }, testContext());

test('brevo: exact request, idempotency key in body headers, messageId from 201', async () => {
  fake.respond(() => ({ status: 201, body: { messageId: '<202401010000.123@smtp-relay.mailin.fr>' } }));
  const before = fake.requests.length;
  const receipt = await sendWithTimeout(provider(), message, 'idem-1');
  assert.deepEqual(receipt, { successful: true, messageId: '<202401010000.123@smtp-relay.mailin.fr>' });
  const req = fake.requests[before];
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/v3/smtp/email');
  assert.equal(req.headers['api-key'], 'xkeysib-secret');
  assert.equal(req.headers.authorization, undefined);
  assert.equal(req.headers.accept, 'application/json');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.match(String(req.headers['user-agent']), /^protopost\//);
  assert.deepEqual(req.json, toBrevoPayload(message, 'idem-1'));
  assert.deepEqual(req.json, {
    sender: { email: 'alice@example.com', name: 'Alice' },
    to: [{ email: 'bob@example.org' }],
    cc: [{ email: 'carol@example.org', name: 'Carol' }],
    bcc: [{ email: 'dan@example.org' }],
    replyTo: { email: 'replies@example.com', name: 'Replies' },
    subject: 'Hello',
    textContent: 'plain',
    htmlContent: '<p>html</p>',
    headers: { 'X-Campaign': 'spring', idempotencyKey: 'idem-1' },
    attachment: [{ content: 'aGk=', name: 'a.txt' }],
    tags: ['welcome', 'u1'],
  });
});

test('brevo: without an idempotency key or headers, no headers object', async () => {
  fake.respond(() => ({ status: 201, body: { messageId: 'm2' } }));
  const before = fake.requests.length;
  await sendWithTimeout(provider(), createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 's', body_html: '<b>x</b>' }));
  const json = fake.requests[before].json;
  assert.deepEqual(json, { sender: { email: 'a@example.com' }, to: [{ email: 'b@example.org' }], subject: 's', htmlContent: '<b>x</b>' });
});

const errorReplies: [number, 'permanent' | 'transient', FakeReply][] = [
  [401, 'permanent', { status: 401, body: { code: 'unauthorized', message: 'Key not found (reason 401)' } }],
  [400, 'permanent', { status: 400, body: { code: 'invalid_parameter', message: 'sender is missing (reason 400)' } }],
  [402, 'permanent', { status: 402, body: { code: 'not_enough_credits', message: 'Not enough credits (reason 402)' } }],
  [429, 'transient', { status: 429, body: { code: 'too_many_requests', message: 'Too many requests (reason 429)' }, headers: { 'x-sib-ratelimit-limit': '1000', 'x-sib-ratelimit-remaining': '0', 'x-sib-ratelimit-reset': '3' } }],
  [500, 'transient', { status: 500, body: { code: 'internal_error', message: 'Internal error (reason 500)' } }],
];

for (const [status, cls, reply] of errorReplies) {
  test(`brevo: ${status} is ${cls} with the API's message`, async () => {
    fake.respond(() => reply);
    const receipt = await sendWithTimeout(provider(), message);
    assert.equal(receipt.successful, false);
    if (receipt.successful) return;
    assert.equal(receipt.error.class, cls);
    assert.equal(receipt.error.statusCode, status);
    assert.match(receipt.error.message, new RegExp(`reason ${status}\\) \\(\\w+\\)`));
    assert.doesNotMatch(receipt.error.message, /xkeysib-secret/);
    // Brevo sends no Retry-After; the reset header says when the window reopens.
    if (status === 429) assert.equal(receipt.error.retryAfterMs, 3000);
  });
}

networkFailureTests('brevo', () => fake, (baseUrl, timeoutMs) => sendWithTimeout(provider(baseUrl), message, undefined, timeoutMs));

test('brevo: verify uses GET /v3/account', async () => {
  const before = fake.requests.length;
  fake.respond((req) => (req.path === '/v3/account' ? { status: 200, body: { email: 'owner@example.com', plan: [] } } : { status: 404 }));
  const good = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(good.ok, true);
  assert.equal(fake.requests[before].method, 'GET');
  assert.equal(fake.requests[before].headers['api-key'], 'xkeysib-secret');
  fake.respond(() => ({ status: 401, body: { code: 'unauthorized', message: 'Key not found' } }));
  const bad = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(bad.ok, false);
  assert.match(bad.error!, /401.*Key not found \(unauthorized\)/);
});

test('brevo: the default base URL is the public API', async () => {
  let url = '';
  const ctx = { ...testContext(), fetch: (async (u: string | URL | Request) => {
    url = String(u);
    return Response.json({ messageId: 'm' }, { status: 201 });
  }) as typeof fetch };
  const p = brevo.create({ id: 'b', name: 'b', type: 'brevo', enabled: true, weight: 1, api_key: 'k' }, ctx);
  await sendWithTimeout(p, message);
  assert.equal(url, 'https://api.brevo.com/v3/smtp/email');
});
