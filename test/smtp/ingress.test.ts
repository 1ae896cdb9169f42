// Integration: the real server's SMTP listener with real clients (nodemailer, Python's smtplib, raw sockets),
// in sandbox mode: capture, auth, size limit, broken clients, concurrency, startup and shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { api, startServer, waitFor } from '../support/server.js';
import { createKey } from '../support/fixtures.js';
import { BEARER, detail, expectCode, logs, python, RawSmtp, SANDBOX, serverFor, TOKEN, transport, wire } from './helpers.js';

test('sandbox capture: nodemailer mail is logged with source smtp, every part shown, raw source returned byte for byte', async (t) => {
  const s = await serverFor(t, { config: SANDBOX });
  assert.ok(s.smtpPort! > 0, 'the log line names the real port');
  const info = await transport(s).sendMail({
    from: 'App <app@example.com>',
    to: 'Bob <bob@example.org>',
    cc: 'carol@example.org',
    replyTo: 'replies@example.com',
    subject: 'Your invoice ✓',
    text: 'Plain body',
    html: '<p>HTML body</p>',
    headers: { 'X-Invoice': '42' },
    attachments: [{ filename: 'invoice.txt', content: 'twelve bytes', contentType: 'text/plain' }],
  });
  assert.match(info.response, /^250 /);
  assert.match(info.response, /sandbox/);

  const list = await logs(s, 1, '&source=smtp');
  const summary = list.logs[0];
  assert.equal(summary.source, 'smtp');
  assert.equal(summary.status, 'sandbox');
  assert.equal(summary.subject, 'Your invoice ✓');
  assert.equal(summary.from_address, 'App <app@example.com>');
  assert.deepEqual(summary.to_addresses, ['bob@example.org', 'carol@example.org']);

  const d = await detail(s, summary.id);
  assert.equal(d.body_text.trim(), 'Plain body');
  assert.equal(d.body_html.trim(), '<p>HTML body</p>');
  assert.deepEqual(d.cc, ['carol@example.org']);
  assert.equal(d.reply_to, 'replies@example.com');
  assert.equal(d.headers['X-Invoice'], '42');
  assert.deepEqual(d.attachments, [{ filename: 'invoice.txt', content_type: 'text/plain', size: 12 }]);

  const raw = Buffer.from('From: a@example.com\r\nTo: b@example.com\r\nSubject: raw\r\nX-8bit: caf\xe9\r\n\r\n.leading dot\r\nline\r\n', 'latin1');
  await transport(s).sendMail({ envelope: { from: 'a@example.com', to: ['b@example.com'] }, raw });
  const second = (await logs(s, 2)).logs[0];
  const res = await fetch(`${s.url}/api/logs/${second.id}/raw`);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), raw);
});

test("Python's smtplib: send_message in sandbox, Bcc only in the envelope", async (t) => {
  const s = await serverFor(t, { config: SANDBOX });
  const out = await python(
    `
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m['From'] = 'Py <py@example.com>'
m['To'] = 'to@example.org'
m['Subject'] = 'from python'
m.set_content('python body')
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10) as c:
    c.send_message(m, to_addrs=['to@example.org', 'hidden@example.net'])
print('sent')
`,
    s.smtpPort!,
  );
  if (!out) return t.skip('python3 not installed');
  assert.equal(out.code, 0, out.stderr);
  const d = await detail(s, (await logs(s)).logs[0].id);
  assert.equal(d.subject, 'from python');
  assert.equal(d.source, 'smtp');
  assert.deepEqual(d.to_addresses, ['to@example.org', 'hidden@example.net']);
  assert.deepEqual(d.bcc, ['hidden@example.net']);
});

