import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startHttpFake, type HttpFake, type FakeReply, type RecordedRequest } from '../fakes/http-fake.js';
import { ses, sesAddress, toSesPayload } from '../../src/providers/ses.js';
import { createMessage } from '../../src/core/message.js';
import { testContext, sendWithTimeout, networkFailureTests } from './helpers.js';

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
  tags: { category: 'welcome', 'user id': 'u.1' },
});

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
let fake: HttpFake;
before(async () => (fake = await startHttpFake()));
after(() => fake.close());

const provider = (extra: Record<string, unknown> = {}) =>
  ses.create(
    {
      id: 'a1',
      name: 'SES',
      type: 'ses',
      enabled: true,
      weight: 100,
      access_key_id: 'AKID',
      secret_access_key: SECRET,
      region: 'us-east-1',
      base_url: fake.url,
      ...extra,
    },
    testContext(),
  );

/** Re-signs the recorded request with the same library and the same X-Amz-Date: the signatures must match. */
async function assertSignedBy(req: RecordedRequest, secret: string, region = 'us-east-1') {
  const auth = String(req.headers.authorization);
  const m = /^AWS4-HMAC-SHA256 Credential=AKID\/(\d{8})\/([a-z0-9-]+)\/ses\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(auth);
  assert.ok(m, `unexpected Authorization: ${auth}`);
  const amzDate = String(req.headers['x-amz-date']);
  assert.match(amzDate, /^\d{8}T\d{6}Z$/);
  assert.equal(m[1], amzDate.slice(0, 8));
  assert.equal(m[2], region);
  const signedNames = m[3].split(';');
  for (const h of ['host', 'x-amz-date']) assert.ok(signedNames.includes(h), `${h} is signed`);
  const url = new URL(fake.url + req.path);
  const signingDate = new Date(
    Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15)),
  );
  const signer = new SignatureV4({ service: 'ses', region, credentials: { accessKeyId: 'AKID', secretAccessKey: secret }, sha256: Sha256 });
  const resigned = await signer.sign(
    {
      method: req.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: Object.fromEntries(signedNames.map((n) => [n, String(req.headers[n])])),
      body: req.body.length ? req.body.toString('utf8') : undefined,
    },
    { signingDate },
  );
  return resigned.headers.authorization === auth;
}

