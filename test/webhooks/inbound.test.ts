// Unit tests of the inbound verifiers: the providers' published test vectors where they exist, signatures
// built from each documented algorithm otherwise, and the normalised events each payload yields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProviderConfig } from '../../src/core/provider.js';
import { inboundScheme } from '../../src/webhooks/inbound/index.js';
import type { InboundContext, InboundVerdict } from '../../src/webhooks/inbound/scheme.js';
import { allowedSnsUrl, snsStringToSign } from '../../src/webhooks/inbound/ses.js';
import { basic, mailgunSignature, mailtrapSignature, sendgridKeys, svixHeaders, nowSeconds } from '../fakes/webhook-signers.js';

const provider = (type: string, fields: Record<string, unknown>): ProviderConfig => ({ id: `${type}-1`, name: type, type, enabled: true, weight: 100, ...fields });
const ctx = (now = Date.now()): InboundContext => ({ now: () => now, fetch: async () => { throw new Error('no network in unit tests'); }, snsCertHosts: [] });
const handle = (type: string, fields: Record<string, unknown>, headers: Record<string, string>, body: string, c = ctx()) =>
  inboundScheme(type)!.handle({ headers, body: Buffer.from(body) }, provider(type, fields), c);
const events = (v: InboundVerdict) => {
  assert.ok(v.ok, `expected acceptance, got ${JSON.stringify(v)}`);
  return v.events;
};
const refused = (v: InboundVerdict, status = 401) => assert.deepEqual(v.ok ? 'accepted' : v.status, status);

test('resend: the Standard Webhooks test vector verifies (clock frozen); tampered, other secret and stale are refused', async (t) => {
  // standard-webhooks libraries/javascript/src/webhook.test.ts "sign function works".
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const headers = { 'svix-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'svix-timestamp': '1614265330', 'svix-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };
  t.mock.timers.enable({ apis: ['Date'], now: 1614265330_000 });
  // Verified, but not a Resend event: 400, not 401.
  refused(await handle('resend', { webhook_secret: secret }, headers, '{"test": 2432232314}'), 400);
  refused(await handle('resend', { webhook_secret: secret }, headers, '{"test": 2432232315}'));
  refused(await handle('resend', { webhook_secret: 'whsec_' + Buffer.from('another key 0123456789').toString('base64') }, headers, '{"test": 2432232314}'));
  t.mock.timers.reset();
  refused(await handle('resend', { webhook_secret: secret }, headers, '{"test": 2432232314}'));
});

test('resend: one event per recipient, bounce type, click url, message id from data.email_id', async () => {
  const secret = 'whsec_' + Buffer.from('resend-test-secret-0123456789').toString('base64');
  const body = JSON.stringify({ type: 'email.bounced', created_at: '2026-11-22T23:41:12.126Z', data: { email_id: 'e-1', to: ['a@x.org', 'B <b@x.org>'], bounce: { type: 'Permanent', subType: 'General', message: 'no such user' } } });
  const got = events(await handle('resend', { webhook_secret: secret }, svixHeaders(secret, body), body));
  assert.deepEqual(got.map((e) => [e.type, e.bounce_type, e.recipient, e.message_key, e.occurred_at, e.detail]), [
    ['bounced', 'hard', 'a@x.org', 'e-1', '2026-11-22T23:41:12.126Z', 'no such user'],
    ['bounced', 'hard', 'b@x.org', 'e-1', '2026-11-22T23:41:12.126Z', 'no such user'],
  ]);
  const click = JSON.stringify({ type: 'email.clicked', created_at: '2026-11-22T23:41:12.126Z', data: { email_id: 'e-1', to: ['a@x.org'], click: { link: 'https://example.com/x', timestamp: '2026-11-22T23:45:00.000Z' } } });
  const [c] = events(await handle('resend', { webhook_secret: secret }, svixHeaders(secret, click), click));
  assert.deepEqual([c.type, c.url, c.occurred_at], ['clicked', 'https://example.com/x', '2026-11-22T23:45:00.000Z']);
  const stale = svixHeaders(secret, body, 'msg_1', nowSeconds() - 301);
  refused(await handle('resend', { webhook_secret: secret }, stale, body));
});

test('sendgrid: the SDK test vector verifies at its timestamp; stale, tampered and missing are refused', async () => {
  // sendgrid-nodejs packages/eventwebhook/src/eventwebhook.spec.js
  const key = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==';
  const body = '{"category":"example_payload","event":"test_event","message_id":"message_id"}';
  const headers = {
    'x-twilio-email-event-webhook-signature': 'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=',
    'x-twilio-email-event-webhook-timestamp': '1588788367',
  };
  // Verified; an object, not the array SendGrid posts: 400.
  refused(await handle('sendgrid', { webhook_public_key: key }, headers, body, ctx(1588788367_000)), 400);
  refused(await handle('sendgrid', { webhook_public_key: key }, headers, body.replace('test_event', 'test_evenT'), ctx(1588788367_000)));
  refused(await handle('sendgrid', { webhook_public_key: key }, headers, body, ctx(1588788367_000 + 301_000)));
  refused(await handle('sendgrid', { webhook_public_key: key }, {}, body, ctx(1588788367_000)));
});

