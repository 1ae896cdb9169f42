// Unit: SMTP bytes + envelope → Message (src/smtp/parse.ts), without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keptHeaders, parseSmtpMessage, tagsFromHeader, withParts } from '../../src/smtp/parse.js';

const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

const MULTIPART = crlf(`From: "Ada Lovelace" <ada@example.com>
To: Bob <bob@example.org>, carol@example.org
Cc: Dan <dan@example.net>
Reply-To: replies@example.com
Subject: =?UTF-8?Q?R=C3=A9sum=C3=A9?= attached
X-Campaign: spring
X-Multi: first
X-Multi: second
List-Unsubscribe: <mailto:unsub@example.com>
Received: from somewhere
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8

Hello Bob
--inner
Content-Type: text/html; charset=utf-8

<p>Hello <b>Bob</b></p>
--inner--
--outer
Content-Type: application/pdf; name="cv.pdf"
Content-Disposition: attachment; filename="cv.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfs
--outer--
`);

const envelope = { from: 'bounce@example.com', to: ['bob@example.org', 'carol@example.org', 'dan@example.net'] };

test('a multipart message becomes every Message field, with raw and envelope kept as received', async () => {
  const intake = await parseSmtpMessage(MULTIPART, envelope);
  assert.equal(intake.text, undefined, 'at intake only the headers are parsed: the body stays in raw');
  assert.equal(intake.html, undefined);
  assert.deepEqual(intake.attachments, []);
  const m = await withParts(intake);
  assert.deepEqual(m.from, { address: 'ada@example.com', name: 'Ada Lovelace' });
  assert.deepEqual(m.to, [{ address: 'bob@example.org', name: 'Bob' }, { address: 'carol@example.org' }]);
  assert.deepEqual(m.cc, [{ address: 'dan@example.net', name: 'Dan' }]);
  assert.deepEqual(m.bcc, []);
  assert.deepEqual(m.replyTo, { address: 'replies@example.com' });
  assert.equal(m.subject, 'Résumé attached');
  assert.equal(m.text?.trim(), 'Hello Bob');
  assert.equal(m.html?.trim(), '<p>Hello <b>Bob</b></p>');
  assert.deepEqual(m.attachments, [{ filename: 'cv.pdf', contentType: 'application/pdf', content: 'JVBERi0xLjQKJcfs', size: 12 }]);
  assert.deepEqual(m.headers, { 'X-Campaign': 'spring', 'X-Multi': 'first', 'List-Unsubscribe': '<mailto:unsub@example.com>' });
  assert.equal(m.raw, MULTIPART, 'the very buffer received, not a copy');
  assert.deepEqual(m.envelope, envelope);
  assert.deepEqual(m.tags, {});
});

test('the envelope decides: envelope-only recipients are Bcc, header recipients outside it are dropped', async () => {
  const raw = crlf('From: a@example.com\nTo: b@example.com, listed-only@example.com\nCc: C@Example.com\nSubject: s\n\nbody\n');
  const m = await parseSmtpMessage(raw, { from: 'a@example.com', to: ['b@example.com', 'c@example.com', 'secret@example.com'] });
  assert.deepEqual(m.to, [{ address: 'b@example.com' }]);
  assert.deepEqual(m.cc, [{ address: 'C@Example.com' }], 'addresses compare case-insensitively');
  assert.deepEqual(m.bcc, [{ address: 'secret@example.com' }]);
});

test('one hidden recipient and no header recipients: it becomes To (nobody to hide it from); several stay Bcc', async () => {
  const raw = crlf('From: a@example.com\nTo: undisclosed-recipients:;\nSubject: s\n\nbody\n');
  const one = await parseSmtpMessage(raw, { from: 'a@example.com', to: ['x@example.com'] });
  assert.deepEqual(one.to, [{ address: 'x@example.com' }]);
  assert.deepEqual(one.bcc, []);
  const two = await parseSmtpMessage(raw, { from: 'a@example.com', to: ['x@example.com', 'y@example.com'] });
  assert.deepEqual(two.to, []);
  assert.deepEqual(two.bcc, [{ address: 'x@example.com' }, { address: 'y@example.com' }]);
});

test('no From header: MAIL FROM; no Subject: the empty string', async () => {
  const m = await withParts(await parseSmtpMessage(crlf('To: b@example.com\n\njust a body\n'), { from: 'envelope@example.com', to: ['b@example.com'] }));
  assert.deepEqual(m.from, { address: 'envelope@example.com' });
  assert.equal(m.subject, '');
  assert.equal(m.text?.trim(), 'just a body');
  assert.equal(m.html, undefined);
});

test('an HTML-only message keeps text undefined (no conversion on the hot path)', async () => {
  const m = await withParts(
    await parseSmtpMessage(crlf('From: a@example.com\nTo: b@example.com\nSubject: h\nContent-Type: text/html\n\n<p>only html</p>\n'), {
      from: 'a@example.com',
      to: ['b@example.com'],
    }),
  );
  assert.equal(m.text, undefined);
  assert.equal(m.html?.trim(), '<p>only html</p>');
});

