// Every message field (cc, bcc, reply_to, headers, attachments, tags) from POST /api/send to the provider:
// Resend and Mailtrap against fakes that check the exact request, custom_smtp into a real SMTP sink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser, type AddressObject } from 'mailparser';
import { api } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { startSmtpSink } from '../fakes/smtp-sink.js';
import { apiKey, configOf, fakeFor, mailtrapEntry, resendEntry, send, serverFor, smtpEntry } from '../support/fixtures.js';

const PDF = Buffer.from('%PDF-1.4\n' + '\u0000\u00ff binary \u0001'.repeat(20), 'latin1');
const FULL = {
  from: 'Alice Sender <alice@example.com>',
  to: ['Bob <bob@example.org>', 'carol@example.org'],
  cc: ['Dan <dan@example.org>'],
  bcc: ['eve@example.org'],
  reply_to: 'Replies <replies@example.com>',
  subject: 'Quarterly report – ünïcode',
  body_text: 'Plain text body',
  body_html: '<p>HTML <b>body</b></p>',
  headers: { 'X-Campaign': 'spring-2025', 'X-Entity-Ref-ID': 'abc-123' },
  attachments: [
    { filename: 'report.pdf', content: PDF.toString('base64'), content_type: 'application/pdf' },
    { filename: 'notes.txt', content: Buffer.from('hello notes').toString('base64') },
  ],
  tags: { category: 'reports', tenant: 'acme' },
};

test('resend: every field in the Resend shape, Bearer key, message id from the answer', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(() => ({ status: 200, body: { id: '4ef9a417-02e9-4d39-ad75-9611e0fcc33c' } })));
  const s = await serverFor(t, { config: configOf([resendEntry('r', fake)]) });
  const r = await send(s, FULL);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.message_id, '4ef9a417-02e9-4d39-ad75-9611e0fcc33c');
  assert.equal(fake.requests.length, 1);
  const req = fake.requests[0];
  assert.equal(req.path, '/emails');
  assert.equal(req.headers.authorization, `Bearer ${apiKey('r')}`);
  assert.match(String(req.headers['content-type']), /^application\/json/);
  assert.deepEqual(req.json, {
    from: 'Alice Sender <alice@example.com>',
    to: ['Bob <bob@example.org>', 'carol@example.org'],
    cc: ['Dan <dan@example.org>'],
    bcc: ['eve@example.org'],
    reply_to: 'Replies <replies@example.com>',
    subject: 'Quarterly report – ünïcode',
    text: 'Plain text body',
    html: '<p>HTML <b>body</b></p>',
    headers: { 'X-Campaign': 'spring-2025', 'X-Entity-Ref-ID': 'abc-123' },
    attachments: [
      { filename: 'report.pdf', content: PDF.toString('base64'), content_type: 'application/pdf' },
      { filename: 'notes.txt', content: Buffer.from('hello notes').toString('base64'), content_type: 'application/octet-stream' },
    ],
    tags: [
      { name: 'category', value: 'reports' },
      { name: 'tenant', value: 'acme' },
    ],
  });
});

test('mailtrap: every field in the Mailtrap shape, Api-Token header, category from the tags', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(() => ({ status: 200, body: { success: true, message_ids: ['mt-1', 'mt-2'] } })));
  const entry = mailtrapEntry('m', fake);
  const s = await serverFor(t, { config: configOf([entry]) });
  const r = await send(s, FULL);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.message_id, 'mt-1');
  assert.deepEqual(r.json.provider, { id: 'm', name: 'Mailtrap m', type: 'mailtrap' });
  const req = fake.requests[0];
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/api/send');
  assert.equal(req.headers['api-token'], entry.api_key);
  assert.match(String(req.headers['user-agent']), /^protopost\//);
  assert.deepEqual(req.json, {
    from: { email: 'alice@example.com', name: 'Alice Sender' },
    to: [{ email: 'bob@example.org', name: 'Bob' }, { email: 'carol@example.org' }],
    cc: [{ email: 'dan@example.org', name: 'Dan' }],
    bcc: [{ email: 'eve@example.org' }],
    reply_to: { email: 'replies@example.com', name: 'Replies' },
    subject: 'Quarterly report – ünïcode',
    text: 'Plain text body',
    html: '<p>HTML <b>body</b></p>',
    headers: { 'X-Campaign': 'spring-2025', 'X-Entity-Ref-ID': 'abc-123' },
    attachments: [
      { content: PDF.toString('base64'), filename: 'report.pdf', type: 'application/pdf', disposition: 'attachment' },
      { content: Buffer.from('hello notes').toString('base64'), filename: 'notes.txt', type: 'application/octet-stream', disposition: 'attachment' },
    ],
    category: 'reports',
    custom_variables: { category: 'reports', tenant: 'acme' },
  });
});

