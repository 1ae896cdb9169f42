import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { simpleParser } from 'mailparser';
import { startSmtpSink, type SmtpSink } from '../fakes/smtp-sink.js';
import { customSmtp, customSmtpOptions, gmail, gmailOptions, smtpFailure, toMailOptions } from '../../src/providers/smtp.js';
import { resolveSecrets } from '../../src/providers/registry.js';
import { createMessage, type Message } from '../../src/core/message.js';
import type { ProviderConfig } from '../../src/core/provider.js';
import { sendWithTimeout, testContext } from './helpers.js';

const message = createMessage({
  from: 'Alice <alice@example.com>',
  to: ['bob@example.org'],
  cc: ['carol@example.org'],
  bcc: ['dan@example.org'],
  reply_to: 'replies@example.com',
  subject: 'Hello',
  body_text: 'plain',
  body_html: '<p>html</p>',
  headers: { 'X-Campaign': 'spring' },
  attachments: [{ filename: 'a.txt', content: Buffer.from('hi').toString('base64'), content_type: 'text/plain' }],
});

let sink: SmtpSink;
let authSink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
  authSink = await startSmtpSink({ users: { mailer: 'right-password-123' } });
});
after(async () => {
  await sink.close();
  await authSink.close();
});

const entry = (port: number, extra: Record<string, unknown> = {}): ProviderConfig => ({
  id: 's1',
  name: 'SMTP',
  type: 'custom_smtp',
  enabled: true,
  weight: 100,
  smtp_host: '127.0.0.1',
  smtp_port: port,
  smtp_use_tls: false,
  smtp_use_ssl: false,
  ...extra,
});
const provider = (port: number, extra: Record<string, unknown> = {}) => customSmtp.create(entry(port, extra), testContext());

test('gmail: smtp.gmail.com:587, STARTTLS required (not implicit TLS), the address and app password as auth', () => {
  const c = { id: 'g', name: 'Gmail', type: 'gmail', enabled: true, weight: 100, gmail_address: 'me@gmail.com', gmail_app_password: 'abcd efgh ijkl mnop' };
  assert.deepEqual(gmailOptions(c), {
    host: 'smtp.gmail.com',
    port: 587,
    secure: false,
    requireTLS: true,
    auth: { user: 'me@gmail.com', pass: 'abcd efgh ijkl mnop' },
  });
  const p = gmail.create(c, testContext());
  assert.deepEqual([p.id, p.name, p.type], ['g', 'Gmail', 'gmail']);
  // An `env:` app password is read from the environment when the provider is built.
  const resolved = resolveSecrets({ ...c, gmail_app_password: 'env:TEST_GMAIL_PW' }, { TEST_GMAIL_PW: 'from-env-pw' });
  assert.equal(gmailOptions(resolved).auth?.pass, 'from-env-pw');
  assert.equal(gmail.fields.find((f) => f.name === 'gmail_app_password')?.secret, true);
});

test('custom_smtp: STARTTLS by default, implicit TLS with smtp_use_ssl, plain only when both are off', () => {
  const base = { id: 'x', name: 'x', type: 'custom_smtp', enabled: true, weight: 1, smtp_host: 'mail.example.com', smtp_port: 587 };
  const starttls = customSmtpOptions(base);
  assert.deepEqual([starttls.secure, starttls.requireTLS, starttls.ignoreTLS, starttls.auth], [false, true, false, undefined]);
  const ssl = customSmtpOptions({ ...base, smtp_port: 465, smtp_use_ssl: true, smtp_use_tls: false });
  assert.deepEqual([ssl.secure, ssl.requireTLS, ssl.ignoreTLS, ssl.port], [true, false, false, 465]);
  const plain = customSmtpOptions({ ...base, smtp_use_tls: false });
  assert.deepEqual([plain.secure, plain.requireTLS, plain.ignoreTLS], [false, false, true]);
  const authed = customSmtpOptions({ ...base, smtp_username: 'u', smtp_password: 'p' });
  assert.deepEqual(authed.auth, { user: 'u', pass: 'p' });
});

test('custom_smtp: delivers to the server, envelope has every recipient, Bcc not in the headers', async () => {
  const n = sink.received.length;
  const receipt = await sendWithTimeout(provider(sink.port), message);
  assert.equal(receipt.successful, true);
  const got = sink.received[n];
  assert.equal(got.from, 'alice@example.com');
  assert.deepEqual(got.to, ['bob@example.org', 'carol@example.org', 'dan@example.org']);
  const mail = await simpleParser(got.raw);
  if (receipt.successful) assert.equal(receipt.messageId, mail.messageId);
  assert.equal(mail.subject, 'Hello');
  assert.equal(mail.headers.get('x-campaign'), 'spring');
  assert.equal(mail.bcc, undefined);
  assert.equal(mail.attachments[0].content.toString(), 'hi');
  assert.equal(toMailOptions(message).envelope && (toMailOptions(message).envelope as any).from, 'alice@example.com');
});