test('AUTH_TOKEN: MAIL without AUTH is 530, a wrong token 535, the token (any username) is accepted', async (t) => {
  const s = await serverFor(t, { config: SANDBOX, env: { AUTH_TOKEN: TOKEN } });
  const mail = { from: 'a@example.com', to: 'b@example.com', subject: 'auth', text: 'x' };

  await assert.rejects(transport(s).sendMail(mail), (err: any) => err.responseCode === 530);
  await assert.rejects(transport(s, { auth: { user: 'anyone', pass: 'wrong' } }).sendMail(mail), (err: any) => err.responseCode === 535);
  for (const method of ['PLAIN', 'LOGIN']) {
    const info = await transport(s, { auth: { user: `user-${method}`, pass: TOKEN }, authMethod: method }).sendMail(mail);
    assert.match(info.response, /^250 /, method);
  }
  const out = await python(
    `
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10) as c:
    try:
        c.login('whoever', 'nope')
    except smtplib.SMTPAuthenticationError as e:
        print('refused', e.smtp_code)
    c.login('whoever', '${TOKEN}')
    c.sendmail('a@example.com', ['b@example.com'], 'Subject: py auth\\r\\n\\r\\nbody\\r\\n')
print('sent')
`,
    s.smtpPort!,
  );
  if (out) {
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /refused 535/);
  }
  assert.equal((await logs(s, out ? 3 : 2, '', BEARER)).total, out ? 3 : 2, 'only the authenticated mail is logged');
  assert.ok(!s.logs.some((l) => JSON.stringify(l).includes(TOKEN)), 'the token never reaches the server log');
});

test('API keys as the AUTH password: a send key is accepted and named in the log, a read key is 535, a revoked key fails at once', async (t) => {
  const s = await serverFor(t, { config: SANDBOX, env: { AUTH_TOKEN: TOKEN } });
  const mail = { from: 'a@example.com', to: 'b@example.com', subject: 'keyed', text: 'x' };
  const billing = await createKey(s, 'billing-app', 'send', TOKEN);
  const reader = await createKey(s, 'reporting', 'read', TOKEN);
  const info = await transport(s, { auth: { user: 'billing', pass: billing.secret } }).sendMail(mail);
  assert.match(info.response, /^250 /);
  await transport(s, { auth: { user: 'x', pass: TOKEN } }).sendMail(mail);
  await assert.rejects(transport(s, { auth: { user: 'x', pass: reader.secret } }).sendMail(mail), (err: any) => err.responseCode === 535);
  const listed = await logs(s, 2, '', BEARER);
  assert.deepEqual(listed.logs.map((l: any) => [l.source, l.api_key]), [['smtp', 'AUTH_TOKEN'], ['smtp', 'billing-app']]);
  assert.equal((await logs(s, 1, '&api_key=billing-app', BEARER)).total, 1);

  // A session authenticated before the key was revoked cannot send after it.
  const c = await RawSmtp.open(s.smtpPort!);
  t.after(() => c.destroy());
  await c.command('EHLO raw.test');
  await expectCode(c.command(`AUTH PLAIN ${Buffer.from(`\0x\0${billing.secret}`).toString('base64')}`), 235);
  assert.equal((await api(s.url, 'DELETE', `/api/keys/${billing.key.id}`, undefined, BEARER)).status, 200);
  await expectCode(c.command('MAIL FROM:<a@example.com>'), 250);
  await expectCode(c.command('RCPT TO:<b@example.com>'), 250);
  await expectCode(c.command('DATA'), 354);
  c.write(wire(Buffer.from('Subject: after revocation\r\n\r\nx\r\n')));
  assert.equal((await c.reply()).code, 535);
  await assert.rejects(transport(s, { auth: { user: 'x', pass: billing.secret } }).sendMail(mail), (err: any) => err.responseCode === 535);
  assert.equal((await logs(s, 1, '&api_key=billing-app', BEARER)).total, 1, 'nothing sent after the revocation');
  assert.ok(!s.logs.some((l) => JSON.stringify(l).includes(billing.secret)), 'the secret never reaches the server log');
});

test('over SMTP_LISTEN_MAX_BYTES: 552 (SIZE advertised, and checked on the stream), nothing stored', async (t) => {
  const s = await serverFor(t, { config: SANDBOX, env: { SMTP_LISTEN_MAX_BYTES: '2000' } });
  const big = { from: 'a@example.com', to: 'b@example.com', subject: 'big', text: 'x'.repeat(5000) };
  await assert.rejects(transport(s).sendMail(big), (err: any) => err.responseCode === 552);

  // A client that declares no SIZE: refused after the data, on the stream's count.
  const c = await RawSmtp.open(s.smtpPort!);
  const ehlo = await c.command('EHLO raw.test');
  assert.match(ehlo.text, /SIZE 2000/);
  await c.begin('a@example.com', ['b@example.com']);
  c.write(wire(Buffer.from(`Subject: big\r\n\r\n${'y'.repeat(78)}\r\n`.repeat(60))));
  assert.equal((await c.reply()).code, 552);
  // The session goes on: a small message afterwards is accepted.
  await expectCode(c.command('MAIL FROM:<a@example.com>'), 250);
  await expectCode(c.command('RCPT TO:<b@example.com>'), 250);
  await expectCode(c.command('DATA'), 354);
  c.write(wire(Buffer.from('Subject: small\r\n\r\nok\r\n')));
  assert.equal((await c.reply()).code, 250);
  c.destroy();
  const list = await logs(s, 1);
  assert.equal(list.total, 1);
  assert.equal(list.logs[0].subject, 'small');
});

