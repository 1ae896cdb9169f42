// Integration: large SMTP messages are held once, not copied. 20 clients send a 24 MB message each at
// the same time to the real server; its peak RSS (VmHWM, read from /proc) stays under 600 MB, every
// message is stored, and the parts derived from the raw source on read are right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { api } from '../support/server.js';
import { detail, expectCode, logs, RawSmtp, SANDBOX, serverFor, wire } from './helpers.js';

const MB = 1024 * 1024;
const CLIENTS = 20;
const SIZE = 24 * MB;

/** A message of about `size` bytes: a short text part and one base64 attachment (76-character lines). */
function bigMessage(size: number): { raw: Buffer; attachmentBytes: number } {
  const head = Buffer.from(
    'From: Big Sender <big@example.com>\r\nTo: r@example.com\r\nSubject: big one\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n--b0\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n' +
      '--b0\r\nContent-Type: application/octet-stream; name="blob.bin"\r\nContent-Disposition: attachment; filename="blob.bin"\r\n' +
      'Content-Transfer-Encoding: base64\r\n\r\n',
  );
  const tail = Buffer.from('\r\n--b0--\r\n');
  const lines = Math.floor((size - head.length - tail.length) / 78);
  const line = Buffer.from(`${'QUJD'.repeat(19)}\r\n`); // 57 bytes "ABC…" per line
  const body = Buffer.alloc(lines * 78);
  for (let i = 0; i < lines; i++) line.copy(body, i * 78);
  return { raw: Buffer.concat([head, body.subarray(0, body.length - 2), tail]), attachmentBytes: lines * 57 };
}

const statusKb = (pid: number, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

test(`${CLIENTS} concurrent ${SIZE / MB} MB SMTP messages: all stored, peak RSS under 600 MB`, async (t) => {
  const { raw, attachmentBytes } = bigMessage(SIZE);
  const data = wire(raw);
  const s = await serverFor(t, { config: SANDBOX });
  const pid = s.process.pid!;
  const before = statusKb(pid, 'VmRSS');

  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => RawSmtp.open(s.smtpPort!)));
  t.after(() => clients.forEach((c) => c.destroy()));
  await Promise.all(clients.map((c, i) => c.begin('big@example.com', [`r${i}@example.com`])));
  let peakSampled = 0;
  const sampler = setInterval(() => (peakSampled = Math.max(peakSampled, statusKb(pid, 'VmRSS'))), 50);
  try {
    // Every client writes its whole message at once; the server reads them all concurrently.
    const replies = await Promise.all(clients.map((c) => (c.write(data), c.reply(120_000))));
    assert.deepEqual(replies.map((r) => r.code), Array(CLIENTS).fill(250), JSON.stringify(replies.filter((r) => r.code !== 250)));
  } finally {
    clearInterval(sampler);
  }
  const peakKb = statusKb(pid, 'VmHWM');
  t.diagnostic(`RSS before ${Math.round(before / 1024)} MB, peak (VmHWM) ${Math.round(peakKb / 1024)} MB, sampled peak ${Math.round(peakSampled / 1024)} MB`);
  assert.ok(peakKb < 600 * 1024, `peak RSS ${Math.round(peakKb / 1024)} MB`);

  const stored = await logs(s, CLIENTS);
  assert.equal(stored.total, CLIENTS);
  const one = await detail(s, stored.logs[0].id);
  assert.equal(one.body_text.trim(), 'see attached');
  assert.deepEqual(one.attachments, [{ filename: 'blob.bin', content_type: 'application/octet-stream', size: attachmentBytes }]);
  const source = await api(s.url, 'GET', `/api/logs/${stored.logs[0].id}/raw`);
  assert.equal(source.status, 200);
  assert.equal(source.text.length, raw.length, 'the raw source is returned whole');
  await expectCode(clients[0].command('NOOP'), 250);
});

test('clients that hang up in the middle of large messages give their place back: the next large message is accepted', async (t) => {
  const { raw } = bigMessage(8 * MB);
  const data = wire(raw);
  const s = await serverFor(t, { config: SANDBOX });
  for (let round = 0; round < 3; round++) {
    const quitters = await Promise.all(Array.from({ length: 6 }, () => RawSmtp.open(s.smtpPort!)));
    await Promise.all(quitters.map((c) => c.begin('q@example.com', ['r@example.com'])));
    quitters.forEach((c) => c.write(data.subarray(0, 3 * MB)));
    await new Promise((r) => setTimeout(r, 200)); // let the server read past the 1 MiB mark
    quitters.forEach((c) => c.destroy());
  }
  const c = await RawSmtp.open(s.smtpPort!);
  t.after(() => c.destroy());
  await c.begin('big@example.com', ['r@example.com']);
  c.write(data);
  assert.equal((await c.reply(60_000)).code, 250);
  assert.equal((await logs(s, 1)).total, 1, 'only the complete message is stored');
});
