// Integration: SMTP ingress through real routing: relayed byte for byte to an SMTP provider, mapped into an
// HTTP provider's JSON, and the reply codes for provider failures (451 transient, 554 permanent, 451 none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { startHttpFake, type HttpFake } from '../fakes/http-fake.js';
import { startSmtpSink, type SmtpSink } from '../fakes/smtp-sink.js';
import { api } from '../support/server.js';
import { configOf, detail, logs, resendEntry, serverFor, smtpEntry, transport } from './helpers.js';

async function fakeFor(t: { after(fn: () => Promise<void>): void }, status = 200, body: unknown = { id: 're-msg-1' }): Promise<HttpFake> {
  const fake = await startHttpFake(() => ({ status, body }));
  t.after(() => fake.close());
  return fake;
}

async function sinkFor(t: { after(fn: () => Promise<void>): void }): Promise<SmtpSink> {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  return sink;
}

test('relay to a custom_smtp provider: the sink receives the exact bytes and the envelope (Bcc included)', async (t) => {
  const sink = await sinkFor(t);
  const s = await serverFor(t, { config: configOf([smtpEntry(sink.port)]) });
  // Odd on purpose: 8-bit bytes, a line starting with a dot, a long header, no trailing Date/Message-ID.
  const raw = Buffer.concat([
    Buffer.from('From: Sender <sender@example.com>\r\nTo: rcpt@example.org\r\nSubject: byte for byte\r\nX-Long: ' + 'z'.repeat(900) + '\r\n'),
    Buffer.from('Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
    Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a]),
    Buffer.from('.starts with a dot\r\n..two dots\r\nlast line\r\n'),
  ]);
  const info = await transport(s).sendMail({ envelope: { from: 'bounces@example.com', to: ['rcpt@example.org', 'hidden@example.net'] }, raw });
  assert.match(info.response, /^250 .*delivered via SMTP sink/);

  assert.equal(sink.received.length, 1);
  const got = sink.received[0];
  assert.ok(got.raw.equals(raw), `relayed bytes differ:\n${got.raw.toString('latin1')}\n---\n${raw.toString('latin1')}`);
  assert.equal(got.from, 'bounces@example.com');
  assert.deepEqual(got.to, ['rcpt@example.org', 'hidden@example.net']);

  const summary = (await logs(s)).logs[0];
  assert.equal(summary.status, 'success');
  assert.equal(summary.source, 'smtp');
  assert.equal(summary.provider_name, 'SMTP sink');
});

test('a nodemailer-composed multipart message relays unchanged; Bcc stays in the envelope, never a header', async (t) => {
  const sink = await sinkFor(t);
  const s = await serverFor(t, { config: configOf([smtpEntry(sink.port)]) });
  const mail = new MailComposer({
    from: 'a@example.com',
    to: 'b@example.com',
    bcc: 'secret@example.com',
    subject: 'composed',
    text: 'text part',
    html: '<b>html part</b>',
    attachments: [{ filename: 'a.bin', content: Buffer.from([0, 1, 2, 3, 255]) }],
  }).compile();
  const raw = await mail.build();
  const envelope = mail.getEnvelope();
  const info = await transport(s).sendMail({ envelope: { from: envelope.from || '', to: envelope.to }, raw });
  assert.match(info.response, /^250 /);
  assert.ok(sink.received[0].raw.equals(raw), 'relayed bytes equal the composed bytes');
  assert.deepEqual([...sink.received[0].to].sort(), ['b@example.com', 'secret@example.com']);
  assert.doesNotMatch(sink.received[0].raw.toString('latin1'), /^Bcc:/im);
  const id = (await logs(s)).logs[0].id;
  const stored = Buffer.from(await (await fetch(`${s.url}/api/logs/${id}/raw`)).arrayBuffer());
  assert.ok(stored.equals(raw), 'GET /raw returns the same bytes');
});