test('8-bit UTF-8 headers are read as UTF-8', async () => {
  const raw = Buffer.from('From: Jürgen <j@example.com>\r\nTo: b@example.com\r\nSubject: Grüße aus Köln\r\nX-Note: naïve\r\n\r\nbody\r\n', 'utf8');
  const m = await parseSmtpMessage(raw, { from: 'j@example.com', to: ['b@example.com'] });
  assert.equal(m.subject, 'Grüße aus Köln');
  assert.deepEqual(m.from, { address: 'j@example.com', name: 'Jürgen' });
  assert.equal(m.headers['X-Note'], 'naïve');
});

test('malformed MIME never throws: what parses is kept', async () => {
  const cases: Buffer[] = [
    crlf('From: a@example.com\nSubject: broken\nContent-Type: multipart/mixed; boundary="never-closed"\n\n--never-closed\nContent-Type: text/plain\n\npart one\n'),
    crlf('Subject: bad base64\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n!!!not*base64***\n'),
    Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0x80, 0x81]),
    Buffer.alloc(0),
    crlf('no colon header line\nFrom: <<<@@@>>>\nTo: ,,,\n\nbody'),
    crlf('From: a@example.com\nContent-Type: text/plain; charset=x-unknown-charset\n\nbody\n'),
  ];
  for (const raw of cases) {
    const m = await parseSmtpMessage(raw, { from: 'env@example.com', to: ['r@example.com'] });
    assert.equal(typeof m.subject, 'string');
    assert.ok(m.from.address !== undefined);
    assert.equal(m.raw, raw);
    assert.deepEqual(m.envelope, { from: 'env@example.com', to: ['r@example.com'] });
  }
  for (const raw of cases) assert.equal((await withParts(await parseSmtpMessage(raw, { from: 'env@example.com', to: ['r@example.com'] }))).raw, raw);
  const first = await withParts(await parseSmtpMessage(cases[0], { from: 'env@example.com', to: ['r@example.com'] }));
  assert.equal(first.subject, 'broken');
  assert.match(first.text ?? '', /part one/);
});

test('no CR or LF reaches a subject, address or kept header value', async () => {
  const raw = crlf('From: a@example.com\nTo: b@example.com\nSubject: folded\n  subject line\nX-Folded: one\n\ttwo\n\nbody\n');
  const m = await parseSmtpMessage(raw, { from: 'a@example.com', to: ['b@example.com'] });
  assert.equal(m.subject, 'folded  subject line'.replace(/\s+/g, ' '));
  assert.equal(m.headers['X-Folded'], 'one two');
  for (const v of [m.subject, ...Object.values(m.headers), m.from.address]) assert.doesNotMatch(v, /[\r\n]/);
});

test('keptHeaders keeps X-*, List-*, threading headers; drops trace, MIME and address headers; first occurrence wins', () => {
  const lines = ['Received: x', 'X-Mailer: m', 'x-mailer: again', 'In-Reply-To: <a@b>', 'References: <a@b> <c@d>', 'Content-Type: text/plain', 'Bcc: hidden@x', 'X-Bad Name: v', 'Precedence: bulk'].map(
    (line) => ({ key: line.slice(0, line.indexOf(':')).toLowerCase(), line }),
  );
  assert.deepEqual(keptHeaders(lines), { 'X-Mailer': 'm', 'In-Reply-To': '<a@b>', References: '<a@b> <c@d>', Precedence: 'bulk' });
});

test('an inline image keeps its Content-ID (without brackets); a plain attachment has none', async () => {
  const raw = crlf(`From: a@example.com
To: b@example.com
Subject: inline
MIME-Version: 1.0
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p><img src="cid:logo@acme"></p>
--rel
Content-Type: image/png; name="logo.png"
Content-Disposition: inline; filename="logo.png"
Content-ID: <logo@acme>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--rel--
`);
  const m = await withParts(await parseSmtpMessage(raw, { from: 'a@example.com', to: ['b@example.com'] }));
  assert.equal(m.attachments.length, 1);
  assert.equal(m.attachments[0].contentId, 'logo@acme');
  assert.match(m.html ?? '', /cid:logo@acme/);
  const plain = await withParts(await parseSmtpMessage(MULTIPART, envelope));
  assert.equal(plain.attachments[0].contentId, undefined);
});

test('X-Tags: comma-separated key:value pairs and bare words become tags, bounded', async () => {
  const raw = crlf('From: a@example.com\nTo: b@example.com\nX-Tags: tenant:acme, urgent , kind: welcome,,:nokey\nSubject: s\n\nbody\n');
  const m = await parseSmtpMessage(raw, { from: 'a@example.com', to: ['b@example.com'] });
  assert.deepEqual(m.tags, { tenant: 'acme', urgent: 'urgent', kind: 'welcome' });
  assert.deepEqual(tagsFromHeader(Array.from({ length: 80 }, (_, i) => `t${i}`).join(',')), Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, `t${i}`])));
  assert.deepEqual(tagsFromHeader(`${'k'.repeat(300)}:v, ok:${'v'.repeat(300)}, fine`), { fine: 'fine' });
  assert.deepEqual(tagsFromHeader(undefined), {});
});
