import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpFake, type HttpFake } from '../fakes/http-fake.js';
import { mailtrap, singleTag, toMailtrapPayload } from '../../src/providers/mailtrap.js';
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
  tags: { tenant: 'acme', category: 'welcome' },
});

let fake: HttpFake;
before(async () => (fake = await startHttpFake()));
after(() => fake.close());

const TOKEN = 'mt_0123456789abcdef_secret';
const provider = (base = fake.url) =>
  mailtrap.create({ id: 'm1', name: 'Mailtrap', type: 'mailtrap', enabled: true, weight: 100, api_key: TOKEN, base_url: base }, testContext());

test('mailtrap: exact request (POST /api/send, Api-Token, JSON body) and the first message id', async () => {
  fake.respond(() => ({ status: 200, body: { success: true, message_ids: ['mt-a', 'mt-b'] } }));
  const n = fake.requests.length;
  const receipt = await sendWithTimeout(provider(fake.url + '/'), message, 'idem-ignored');
  assert.deepEqual(receipt, { successful: true, messageId: 'mt-a' });
  const req = fake.requests[n];
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/api/send');
  assert.equal(req.headers['api-token'], TOKEN);
  assert.equal(req.headers.authorization, undefined);
  assert.match(String(req.headers['user-agent']), /^protopost\//);
  assert.match(String(req.headers['content-type']), /^application\/json/);
  assert.deepEqual(req.json, toMailtrapPayload(message));
  assert.deepEqual(req.json, {
    from: { email: 'alice@example.com', name: 'Alice' },
    to: [{ email: 'bob@example.org' }],
    cc: [{ email: 'carol@example.org', name: 'Carol' }],
    bcc: [{ email: 'dan@example.org' }],
    reply_to: { email: 'replies@example.com' },
    subject: 'Hello',
    text: 'plain',
    html: '<p>html</p>',
    headers: { 'X-Campaign': 'spring' },
    attachments: [{ content: 'aGk=', filename: 'a.txt', type: 'text/plain', disposition: 'attachment' }],
    category: 'welcome',
    custom_variables: { tenant: 'acme', category: 'welcome' },
  });
});

test('mailtrap: the single category is the tag named category, else the first; no tags, no category', () => {
  assert.equal(singleTag({ a: '1', category: 'c' }), 'c');
  assert.equal(singleTag({ a: '1', b: '2' }), '1');
  assert.equal(singleTag({}), undefined);
  const bare = toMailtrapPayload(createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 's', body_text: 't' }));
  assert.deepEqual(bare, { from: { email: 'a@example.com' }, to: [{ email: 'b@example.org' }], subject: 's', text: 't' });
});

for (const [status, cls] of [[400, 'permanent'], [401, 'permanent'], [403, 'permanent'], [429, 'transient'], [500, 'transient'], [503, 'transient']] as const) {
  test(`mailtrap: ${status} is ${cls} with the API's errors`, async () => {
    fake.respond(() => ({ status, body: { success: false, errors: [`reason ${status}`, 'second'] } }));
    const receipt = await sendWithTimeout(provider(), message);
    assert.equal(receipt.successful, false);
    if (receipt.successful) return;
    assert.equal(receipt.error.class, cls);
    assert.equal(receipt.error.statusCode, status);
    assert.match(receipt.error.message, new RegExp(`${status}.*reason ${status}; second`));
    assert.doesNotMatch(receipt.error.message, new RegExp(TOKEN));
  });
}

test('mailtrap: a 429 carries Retry-After; a non-JSON error body is still reported', async () => {
  fake.respond(() => ({ status: 429, body: 'slow down', headers: { 'retry-after': '7' } }));
  const receipt = await sendWithTimeout(provider(), message);
  assert.ok(!receipt.successful);
  if (receipt.successful) return;
  assert.equal(receipt.error.retryAfterMs, 7000);
  assert.match(receipt.error.message, /429.*slow down/);
});

test('mailtrap: a hang is a transient timeout; a refused connection is transient', async () => {
  fake.respond(() => ({ status: 200, hang: true }));
  const hung = await sendWithTimeout(provider(), message, undefined, 150);
  assert.ok(!hung.successful && hung.error.code === 'timeout' && hung.error.class === 'transient');
  const closed = await startHttpFake();
  const url = closed.url;
  await closed.close();
  const refused = await sendWithTimeout(provider(url), message);
  assert.ok(!refused.successful);
  if (!refused.successful) assert.equal(refused.error.class, 'transient');
});

test('mailtrap: verify sends an empty message; 400 means the token was accepted, 401 that it was not', async () => {
  fake.respond((req) => (req.json && Object.keys(req.json).length === 0 ? { status: 400, body: { success: false, errors: ["'from' is required"] } } : { status: 200, body: { success: true, message_ids: ['x'] } }));
  const n = fake.requests.length;
  const good = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(good.ok, true);
  assert.deepEqual(fake.requests[n].json, {});
  assert.equal(fake.requests[n].headers['api-token'], TOKEN);
  fake.respond(() => ({ status: 401, body: { success: false, errors: ['Unauthorized'] } }));
  const bad = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(bad.ok, false);
  assert.match(bad.error!, /401.*Unauthorized/);
});