test('mapping into an HTTP provider (Resend fake): subject, text, html, cc, reply-to, headers, attachment, Bcc from the envelope', async (t) => {
  const fake = await fakeFor(t);
  const s = await serverFor(t, { config: configOf([resendEntry(fake.url)]) });
  const info = await transport(s).sendMail({
    from: 'App <app@example.com>',
    to: 'Bob <bob@example.org>',
    cc: 'carol@example.org',
    bcc: 'audit@example.net',
    replyTo: 'support@example.com',
    subject: 'Mapped',
    text: 'the text',
    html: '<p>the html</p>',
    headers: { 'X-Entity-Ref-ID': 'abc-123' },
    attachments: [{ filename: 'report.csv', content: 'a,b\n1,2\n', contentType: 'text/csv' }],
  });
  assert.match(info.response, /^250 .*delivered via Resend fake/);
  assert.equal(fake.requests.length, 1);
  const body = fake.requests[0].json;
  assert.equal(fake.requests[0].path, '/emails');
  assert.equal(body.from, 'App <app@example.com>');
  assert.deepEqual(body.to, ['Bob <bob@example.org>']);
  assert.deepEqual(body.cc, ['carol@example.org']);
  assert.deepEqual(body.bcc, ['audit@example.net']);
  assert.equal(body.reply_to, 'support@example.com');
  assert.equal(body.subject, 'Mapped');
  assert.equal(body.text.trim(), 'the text');
  assert.equal(body.html.trim(), '<p>the html</p>');
  assert.equal(body.headers['X-Entity-Ref-ID'], 'abc-123');
  assert.deepEqual(body.attachments, [{ filename: 'report.csv', content: Buffer.from('a,b\n1,2\n').toString('base64'), content_type: 'text/csv' }]);

  const d = await detail(s, (await logs(s)).logs[0].id);
  assert.equal(d.status, 'success');
  assert.equal(d.message_id, 're-msg-1');
  assert.deepEqual(d.bcc, ['audit@example.net']);
});

test('every provider failed with a transient error (HTTP 500): 451, and the attempt is logged as failed', async (t) => {
  const fake = await fakeFor(t, 500, { message: 'upstream down' });
  const s = await serverFor(t, { config: configOf([resendEntry(fake.url)]) });
  await assert.rejects(transport(s).sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'retry me', text: 'x' }), (err: any) => {
    assert.equal(err.responseCode, 451);
    assert.match(err.response, /try again later/);
    return true;
  });
  const summary = (await logs(s)).logs[0];
  assert.equal(summary.status, 'failed');
  assert.equal(summary.source, 'smtp');
  assert.equal(summary.attempt_count, 1);
});

test('every provider failed permanently (HTTP 422): 554', async (t) => {
  const fake = await fakeFor(t, 422, { message: 'invalid from' });
  const s = await serverFor(t, { config: configOf([resendEntry(fake.url)]) });
  await assert.rejects(transport(s).sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'no', text: 'x' }), (err: any) => {
    assert.equal(err.responseCode, 554);
    assert.match(err.response, /invalid from/);
    return true;
  });
  assert.equal((await logs(s)).logs[0].status, 'failed');
});

test('no active provider: 451 with a clear text, nothing logged; sandbox toggled on through the API: 250', async (t) => {
  const s = await serverFor(t, { config: configOf([]) });
  const mail = { from: 'a@example.com', to: 'b@example.com', subject: 'nowhere', text: 'x' };
  await assert.rejects(transport(s).sendMail(mail), (err: any) => {
    assert.equal(err.responseCode, 451);
    assert.match(err.response, /No active email providers/);
    return true;
  });
  assert.equal((await api(s.url, 'GET', '/api/logs')).json.total, 0);

  assert.equal((await api(s.url, 'POST', '/api/config/routing', { mode: 'smart', sandbox: true })).status, 200);
  assert.match((await transport(s).sendMail(mail)).response, /^250 .*sandbox/);
  assert.equal((await logs(s)).logs[0].status, 'sandbox');
});