test('sendgrid: array of events, sg_message_id suffix stripped, bounce vs blocked', async () => {
  const keys = sendgridKeys();
  const body = JSON.stringify([
    { email: 'a@x.org', timestamp: 1513299569, event: 'delivered', sg_event_id: 'e1', sg_message_id: 'W1wXG8PJSvCPX3ylM8yzlA.filterdrecv-p3mdw1-756b745b58-kmzbj-18-5B4E9B3D-1D.0', response: '250 OK' },
    { email: 'b@x.org', timestamp: 1513299569, event: 'bounce', type: 'blocked', sg_event_id: 'e2', sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0', reason: 'try later' },
    { email: 'c@x.org', timestamp: 1513299569, event: 'group_resubscribe', sg_message_id: 'x.filter1' },
  ]);
  const got = events(await handle('sendgrid', { webhook_public_key: keys.publicBase64 }, keys.headers(body), body));
  assert.deepEqual(got.map((e) => [e.type, e.bounce_type, e.message_key, e.occurred_at]), [
    ['delivered', null, 'W1wXG8PJSvCPX3ylM8yzlA', '2017-12-15T00:59:29.000Z'],
    ['bounced', 'soft', '14c5d75ce93.dfd.64b469', '2017-12-15T00:59:29.000Z'],
  ]);
});

test('postmark: Basic auth compared in full; Bounce with Inactive is hard; MessageId read case-insensitively', async () => {
  const fields = { webhook_username: 'pm', webhook_password: 'pm-secret-password' };
  const body = JSON.stringify({ RecordType: 'Bounce', ID: 42, Type: 'SoftBounce', Inactive: true, MessageId: '883953f4', Email: 'john@example.com', BouncedAt: '2014-08-01T13:28:10.2735393-04:00', Description: 'unknown user' });
  const [e] = events(await handle('postmark', fields, { authorization: basic('pm', 'pm-secret-password') }, body));
  assert.deepEqual([e.type, e.bounce_type, e.recipient, e.message_key, e.occurred_at], ['bounced', 'hard', 'john@example.com', '883953f4', '2014-08-01T17:28:10.273Z']);
  refused(await handle('postmark', fields, { authorization: basic('pm', 'pm-secret-passwore') }, body));
  refused(await handle('postmark', fields, { authorization: basic('pX', 'pm-secret-password') }, body));
  refused(await handle('postmark', fields, {}, body));
});

test('mailgun: the generated vector verifies at its timestamp; event-data mapped, message-id matched without brackets', async () => {
  const key = 'key-test-signing-key';
  const signature = { timestamp: '1529006854', token: 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0', signature: '303e584516337cf7db2ef44d700b0eb875f4f4bb88452aee18be47a60926f7c6' };
  const data = { event: 'failed', severity: 'permanent', reason: 'generic', id: 'ZDMq', timestamp: 1529006854.5, recipient: 'c@test.com', 'delivery-status': { message: 'smtp; 550 5.1.1 no such user' }, message: { headers: { 'message-id': '20221019211537.93011d31ea99c5a8@test.com' } } };
  const body = JSON.stringify({ signature, 'event-data': data });
  const [e] = events(await handle('mailgun', { webhook_signing_key: key }, {}, body, ctx(1529006854_000)));
  assert.deepEqual([e.type, e.bounce_type, e.message_key, e.detail], ['bounced', 'hard', '20221019211537.93011d31ea99c5a8@test.com', 'smtp; 550 5.1.1 no such user']);
  refused(await handle('mailgun', { webhook_signing_key: key }, {}, body, ctx(1529006854_000 + 301_000)));
  const forged = JSON.stringify({ signature: { ...signature, token: signature.token.replace('a8', 'b8') }, 'event-data': data });
  refused(await handle('mailgun', { webhook_signing_key: key }, {}, forged, ctx(1529006854_000)));
  const temp = JSON.stringify({ signature: mailgunSignature(key), 'event-data': { ...data, severity: 'temporary', timestamp: nowSeconds() } });
  assert.equal(events(await handle('mailgun', { webhook_signing_key: key }, {}, temp))[0].type, 'deferred');
});

test('brevo: bearer token; one object or a batched array; message-id brackets stripped; ts_epoch is the time', async () => {
  const fields = { webhook_token: 'brevo-token-0123456789' };
  const one = { email: 'e@gmail.com', 'message-id': '<202305311328.81899448177@smtp-relay.mailin.fr>', event: 'hard_bounce', ts_event: 1685539713, ts_epoch: 1685539713018, reason: '550 no such user' };
  const [e] = events(await handle('brevo', fields, { authorization: 'Bearer brevo-token-0123456789' }, JSON.stringify(one)));
  assert.deepEqual([e.type, e.bounce_type, e.message_key, e.occurred_at], ['bounced', 'hard', '202305311328.81899448177@smtp-relay.mailin.fr', '2023-05-31T13:28:33.018Z']);
  const batch = events(await handle('brevo', fields, { authorization: 'Bearer brevo-token-0123456789' }, JSON.stringify([one, { ...one, event: 'spam' }])));
  assert.deepEqual(batch.map((x) => x.type), ['bounced', 'complained']);
  refused(await handle('brevo', fields, { authorization: 'Bearer brevo-token-012345678' }, JSON.stringify(one)));
});

test('mailtrap: the generated HMAC vector; {"events":[…]} and JSON Lines; tampered refused', async () => {
  const secret = '0123456789abcdef0123456789abcdef';
  const body = '{"events":[{"event":"delivery","message_id":"1df37d17-0286-4d8b-8edf-bc4ec5be86e6"}]}';
  assert.equal(mailtrapSignature(secret, body), 'ad570745d19c2cd31a4432e37fa45aea3b7c780c891a4398f382d824c7ea9745');
  // No recipient in the vector: verified, nothing to store.
  assert.deepEqual(events(await handle('mailtrap', { webhook_signing_secret: secret }, { 'mailtrap-signature': 'ad570745d19c2cd31a4432e37fa45aea3b7c780c891a4398f382d824c7ea9745' }, body)), []);
  refused(await handle('mailtrap', { webhook_signing_secret: secret }, { 'mailtrap-signature': 'ad570745d19c2cd31a4432e37fa45aea3b7c780c891a4398f382d824c7ea9746' }, body));
  const lines = ['{"event":"soft bounce","message_id":"m1","email":"a@x.org","timestamp":1728669700,"event_id":"1"}', '{"event":"spam","message_id":"m1","email":"a@x.org","timestamp":1728669701,"event_id":"2"}'].join('\n');
  const got = events(await handle('mailtrap', { webhook_signing_secret: secret }, { 'mailtrap-signature': mailtrapSignature(secret, lines) }, lines));
  assert.deepEqual(got.map((e) => e.type), ['deferred', 'complained']);
});

test('ses: the SNS string to sign follows the AWS sample; certificate URLs only from SNS hosts or SNS_CERT_HOSTS', () => {
  const sample = { Type: 'Notification', MessageId: '4d4dc071-ddbf-465d-bba8-08f81c89da64', TopicArn: 'arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P', Subject: 'My subject', Message: 'My Test Message', Timestamp: '2019-01-31T04:37:04.321Z', UnsubscribeURL: 'https://x', SignatureVersion: '1' };
  assert.equal(snsStringToSign(sample), 'Message\nMy Test Message\nMessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\nSubject\nMy subject\nTimestamp\n2019-01-31T04:37:04.321Z\nTopicArn\narn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\nType\nNotification\n');
  assert.ok(allowedSnsUrl('https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem', [], true));
  assert.ok(allowedSnsUrl('https://sns.cn-north-1.amazonaws.com.cn/x.pem', [], true));
  for (const bad of ['http://sns.us-east-1.amazonaws.com/x.pem', 'https://sns.us-east-1.amazonaws.com.evil.com/x.pem', 'https://s3.amazonaws.com/x.pem', 'https://sns.us-east-1.amazonaws.com:8443/x.pem', 'https://sns.us-east-1.amazonaws.com/x.txt', 'http://127.0.0.1:9/x.pem']) {
    assert.equal(allowedSnsUrl(bad, [], true), undefined, bad);
  }
  assert.ok(allowedSnsUrl('http://127.0.0.1:9/x.pem', ['127.0.0.1:9'], true));
  assert.equal(allowedSnsUrl('http://127.0.0.1:10/x.pem', ['127.0.0.1:9'], true), undefined);
});

test('mailgun: a captured signature cannot carry another event (the body is unsigned); the identical retry passes', async () => {
  const key = 'mailgun-replay-key';
  const signature = mailgunSignature(key);
  const data = { event: 'delivered', id: 'ev-replay-1', timestamp: nowSeconds(), recipient: 'r@example.org', message: { headers: { 'message-id': 'm-replay' } } };
  const body = JSON.stringify({ signature, 'event-data': data });
  assert.equal(events(await handle('mailgun', { webhook_signing_key: key }, {}, body)).length, 1);
  assert.equal(events(await handle('mailgun', { webhook_signing_key: key }, {}, body)).length, 1, 'a retry of the same event');
  const forged = JSON.stringify({ signature, 'event-data': { ...data, id: 'ev-forged', event: 'complained' } });
  refused(await handle('mailgun', { webhook_signing_key: key }, {}, forged));
});