test('a client that hangs up mid-DATA leaves no log record and no error, and the listener keeps serving', async (t) => {
  const s = await serverFor(t, { config: SANDBOX });
  for (let i = 0; i < 3; i++) {
    const c = await RawSmtp.open(s.smtpPort!);
    await c.begin('a@example.com', ['b@example.com']);
    c.write('Subject: cut short\r\n\r\nhalf a mess');
    await new Promise((r) => setTimeout(r, 50));
    c.destroy();
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await api(s.url, 'GET', '/api/logs')).json.total, 0);
  const info = await transport(s).sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'after', text: 'still here' });
  assert.match(info.response, /^250 /);
  assert.equal((await logs(s, 1)).total, 1);
  assert.ok(!s.logs.some((l) => l?.level >= 40), `no warning or error logged: ${JSON.stringify(s.logs.filter((l) => l?.level >= 40))}`);
});

test('bad input never crashes the listener: 8-bit headers, malformed MIME, garbage commands, 100 concurrent clients', async (t) => {
  const s = await serverFor(t, { config: SANDBOX });
  const odd = [
    Buffer.from('From: J\xfcrgen <j@example.com>\r\nSubject: Gr\xfc\xdfe latin1\r\n\r\nbody\r\n', 'latin1'),
    Buffer.from('From: Jürgen <j@example.com>\r\nSubject: Grüße utf8\r\n\r\nbody\r\n', 'utf8'),
    Buffer.from('Subject: broken\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nunterminated\r\n'),
    Buffer.from('\x00\x01\x02 no headers at all \xff\xfe\r\n'),
    Buffer.from('Content-Type: text/plain; charset=no-such-charset\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@@\r\n'),
  ];
  for (const raw of odd) {
    const c = await RawSmtp.open(s.smtpPort!);
    await expectCode(c.command('BOGUS COMMAND \xff'), 500);
    await c.begin('a@example.com', ['b@example.com']);
    c.write(wire(raw));
    assert.equal((await c.reply()).code, 250);
    await c.command('QUIT');
    c.destroy();
  }
  const stored = await logs(s, odd.length);
  assert.ok(stored.logs.some((l: any) => l.subject === 'Grüße utf8'));
  assert.ok(stored.logs.some((l: any) => l.subject === ''), 'a message without Subject is stored with subject ""');

  const sends = Array.from({ length: 100 }, (_, i) =>
    transport(s).sendMail({ from: 'a@example.com', to: `r${i}@example.com`, subject: `concurrent ${i}`, text: `message ${i}` }),
  );
  const results = await Promise.allSettled(sends);
  assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
  assert.equal((await logs(s, odd.length + 100)).total, odd.length + 100);
  assert.equal((await api(s.url, 'GET', '/api/health')).status, 200);
});

test('SMTP_LISTEN_PORT=off starts no listener', async (t) => {
  const s = await serverFor(t, { env: { SMTP_LISTEN_PORT: 'off' } });
  assert.equal(s.smtpPort, null);
  assert.ok(!s.logs.some((l) => l?.msg === 'SMTP listening'));
  assert.equal((await api(s.url, 'GET', '/api/health')).status, 200);
});

