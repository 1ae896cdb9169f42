import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpFake, type HttpFake } from '../fakes/http-fake.js';
import { resend, toResendPayload } from '../../src/providers/resend.js';
import { createMessage } from '../../src/core/message.js';
import { testContext, sendWithTimeout } from './helpers.js';

const message = createMessage({
  from: 'Alice <alice@example.com>',
  to: ['bob@example.org'],
  cc: ['Carol <carol@example.org>'],
  bcc: ['dan@example.org'],
  reply_to: 'replies@example.com',
  subject: 'Hello',
  body_text: 'plain',
  body_html: '<p>html</p>',
  headers: { 'X-Campaign': 'spring' },
  attachments: [{ filename: 'a.txt', content: Buffer.from('hi').toString('base64'), content_type: 'text/plain' }],
  tags: { category: 'welcome' },
});

let fake: HttpFake;
before(async () => (fake = await startHttpFake()));
after(() => fake.close());

const provider = () =>
  resend.create({ id: 'r1', name: 'Resend', type: 'resend', enabled: true, weight: 100, api_key: 're_secret', base_url: fake.url }, testContext());

test('resend: exact request and message id', async () => {
  fake.respond(() => ({ status: 200, body: { id: 'msg_123' } }));
  const before = fake.requests.length;
  const receipt = await sendWithTimeout(provider(), message, 'idem-1');
  assert.deepEqual(receipt, { successful: true, messageId: 'msg_123' });
  const req = fake.requests[before];
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/emails');
  assert.equal(req.headers.authorization, 'Bearer re_secret');
  assert.equal(req.headers['idempotency-key'], 'idem-1');
  assert.match(String(req.headers['user-agent']), /^protopost\//);
  assert.deepEqual(req.json, toResendPayload(message));
  assert.deepEqual(req.json, {
    from: 'Alice <alice@example.com>',
    to: ['bob@example.org'],
    cc: ['Carol <carol@example.org>'],
    bcc: ['dan@example.org'],
    reply_to: 'replies@example.com',
    subject: 'Hello',
    text: 'plain',
    html: '<p>html</p>',
    headers: { 'X-Campaign': 'spring' },
    attachments: [{ filename: 'a.txt', content: 'aGk=', content_type: 'text/plain' }],
    tags: [{ name: 'category', value: 'welcome' }],
  });
});

for (const [status, cls] of [[401, 'permanent'], [422, 'permanent'], [429, 'transient'], [500, 'transient']] as const) {
  test(`resend: ${status} is ${cls} with the API's message`, async () => {
    fake.respond(() => ({ status, body: { statusCode: status, name: 'x', message: `reason ${status}` }, headers: { 'retry-after': '2' } }));
    const receipt = await sendWithTimeout(provider(), message);
    assert.equal(receipt.successful, false);
    if (receipt.successful) return;
    assert.equal(receipt.error.class, cls);
    assert.equal(receipt.error.statusCode, status);
    assert.match(receipt.error.message, new RegExp(`reason ${status}`));
    assert.doesNotMatch(receipt.error.message, /re_secret/);
  });
}

test('resend: a hang is a transient timeout', async () => {
  fake.respond(() => ({ status: 200, hang: true }));
  const receipt = await sendWithTimeout(provider(), message, undefined, 150);
  assert.equal(receipt.successful, false);
  if (!receipt.successful) assert.deepEqual([receipt.error.code, receipt.error.class], ['timeout', 'transient']);
});

test('resend: verify uses GET /domains', async () => {
  fake.respond((req) => (req.path === '/domains' ? { status: 200, body: { data: [] } } : { status: 404 }));
  assert.equal((await provider().verify(AbortSignal.timeout(2000))).ok, true);
  fake.respond(() => ({ status: 401, body: { message: 'API key is invalid' } }));
  const bad = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(bad.ok, false);
  assert.match(bad.error!, /401.*API key is invalid/);
});
