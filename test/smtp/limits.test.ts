// Integration: the SMTP listener's resource limits on the real server — concurrent sessions (421),
// recipients per message (452), the idle timeout — each from its environment variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { api } from '../support/server.js';
import { expectCode, logs, RawSmtp, SANDBOX, serverFor, wire } from './helpers.js';

/** The greeting line a new session gets (the socket is dropped after it). */
function greeting(port: number): Promise<{ line: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = '';
    socket.setEncoding('latin1').on('error', reject);
    socket.on('data', (d: string) => {
      buffer += d;
      const nl = buffer.indexOf('\r\n');
      if (nl >= 0) resolve({ line: buffer.slice(0, nl) }), socket.destroy();
    });
  });
}

test('SMTP_LISTEN_MAX_CLIENTS (default 100): the 101st concurrent session gets 421; a freed slot is usable again', async (t) => {
  const s = await serverFor(t, { config: SANDBOX });
  const open: RawSmtp[] = [];
  t.after(() => open.forEach((c) => c.destroy()));
  for (let i = 0; i < 100; i++) open.push(await RawSmtp.open(s.smtpPort!));
  const refused = await greeting(s.smtpPort!);
  assert.match(refused.line, /^421 /, 'the 101st session is refused with 421');
  open.pop()!.destroy();
  // The slot frees once the server has seen the close: retry until it has.
  let again = '';
  for (let i = 0; i < 50 && !again.startsWith('220'); i++) again = (await greeting(s.smtpPort!)).line;
  assert.match(again, /^220 /, 'a session is accepted after one closed');
});

test('SMTP_LISTEN_MAX_CLIENTS is read from the environment', async (t) => {
  const s = await serverFor(t, { config: SANDBOX, env: { SMTP_LISTEN_MAX_CLIENTS: '2' } });
  const a = await RawSmtp.open(s.smtpPort!);
  const b = await RawSmtp.open(s.smtpPort!);
  t.after(() => (a.destroy(), b.destroy()));
  assert.match((await greeting(s.smtpPort!)).line, /^421 /);
});

test('SMTP_LISTEN_MAX_RECIPIENTS (default 100): the 101st RCPT gets 452, the message goes to the first 100', async (t) => {
  const s = await serverFor(t, { config: SANDBOX });
  const c = await RawSmtp.open(s.smtpPort!);
  t.after(() => c.destroy());
  await c.command('EHLO raw.test');
  await expectCode(c.command('MAIL FROM:<a@example.com>'), 250);
  for (let i = 0; i < 100; i++) await expectCode(c.command(`RCPT TO:<r${i}@example.com>`), 250);
  const refused = await c.command('RCPT TO:<r100@example.com>');
  assert.equal(refused.code, 452);
  assert.match(refused.text, /at most 100/);
  await expectCode(c.command('DATA'), 354);
  c.write(wire(Buffer.from('Subject: many\r\n\r\nbody\r\n')));
  assert.equal((await c.reply()).code, 250);
  const stored = await logs(s, 1);
  assert.equal(stored.logs[0].to_addresses.length, 100);
  assert.ok(!stored.logs[0].to_addresses.includes('r100@example.com'));
});

test('SMTP_LISTEN_MAX_RECIPIENTS=3: the 4th RCPT gets 452, in every transaction of the session', async (t) => {
  const s = await serverFor(t, { config: SANDBOX, env: { SMTP_LISTEN_MAX_RECIPIENTS: '3' } });
  const c = await RawSmtp.open(s.smtpPort!);
  t.after(() => c.destroy());
  await c.command('EHLO raw.test');
  for (let round = 0; round < 2; round++) {
    await expectCode(c.command('MAIL FROM:<a@example.com>'), 250);
    for (let i = 0; i < 3; i++) await expectCode(c.command(`RCPT TO:<r${i}@example.com>`), 250);
    await expectCode(c.command('RCPT TO:<r3@example.com>'), 452);
    await expectCode(c.command('RSET'), 250);
  }
});

test('SMTP_LISTEN_IDLE_TIMEOUT_MS: a silent session is told 421 and closed; the listener keeps serving', async (t) => {
  const s = await serverFor(t, { config: SANDBOX, env: { SMTP_LISTEN_IDLE_TIMEOUT_MS: '1000' } });
  const idle = await RawSmtp.open(s.smtpPort!);
  t.after(() => idle.destroy());
  const r = await idle.reply(10_000);
  assert.equal(r.code, 421);
  await assert.rejects(idle.reply(5000), /connection closed/);
  const next = await RawSmtp.open(s.smtpPort!);
  t.after(() => next.destroy());
  assert.equal((await next.command('EHLO next.test')).code, 250);
  assert.equal((await api(s.url, 'GET', '/api/health')).status, 200);
});