const addresses = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => ({ address: v.address, name: v.name })));

test('custom_smtp: a MIME message with alternative bodies, attachments, Reply-To, custom headers, Bcc only in the envelope', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const s = await serverFor(t, { config: configOf([smtpEntry('smtp', sink.port)]) });
  const r = await send(s, FULL);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.provider, { id: 'smtp', name: 'SMTP smtp', type: 'custom_smtp' });
  assert.equal(sink.received.length, 1);
  const got = sink.received[0];
  assert.equal(got.from, 'alice@example.com');
  assert.deepEqual([...got.to].sort(), ['bob@example.org', 'carol@example.org', 'dan@example.org', 'eve@example.org']);

  const mail = await simpleParser(got.raw);
  assert.deepEqual(addresses(mail.from), [{ address: 'alice@example.com', name: 'Alice Sender' }]);
  assert.deepEqual(addresses(mail.to), [{ address: 'bob@example.org', name: 'Bob' }, { address: 'carol@example.org', name: '' }]);
  assert.deepEqual(addresses(mail.cc), [{ address: 'dan@example.org', name: 'Dan' }]);
  assert.equal(mail.bcc, undefined);
  assert.deepEqual(addresses(mail.replyTo), [{ address: 'replies@example.com', name: 'Replies' }]);
  assert.equal(mail.subject, 'Quarterly report – ünïcode');
  assert.equal(mail.text?.trim(), 'Plain text body');
  assert.equal(mail.html, '<p>HTML <b>body</b></p>');
  assert.equal(mail.headers.get('x-campaign'), 'spring-2025');
  assert.equal(mail.headers.get('x-entity-ref-id'), 'abc-123');
  assert.equal(r.json.message_id, mail.messageId);

  assert.deepEqual(
    mail.attachments.map((a) => [a.filename, a.content.toString('base64')]),
    [
      ['report.pdf', PDF.toString('base64')],
      ['notes.txt', Buffer.from('hello notes').toString('base64')],
    ],
  );
  assert.equal(mail.attachments[0].contentType, 'application/pdf');

  const raw = got.raw.toString('latin1');
  assert.match(raw, /multipart\/mixed/i);
  assert.match(raw, /multipart\/alternative/i);
  // mailparser guesses a type from the file name; the wire carries the declared default.
  assert.match(raw, /Content-Type: application\/octet-stream; name=notes\.txt/);
  // The top-level header block holds the message's own headers and the two custom ones, once each, nothing else.
  const headerBlock = raw.slice(0, raw.indexOf('\r\n\r\n'));
  const names = headerBlock.split('\r\n').filter((l) => !/^[ \t]/.test(l)).map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
  assert.deepEqual(
    [...names].sort(),
    ['cc', 'content-type', 'date', 'from', 'message-id', 'mime-version', 'reply-to', 'subject', 'to', 'x-campaign', 'x-entity-ref-id'],
  );
  assert.doesNotMatch(headerBlock, /eve@example\.org/);

  // Tags go nowhere over SMTP (no standard header), but they are stored with the email.
  const log = await api(s.url, 'GET', `/api/logs/${r.json.log_id}`);
  assert.deepEqual(log.json.tags, { category: 'reports', tenant: 'acme' });
});

test('custom_smtp: authenticates with the stored username and password', async (t) => {
  const sink = await startSmtpSink({ users: { mailer: 'smtp-pass-0123456789' } });
  t.after(() => sink.close());
  const s = await serverFor(t, {
    config: configOf([smtpEntry('auth', sink.port, { smtp_username: 'mailer', smtp_password: 'smtp-pass-0123456789' })]),
  });
  const r = await send(s, { from: 'a@example.com', to: ['b@example.org'], subject: 'auth', body_html: '<i>only html</i>' });
  assert.equal(r.status, 200, r.text);
  assert.equal(sink.received[0].user, 'mailer');
  const mail = await simpleParser(sink.received[0].raw);
  assert.equal(String(mail.html).trim(), '<i>only html</i>');
});