test('a busy SMTP port: one clear line on stderr and a non-zero exit', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'protopost-smtp-busy-'));
  try {
    await assert.rejects(startServer({ dir, env: { SMTP_LISTEN_PORT: String(port) } }), (err: Error) => {
      const stderr = err.message.slice(err.message.indexOf('stderr:') + 8).trim();
      assert.match(err.message, /exited with 1/);
      assert.equal(stderr.split('\n').length, 1, stderr);
      assert.match(stderr, new RegExp(`^protopost: SMTP port ${port} on 127.0.0.1 is already in use`));
      return true;
    });
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TLS files that are missing, not PEM, or only one of the pair: one clear line on stderr and a non-zero exit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'protopost-smtp-badtls-'));
  const notPem = join(dir, 'not.pem');
  writeFileSync(notPem, 'hello\n');
  const cases: [Record<string, string>, RegExp][] = [
    [{ SMTP_LISTEN_TLS_CERT: join(dir, 'missing.pem'), SMTP_LISTEN_TLS_KEY: notPem }, /^protopost: cannot read SMTP_LISTEN_TLS_CERT at .*missing\.pem/],
    [{ SMTP_LISTEN_TLS_CERT: notPem, SMTP_LISTEN_TLS_KEY: notPem }, /^protopost: SMTP_LISTEN_TLS_CERT .* are not a usable PEM certificate and key/],
    [{ SMTP_LISTEN_TLS_CERT: notPem }, /^protopost: SMTP_LISTEN_TLS_CERT and SMTP_LISTEN_TLS_KEY must be set together/],
  ];
  try {
    for (const [env, expected] of cases) {
      await assert.rejects(startServer({ dir, env }), (err: Error) => {
        const stderr = err.message.slice(err.message.indexOf('stderr:') + 8).trim();
        assert.match(err.message, /exited with 1/);
        assert.equal(stderr.split('\n').length, 1, stderr);
        assert.match(stderr, expected);
        return true;
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM: idle sessions get 421 at once, a message in the middle of DATA is finished, stored and answered 250', async (t) => {
  const s = await serverFor(t, { config: SANDBOX });
  const idle = await RawSmtp.open(s.smtpPort!);
  await idle.command('EHLO idle.test');
  const busy = await RawSmtp.open(s.smtpPort!);
  await busy.begin('a@example.com', ['b@example.com']);
  busy.write('Subject: in flight\r\n\r\nfirst half, ');

  s.process.kill('SIGTERM');
  assert.equal((await idle.reply()).code, 421);
  await waitFor(() => s.logs.some((l) => /shutting down/.test(l?.msg)), 5000, 'shutdown to begin');
  busy.write('second half\r\n.\r\n');
  assert.equal((await busy.reply()).code, 250);
  assert.equal((await busy.reply()).code, 421, 'then told the server is going away');
  assert.equal(await s.stop(), 0);

  const db = new Database(s.databasePath, { readonly: true });
  try {
    const rows = db.prepare('SELECT subject, source, status FROM emails').all();
    assert.deepEqual(rows, [{ subject: 'in flight', source: 'smtp', status: 'sandbox' }]);
  } finally {
    db.close();
  }
});

test('STARTTLS with SMTP_LISTEN_TLS_CERT/KEY; AUTH after TLS works', async (t) => {
  if (spawnSync('openssl', ['version']).status !== 0) return t.skip('openssl not installed');
  const dir = mkdtempSync(join(tmpdir(), 'protopost-smtp-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert]);
  assert.equal(gen.status, 0, gen.stderr.toString());
  const s = await serverFor(t, { config: SANDBOX, env: { AUTH_TOKEN: TOKEN, SMTP_LISTEN_TLS_CERT: cert, SMTP_LISTEN_TLS_KEY: key } });

  const c = await RawSmtp.open(s.smtpPort!);
  assert.match((await c.command('EHLO tls.test')).text, /STARTTLS/);
  c.destroy();
  const info = await transport(s, { ignoreTLS: false, requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user: 'u', pass: TOKEN } }).sendMail({
    from: 'a@example.com',
    to: 'b@example.com',
    subject: 'over tls',
    text: 'secret',
  });
  assert.match(info.response, /^250 /);
  assert.equal((await logs(s, 1, '', BEARER)).logs[0].subject, 'over tls');
});

test('without TLS files STARTTLS is not offered; without AUTH_TOKEN AUTH is not offered', async (t) => {
  const s = await serverFor(t, { config: SANDBOX });
  const c = await RawSmtp.open(s.smtpPort!);
  const ehlo = await c.command('EHLO plain.test');
  assert.doesNotMatch(ehlo.text, /STARTTLS|AUTH/);
  assert.match(ehlo.text, /SIZE 26214400/);
  c.destroy();
});
