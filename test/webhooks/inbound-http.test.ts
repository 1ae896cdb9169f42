// End to end against the real server: each provider sends through a local fake that answers with a
// message id, then its signed webhook lands the right event on the right email; bad signatures, tampered
// bodies and stale timestamps are 401 and change nothing; a hard bounce suppresses the address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, waitFor, type RunningServer } from '../support/server.js';
import { configOf, email, fakeFor, send, serverFor } from '../support/fixtures.js';
import { startHttpFake, type RecordedRequest } from '../fakes/http-fake.js';
import { basic, mailgunSignature, mailtrapSignature, nowSeconds, SNS_CERT, sendgridKeys, snsMessage, svixHeaders } from '../fakes/webhook-signers.js';

const RESEND_SECRET = 'whsec_' + Buffer.from('resend-webhook-secret-for-tests').toString('base64');
const MAILGUN_KEY = 'mailgun-signing-key-for-tests';
const MAILTRAP_SECRET = '0123456789abcdef0123456789abcdef';
const BREVO_TOKEN = 'brevo-bearer-token-for-tests';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-events';
const sendgrid = sendgridKeys();

/** What each provider's API answers on success: the message id the gateway stores. */
function providerApi(req: RecordedRequest) {
  const n = Math.random().toString(36).slice(2, 10);
  if (req.path === '/emails') return { status: 200, body: { id: `resend-${n}` } };
  if (req.path === '/v3/mail/send') return { status: 202, headers: { 'x-message-id': `SG${n}` } };
  if (req.path === '/email') return { status: 200, body: { MessageID: `pm-${n}`, ErrorCode: 0, Message: 'OK' } };
  if (req.path.startsWith('/v3/mg.example.com/messages')) return { status: 200, body: { id: `<${n}@mg.example.com>`, message: 'Queued' } };
  if (req.path === '/v2/email/outbound-emails') return { status: 200, body: { MessageId: `ses-${n}` } };
  if (req.path === '/v3/smtp/email') return { status: 201, body: { messageId: `<${n}@smtp-relay.mailin.fr>` } };
  if (req.path === '/api/send') return { status: 200, body: { success: true, message_ids: [`mt-${n}`] } };
  return { status: 404, body: {} };
}