test('ses: exact request, SigV4 signature, MessageId', async () => {
  fake.respond(() => ({ status: 200, body: { MessageId: '0100018c-aaaa-bbbb-cccc-000000000000-000000' } }));
  const before = fake.requests.length;
  const receipt = await sendWithTimeout(provider(), message, 'idem-1');
  assert.deepEqual(receipt, { successful: true, messageId: '0100018c-aaaa-bbbb-cccc-000000000000-000000' });
  const req = fake.requests[before];
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/v2/email/outbound-emails');
  assert.match(String(req.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/us-east-1\/ses\/aws4_request, /);
  assert.ok(req.headers['x-amz-date']);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.match(String(req.headers['user-agent']), /^protopost\//);
  assert.equal(await assertSignedBy(req, SECRET), true, 'signature verifies with the right secret');
  assert.equal(await assertSignedBy(req, 'not-the-secret'), false, 'and not with another');
  assert.doesNotMatch(JSON.stringify(req.headers), new RegExp(SECRET.replace(/\//g, '\\/')));

  assert.deepEqual(req.json, toSesPayload(message));
  assert.deepEqual(req.json, {
    FromEmailAddress: 'Alice <alice@example.com>',
    Destination: { ToAddresses: ['bob@example.org'], CcAddresses: ['Carol <carol@example.org>'], BccAddresses: ['dan@example.org'] },
    ReplyToAddresses: ['replies@example.com'],
    Content: {
      Simple: {
        Subject: { Data: 'Hello', Charset: 'UTF-8' },
        Body: { Text: { Data: 'plain', Charset: 'UTF-8' }, Html: { Data: '<p>html</p>', Charset: 'UTF-8' } },
        Headers: [{ Name: 'X-Campaign', Value: 'spring' }],
        Attachments: [{ FileName: 'a.txt', RawContent: 'aGk=', ContentType: 'text/plain', ContentDisposition: 'ATTACHMENT' }],
      },
    },
    EmailTags: [
      { Name: 'category', Value: 'welcome' },
      { Name: 'user_id', Value: 'u_1' },
    ],
  });
});

test('ses: configuration set, non-ASCII display names and IDN domains', async () => {
  fake.respond(() => ({ status: 200, body: { MessageId: 'm2' } }));
  const before = fake.requests.length;
  const m = createMessage({ from: 'Zoë Café <zoe@bücher.example>', to: ['"Doe, J." <j@example.org>'], subject: 's', body_text: 't' });
  await sendWithTimeout(provider({ configuration_set: 'tracking' }), m);
  const json = fake.requests[before].json;
  assert.equal(json.ConfigurationSetName, 'tracking');
  assert.equal(json.FromEmailAddress, `=?UTF-8?B?${Buffer.from('Zoë Café').toString('base64')}?= <zoe@xn--bcher-kva.example>`);
  assert.deepEqual(json.Destination, { ToAddresses: ['"Doe, J." <j@example.org>'] });
  assert.equal(json.EmailTags, undefined);
  // long names are split into several encoded-words, each under 76 characters
  const long = sesAddress({ address: 'a@example.com', name: 'é'.repeat(60) });
  const words = long.replace(/ <a@example\.com>$/, '').split(' ');
  assert.ok(words.length > 1 && words.every((w) => w.length <= 75 && /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/.test(w)));
  assert.equal(words.map((w) => Buffer.from(w.slice(10, -2), 'base64').toString()).join(''), 'é'.repeat(60));
});

const amzError = (status: number, type: string, text: string, headers: Record<string, string> = {}): FakeReply => ({
  status,
  body: { message: text },
  headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`, 'x-amzn-requestid': 'req-1', ...headers },
});

const errorReplies: [string, number, 'permanent' | 'transient', FakeReply][] = [
  ['bad key', 403, 'permanent', amzError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.')],
  ['bad signature', 403, 'permanent', amzError(403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.')],
  ['unverified address', 400, 'permanent', amzError(400, 'MessageRejected', 'Email address is not verified. The following identities failed the check in region US-EAST-1: alice@example.com')],
  ['bad request', 400, 'permanent', amzError(400, 'BadRequestException', 'Missing final @domain')],
  ['sending paused', 400, 'permanent', amzError(400, 'SendingPausedException', 'Sending is paused for this account.')],
  ['account suspended', 400, 'permanent', amzError(400, 'AccountSuspendedException', 'Account suspended.')],
  ['daily quota', 400, 'transient', amzError(400, 'LimitExceededException', 'Daily message quota exceeded.')],
  ['throttled', 400, 'transient', amzError(400, 'ThrottlingException', 'Rate exceeded')],
  ['too many requests', 429, 'transient', amzError(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.', { 'retry-after': '2' })],
  ['internal', 500, 'transient', amzError(500, 'InternalFailure', 'Internal service error')],
  ['body __type only', 429, 'transient', { status: 429, body: { __type: 'com.amazonaws.sesv2#TooManyRequestsException', message: 'Too Many Requests' } }],
  ['body __type only, 400 throttle', 400, 'transient', { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } }],
];

for (const [label, status, cls, reply] of errorReplies) {
  test(`ses: ${label} (${status}) is ${cls}, keyed on the error type`, async () => {
    fake.respond(() => reply);
    const receipt = await sendWithTimeout(provider(), message);
    assert.equal(receipt.successful, false);
    if (receipt.successful) return;
    assert.equal(receipt.error.class, cls);
    assert.equal(receipt.error.statusCode, status);
    const type = reply.headers?.['x-amzn-errortype']?.split(':')[0] ?? String((reply.body as { __type: string }).__type).split('#').pop()!;
    assert.match(receipt.error.message, new RegExp(`HTTP ${status}: ${type}: ${(reply.body as { message: string }).message.slice(0, 20)}`));
    assert.doesNotMatch(receipt.error.message, /internal\.amazon\.com/);
    assert.doesNotMatch(receipt.error.message, new RegExp(SECRET.replace(/\//g, '\\/')));
    if (reply.headers?.['retry-after']) assert.equal(receipt.error.retryAfterMs, 2000);
  });
}

networkFailureTests('ses', () => fake, (baseUrl, timeoutMs) => sendWithTimeout(provider(baseUrl ? { base_url: baseUrl } : undefined), message, undefined, timeoutMs));

test('ses: verify signs GET /v2/email/account', async () => {
  const before = fake.requests.length;
  fake.respond((req) =>
    req.path === '/v2/email/account'
      ? { status: 200, body: { SendingEnabled: true, ProductionAccessEnabled: true, SendQuota: { Max24HourSend: 50000, MaxSendRate: 14, SentLast24Hours: 3 } } }
      : { status: 404 },
  );
  const good = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(good.ok, true);
  const req = fake.requests[before];
  assert.equal(req.method, 'GET');
  assert.equal(req.body.length, 0);
  assert.equal(await assertSignedBy(req, SECRET), true);
  assert.match(good.checked, /GET .*\/v2\/email\/account signed with SigV4/);

  fake.respond(() => ({ status: 200, body: { SendingEnabled: true, ProductionAccessEnabled: false } }));
  const sandbox = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(sandbox.ok, true);
  assert.match(sandbox.checked, /sandbox/);

  fake.respond(() => ({ status: 200, body: { SendingEnabled: false, ProductionAccessEnabled: true } }));
  const paused = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(paused.ok, false);
  assert.match(paused.error!, /sending is disabled/);

  fake.respond(() => amzError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'));
  const bad = await provider().verify(AbortSignal.timeout(2000));
  assert.equal(bad.ok, false);
  assert.match(bad.error!, /403: UnrecognizedClientException: The security token/);
});

test('ses: the default endpoint is email.{region}.amazonaws.com, signed for that region', async () => {
  let url = '';
  let auth = '';
  const ctx = { ...testContext(), fetch: (async (u: string | URL | Request, init?: RequestInit) => {
    url = String(u);
    auth = new Headers(init?.headers).get('authorization') ?? '';
    return Response.json({ MessageId: 'm' });
  }) as typeof fetch };
  const p = ses.create(
    { id: 's', name: 's', type: 'ses', enabled: true, weight: 1, access_key_id: 'AKID', secret_access_key: 'x', region: 'eu-west-1' },
    ctx,
  );
  assert.deepEqual(await sendWithTimeout(p, message), { successful: true, messageId: 'm' });
  assert.equal(url, 'https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails');
  assert.match(auth, /Credential=AKID\/\d{8}\/eu-west-1\/ses\/aws4_request/);
});

test('ses: an invalid region is a permanent config failure and sends nothing', async () => {
  let called = false;
  const ctx = { ...testContext(), fetch: (async () => {
    called = true;
    return Response.json({});
  }) as typeof fetch };
  const p = ses.create(
    { id: 's', name: 's', type: 'ses', enabled: true, weight: 1, access_key_id: 'AKID', secret_access_key: 'x', region: 'evil.com/x' },
    ctx,
  );
  const receipt = await sendWithTimeout(p, message);
  assert.equal(called, false);
  assert.equal(receipt.successful, false);
  if (!receipt.successful) assert.deepEqual([receipt.error.code, receipt.error.class], ['config', 'permanent']);
  assert.equal((await p.verify(AbortSignal.timeout(1000))).ok, false);
});