test('custom_smtp: a message that came over SMTP is relayed byte for byte with its own envelope', async () => {
  const raw = Buffer.from('From: x@example.com\r\nTo: y@example.org\r\nSubject: raw\r\nX-Odd:   spacing kept\r\n\r\nbody line\r\n..leading dot\r\n');
  const relayed: Message = { ...message, raw, envelope: { from: 'bounce@example.com', to: ['y@example.org', 'hidden@example.org'] } };
  const n = sink.received.length;
  const receipt = await sendWithTimeout(provider(sink.port), relayed);
  assert.equal(receipt.successful, true);
  assert.equal(sink.received[n].from, 'bounce@example.com');
  assert.deepEqual(sink.received[n].to, ['y@example.org', 'hidden@example.org']);
  assert.equal(sink.received[n].raw.toString(), raw.toString());
});

test('custom_smtp: AUTH with username and password; a wrong password is a permanent auth failure without the password', async () => {
  const n = authSink.received.length;
  const good = await sendWithTimeout(provider(authSink.port, { smtp_username: 'mailer', smtp_password: 'right-password-123' }), message);
  assert.equal(good.successful, true);
  assert.equal(authSink.received[n].user, 'mailer');
  const bad = await sendWithTimeout(provider(authSink.port, { smtp_username: 'mailer', smtp_password: 'wrong-password-456' }), message);
  assert.ok(!bad.successful);
  if (bad.successful) return;
  assert.equal(bad.error.class, 'permanent');
  assert.equal(bad.error.code, 'smtp_auth');
  assert.doesNotMatch(bad.error.message, /wrong-password-456/);
  assert.equal(authSink.received.length, n + 1);
});

test('custom_smtp: a 4xx reply is transient, a 5xx permanent, each with its code', async () => {
  try {
    sink.failWith({ code: 451, message: 'try again later' });
    const soft = await sendWithTimeout(provider(sink.port), message);
    assert.ok(!soft.successful);
    if (!soft.successful) assert.deepEqual([soft.error.class, soft.error.statusCode, soft.error.code], ['transient', 451, 'smtp_451']);
    sink.failWith({ code: 550, message: 'mailbox unavailable' });
    const hard = await sendWithTimeout(provider(sink.port), message);
    assert.ok(!hard.successful);
    if (!hard.successful) {
      assert.deepEqual([hard.error.class, hard.error.statusCode], ['permanent', 550]);
      assert.match(hard.error.message, /mailbox unavailable/);
    }
  } finally {
    sink.failWith(null);
  }
});

test('custom_smtp: a refused connection is transient; STARTTLS required but not offered fails instead of sending in clear', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const refused = await sendWithTimeout(provider(port), message);
  assert.ok(!refused.successful);
  if (!refused.successful) assert.equal(refused.error.class, 'transient');

  const n = sink.received.length;
  const tls = await sendWithTimeout(provider(sink.port, { smtp_use_tls: true }), message);
  assert.equal(tls.successful, false);
  assert.equal(sink.received.length, n, 'nothing delivered without the required STARTTLS');
});

test('custom_smtp: a server that never answers DATA fails at the timeout, transient', async () => {
  const hang = await startSmtpSink({ hangOnData: true });
  try {
    const t0 = Date.now();
    const receipt = await sendWithTimeout(provider(hang.port, { timeout_ms: 300 }), message, undefined, 300);
    assert.ok(!receipt.successful);
    if (!receipt.successful) assert.deepEqual([receipt.error.code, receipt.error.class], ['timeout', 'transient']);
    assert.ok(Date.now() - t0 < 3000, 'ended near its timeout');
  } finally {
    await hang.close();
  }
});

test('custom_smtp: verify connects (and authenticates) without sending', async () => {
  const n = authSink.received.length;
  const ok = await provider(authSink.port, { smtp_username: 'mailer', smtp_password: 'right-password-123' }).verify(AbortSignal.timeout(3000));
  assert.equal(ok.ok, true, ok.error);
  assert.match(ok.checked, /AUTH/);
  const bad = await provider(authSink.port, { smtp_username: 'mailer', smtp_password: 'wrong-password-456' }).verify(AbortSignal.timeout(3000));
  assert.equal(bad.ok, false);
  assert.doesNotMatch(bad.error ?? '', /wrong-password-456/);
  assert.equal(authSink.received.length, n);
});

test('smtpFailure: classes from nodemailer errors', () => {
  assert.equal(smtpFailure({ code: 'EAUTH', responseCode: 535, response: '535 bad' }, false).class, 'permanent');
  assert.equal(smtpFailure({ code: 'EENVELOPE', responseCode: 452, response: '452 full' }, false).class, 'transient');
  assert.equal(smtpFailure({ code: 'EMESSAGE', responseCode: 554, response: '554 spam' }, false).class, 'permanent');
  assert.equal(smtpFailure({ code: 'ECONNRESET', message: 'reset' }, false).class, 'transient');
  assert.deepEqual(smtpFailure(new Error('x'), true), { code: 'timeout', class: 'transient', message: 'timed out' });
});