async function gateway(t: any): Promise<{ s: RunningServer; sns: { url: string; confirmations: string[] } }> {
  const fake = await fakeFor(t, () => startHttpFake(providerApi));
  // SNS stand-in: serves the signing certificate and counts SubscribeURL confirmations.
  const confirmations: string[] = [];
  const snsServer = createServer((req, res) => {
    if (req.url === '/cert.pem') return res.writeHead(200, { 'content-type': 'text/plain' }).end(SNS_CERT);
    if (req.url?.startsWith('/confirm')) {
      confirmations.push(req.url);
      return res.writeHead(200, { 'content-type': 'text/xml' }).end('<ConfirmSubscriptionResponse/>');
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => snsServer.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => snsServer.close(r)));
  const snsHost = `127.0.0.1:${(snsServer.address() as AddressInfo).port}`;
  const base = { base_url: fake.url };
  const providers = [
    { id: 'resend', name: 'Resend', type: 'resend', api_key: 're_test_key_0123456789', webhook_secret: RESEND_SECRET, ...base },
    { id: 'sendgrid', name: 'SendGrid', type: 'sendgrid', api_key: 'SG.test_key_0123456789', webhook_public_key: sendgrid.publicBase64, ...base },
    { id: 'postmark', name: 'Postmark', type: 'postmark', api_key: 'pm-test-token-0123456789', webhook_username: 'pmhook', webhook_password: 'pm-webhook-password-0123', ...base },
    { id: 'mailgun', name: 'Mailgun', type: 'mailgun', api_key: 'mg-test-key-0123456789', domain: 'mg.example.com', webhook_signing_key: MAILGUN_KEY, ...base },
    { id: 'ses', name: 'SES', type: 'ses', access_key_id: 'AKIATEST', secret_access_key: 'ses-secret-key-0123456789', region: 'us-east-1', sns_topic_arn: TOPIC, ...base },
    { id: 'brevo', name: 'Brevo', type: 'brevo', api_key: 'xkeysib-test-0123456789', webhook_token: BREVO_TOKEN, ...base },
    { id: 'mailtrap', name: 'Mailtrap', type: 'mailtrap', api_key: 'mt-test-token-0123456789', webhook_signing_secret: MAILTRAP_SECRET, ...base },
    { id: 'nohook', name: 'No hook', type: 'resend', api_key: 're_test_key_nohook_0123', ...base },
  ];
  const rules = providers.map((p) => ({ match: { tag: { via: p.id } }, providers: [p.id] }));
  const s = await serverFor(t, { config: configOf(providers, { rules }), env: { SNS_CERT_HOSTS: snsHost } });
  return { s, sns: { url: `http://${snsHost}`, confirmations } };
}

async function sendVia(s: RunningServer, via: string, to = `${via}-rcpt@example.org`) {
  const r = await send(s, email({ to: [to], tags: { via } }));
  assert.equal(r.status, 200, r.text);
  return { logId: r.json.log_id as number, messageId: r.json.message_id as string, to };
}

const hook = (s: RunningServer, id: string, body: string, headers: Record<string, string>) =>
  api(s.url, 'POST', `/webhooks/${id}`, body, { 'content-type': 'application/json', ...headers });
const detail = async (s: RunningServer, id: number) => (await api(s.url, 'GET', `/api/logs/${id}`)).json;

test('every provider: a signed webhook stores its event on the right email; bad, tampered and stale are 401 and change nothing', async (t) => {
  const { s, sns } = await gateway(t);
  const other = await sendVia(s, 'resend', 'bystander@example.org');
  const cases: Record<string, (m: { messageId: string; to: string }) => { body: string; headers: Record<string, string>; bad: Record<string, string>; tampered?: string; stale?: Record<string, string> }> = {
    resend: ({ messageId, to }) => {
      const body = JSON.stringify({ type: 'email.delivered', created_at: new Date().toISOString(), data: { email_id: messageId, to: [to] } });
      return { body, headers: svixHeaders(RESEND_SECRET, body), bad: svixHeaders('whsec_' + Buffer.from('wrong').toString('base64'), body), tampered: body.replace('delivered', 'opened'), stale: svixHeaders(RESEND_SECRET, body, 'msg_stale', nowSeconds() - 600) };
    },
    sendgrid: ({ messageId, to }) => {
      const body = JSON.stringify([{ email: to, timestamp: nowSeconds(), event: 'delivered', sg_event_id: 'ev1', sg_message_id: `${messageId}.filterdrecv-1.0` }]);
      return { body, headers: sendgrid.headers(body), bad: sendgridKeys().headers(body), tampered: body.replace('delivered', 'deferred'), stale: sendgrid.headers(body, nowSeconds() - 600) };
    },
    postmark: ({ messageId, to }) => {
      const body = JSON.stringify({ RecordType: 'Delivery', MessageID: messageId, Recipient: to, DeliveredAt: new Date().toISOString(), Details: 'smtp;250 OK' });
      return { body, headers: { authorization: basic('pmhook', 'pm-webhook-password-0123') }, bad: { authorization: basic('pmhook', 'wrong') } };
    },
    mailgun: ({ messageId, to }) => {
      const data = { event: 'delivered', id: 'mgev1', timestamp: nowSeconds(), recipient: to, message: { headers: { 'message-id': messageId.slice(1, -1) } } };
      const body = JSON.stringify({ signature: mailgunSignature(MAILGUN_KEY), 'event-data': data });
      const bad = JSON.stringify({ signature: mailgunSignature('wrong-key'), 'event-data': data });
      const stale = JSON.stringify({ signature: mailgunSignature(MAILGUN_KEY, nowSeconds() - 600), 'event-data': data });
      return { body, headers: {}, bad: {}, badBody: bad, staleBody: stale } as any;
    },
    ses: ({ messageId, to }) => {
      const inner = { eventType: 'Delivery', mail: { messageId, destination: [to] }, delivery: { timestamp: new Date().toISOString(), recipients: [to], smtpResponse: '250 ok' } };
      const msg = snsMessage({ Type: 'Notification', MessageId: 'sns-1', TopicArn: TOPIC, Message: JSON.stringify(inner), Timestamp: new Date().toISOString() }, `${sns.url}/cert.pem`);
      const body = JSON.stringify(msg);
      return { body, headers: { 'content-type': 'text/plain; charset=UTF-8' }, bad: { 'content-type': 'text/plain; charset=UTF-8' }, badBody: JSON.stringify({ ...msg, Signature: snsMessage({ ...msg, MessageId: 'x' }, msg.SigningCertURL).Signature }), tampered: body.replace('250 ok', '250 OK') } as any;
    },
    brevo: ({ messageId, to }) => {
      const body = JSON.stringify({ event: 'delivered', email: to, 'message-id': messageId, ts_epoch: Date.now() });
      return { body, headers: { authorization: `Bearer ${BREVO_TOKEN}` }, bad: { authorization: 'Bearer nope' } };
    },
    mailtrap: ({ messageId, to }) => {
      const body = JSON.stringify({ events: [{ event: 'delivery', message_id: messageId, email: to, timestamp: nowSeconds(), event_id: 'mt1' }] });
      return { body, headers: { 'mailtrap-signature': mailtrapSignature(MAILTRAP_SECRET, body) }, bad: { 'mailtrap-signature': mailtrapSignature('f'.repeat(32), body) }, tampered: body.replace('delivery', 'spam') };
    },
  };
  for (const [id, build] of Object.entries(cases)) {
    const sent = await sendVia(s, id);
    const c = build(sent) as ReturnType<typeof build> & { badBody?: string; staleBody?: string };
    const refusals: [string, string, Record<string, string>][] = [['bad signature', c.badBody ?? c.body, c.bad]];
    if (c.tampered) refusals.push(['tampered body', c.tampered, c.headers]);
    if (c.stale) refusals.push(['stale timestamp', c.body, c.stale]);
    if (c.staleBody) refusals.push(['stale timestamp', c.staleBody, c.headers]);
    for (const [what, body, headers] of refusals) {
      const r = await hook(s, id, body, headers);
      assert.equal(r.status, 401, `${id} ${what}: ${r.text}`);
    }
    assert.deepEqual((await detail(s, sent.logId)).events, [], `${id}: a refused webhook changed nothing`);
    const ok = await hook(s, id, c.body, c.headers);
    assert.equal(ok.status, 200, `${id}: ${ok.text}`);
    const d = await detail(s, sent.logId);
    assert.equal(d.events.length, 1, `${id}: ${JSON.stringify(d.events)}`);
    assert.deepEqual([d.events[0].type, d.events[0].recipient, d.events[0].provider_id], ['delivered', sent.to, id]);
    assert.equal(d.delivery_status, 'delivered');
    // The provider retries: stored once.
    assert.equal((await hook(s, id, c.body, c.headers)).status, 200);
    assert.equal((await detail(s, sent.logId)).events.length, 1, `${id}: duplicate stored once`);
  }
  assert.deepEqual((await detail(s, other.logId)).events, [], 'no event landed on another email');
  const list = await api(s.url, 'GET', '/api/logs?delivery_status=delivered&limit=50');
  assert.equal(list.json.total, 7);
  assert.ok(list.json.logs.every((l: any) => l.delivery_status === 'delivered'));

  // Unknown message id: 200 (the provider must not retry) and counted.
  const unknown = JSON.stringify({ events: [{ event: 'delivery', message_id: 'never-sent', email: 'x@example.org', timestamp: nowSeconds(), event_id: 'u1' }] });
  const u = await hook(s, 'mailtrap', unknown, { 'mailtrap-signature': mailtrapSignature(MAILTRAP_SECRET, unknown) });
  assert.equal(u.status, 200);
  const metrics = (await api(s.url, 'GET', '/metrics')).text;
  assert.match(metrics, /protopost_delivery_events_total\{provider="Mailtrap",type="delivered",outcome="unknown_message"\} 1/);
  assert.match(metrics, /protopost_delivery_events_total\{provider="Resend",type="delivered",outcome="stored"\} 1/);
  assert.match(metrics, /protopost_webhook_requests_total\{provider="SendGrid",result="refused_401"\} 3/);

  // No webhook secret: 404; unknown provider: 404.
  assert.equal((await hook(s, 'nohook', '{}', {})).status, 404);
  assert.equal((await hook(s, 'missing', '{}', {})).status, 404);
  // Over 1 MiB: 413.
  assert.equal((await hook(s, 'brevo', 'x'.repeat(1024 * 1024 + 1), { authorization: `Bearer ${BREVO_TOKEN}` })).status, 413);
  // Secrets are masked; the public key, username and topic are not.
  const cfg = (await api(s.url, 'GET', '/api/config')).json;
  const byId = Object.fromEntries(cfg.providers.map((p: any) => [p.id, p]));
  assert.notEqual(byId.resend.webhook_secret, RESEND_SECRET);
  assert.notEqual(byId.brevo.webhook_token, BREVO_TOKEN);
  assert.notEqual(byId.mailgun.webhook_signing_key, MAILGUN_KEY);
  assert.equal(byId.sendgrid.webhook_public_key, sendgrid.publicBase64);
  assert.equal(byId.ses.sns_topic_arn, TOPIC);
  assert.ok(!JSON.stringify(cfg).includes('pm-webhook-password-0123'));
});

test('ses: SubscriptionConfirmation for our topic is confirmed by fetching SubscribeURL; another topic is 403', async (t) => {
  const { s, sns } = await gateway(t);
  const confirm = (topic: string) =>
    JSON.stringify(snsMessage({ Type: 'SubscriptionConfirmation', MessageId: 'c1', Token: 'tok', TopicArn: topic, Message: 'confirm', SubscribeURL: `${sns.url}/confirm?Token=tok`, Timestamp: new Date().toISOString() }, `${sns.url}/cert.pem`, '1'));
  const other = await hook(s, 'ses', confirm('arn:aws:sns:us-east-1:123456789012:other'), { 'content-type': 'text/plain; charset=UTF-8' });
  assert.equal(other.status, 403);
  assert.equal(sns.confirmations.length, 0);
  const ok = await hook(s, 'ses', confirm(TOPIC), { 'content-type': 'text/plain; charset=UTF-8' });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(sns.confirmations, ['/confirm?Token=tok']);
});

test('a hard bounce suppresses the address: the next send drops it, one to only that address is 422 and stores nothing', async (t) => {
  const { s } = await gateway(t);
  const sent = await sendVia(s, 'brevo', 'Bounced@Example.org');
  const body = JSON.stringify({ event: 'hard_bounce', email: 'bounced@example.org', 'message-id': sent.messageId, ts_epoch: Date.now(), reason: '550 5.1.1 no such user' });
  assert.equal((await hook(s, 'brevo', body, { authorization: `Bearer ${BREVO_TOKEN}` })).status, 200);
  const d = await detail(s, sent.logId);
  assert.deepEqual([d.delivery_status, d.events[0].bounce_type], ['bounced', 'hard']);
  const list = await api(s.url, 'GET', '/api/suppressions?q=bounced');
  assert.equal(list.json.total, 1);
  assert.deepEqual([list.json.suppressions[0].reason, list.json.suppressions[0].provider_id, list.json.suppressions[0].log_id], ['hard_bounce', 'brevo', sent.logId]);

  // Through another provider, case-insensitively: dropped, listed as suppressed.
  const mixed = await send(s, email({ to: ['BOUNCED@example.org', 'fine@example.org'], tags: { via: 'resend' } }));
  assert.equal(mixed.status, 200, mixed.text);
  assert.deepEqual(mixed.json.suppressed, ['bounced@example.org']);
  const mixedLog = await detail(s, mixed.json.log_id);
  assert.deepEqual([mixedLog.to_addresses, mixedLog.suppressed], [['fine@example.org'], ['bounced@example.org']]);
  const before = (await api(s.url, 'GET', '/api/logs?limit=1')).json.total;
  const only = await send(s, email({ to: ['bounced@example.org'], tags: { via: 'resend' } }));
  assert.equal(only.status, 422, only.text);
  assert.deepEqual([only.json.detail[0].type, only.json.detail[0].loc], ['suppressed', ['body', 'to']]);
  assert.equal((await api(s.url, 'GET', '/api/logs?limit=1')).json.total, before, 'nothing stored');

  // Managed by API: remove, then the address receives again; add by hand (manual).
  assert.equal((await api(s.url, 'DELETE', '/api/suppressions/BOUNCED@EXAMPLE.ORG')).status, 200);
  assert.equal((await api(s.url, 'DELETE', '/api/suppressions/bounced@example.org')).status, 404);
  assert.equal((await send(s, email({ to: ['bounced@example.org'], tags: { via: 'resend' } }))).status, 200);
  const added = await api(s.url, 'POST', '/api/suppressions', { email: 'Manual@Example.org' });
  assert.equal(added.status, 201, added.text);
  assert.equal(added.json.suppression.reason, 'manual');
  assert.equal((await api(s.url, 'POST', '/api/suppressions', { email: 'not an address' })).status, 422);
  assert.equal((await send(s, email({ to: ['manual@example.org'] }))).status, 422);
  await waitFor(async () => (await api(s.url, 'GET', '/api/suppressions')).json.total === 1, 2000, 'one suppression');
});
