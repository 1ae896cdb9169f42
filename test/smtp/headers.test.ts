// Unit: the intake's own header reading (src/smtp/headers.ts) gives the Message mailparser's gives, on
// ordinary, odd and randomly assembled header blocks, and declines what it leaves to mailparser.
import { test } from 'node:test';
import { seededRandom } from '../support/random.js';
import assert from 'node:assert/strict';
import { parseAddressHeader } from 'mailparser';
import { headerBlock, headerLines, readHeaders } from '../../src/smtp/headers.js';
import { parseSmtpMessage, parseSmtpMessageWithMailparser } from '../../src/smtp/parse.js';

const envelope = { from: 'env@example.com', to: ['b@example.com', 'c@example.org', 'x@example.net'] };
const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

async function assertSame(raw: Buffer, label: string) {
  const ours = await parseSmtpMessage(raw, envelope);
  const theirs = await parseSmtpMessageWithMailparser(raw, envelope);
  assert.deepEqual(ours, theirs, `${label}: ${JSON.stringify(raw.subarray(0, 300).toString('latin1'))}`);
}

const CASES: [string, Buffer][] = [
  ['plain', crlf('From: "Ada Lovelace" <ada@example.com>\nTo: Bob <b@example.com>, c@example.org\nCc: x@example.net\nReply-To: r@example.com\nSubject: hello\n\nbody\n')],
  ['LF only', Buffer.from('From: a@example.com\nTo: b@example.com\nSubject: lf\n\nbody\n')],
  ['mixed endings: the first empty line ends the block', Buffer.from('From: a@example.com\nSubject: first\n\nTo: b@example.com\r\n\r\nbody')],
  ['no body, no empty line', Buffer.from('From: a@example.com\r\nSubject: only headers')],
  ['starts with an empty line', Buffer.from('\r\nSubject: in the body\r\n')],
  ['empty', Buffer.alloc(0)],
  ['folded values', crlf('From: Ada\n  Lovelace <ada@example.com>\nTo: b@example.com,\n\tc@example.org\nSubject: folded\n  twice\n\tover\nX-Folded: one\n two\n\nbody\n')],
  ['repeated To and Cc', crlf('To: b@example.com\nTo: c@example.org\nCc: x@example.net\nCc: B@Example.com\nFrom: a@example.com\nFrom: second@example.com\n\nbody\n')],
  ['empty first Subject, then one with a value', crlf('Subject:\nSubject:   \nSubject: the second\nSubject: the third\n\nbody\n')],
  ['only empty Subject', crlf('Subject: \nFrom: a@example.com\n\n')],
  ['space before the colon, odd case', crlf('SUBJECT : shouted\nfRoM : a@example.com\n tO: b@example.com\n\nbody\n')],
  ['a line without a colon, its key from the continuation', crlf('X-Broken\n continued: value\nSubject: s\nno colon at all\nFrom: a@example.com\n\nbody\n')],
  ['mbox preamble', crlf('From someone@example.com Mon Dec  1 10:00:00 2026\nFrom: a@example.com\nSubject: mbox\n\nbody\n')],
  ['HTTP preamble, folded', crlf('POST /x HTTP/1.1\n folded\nSubject: post\n\nbody\n')],
  ['8-bit UTF-8', Buffer.from('From: Jürgen <j@example.com>\r\nTo: Zoë <b@example.com>\r\nSubject: Grüße aus Köln\r\nX-Note: naïve\r\n\r\nbody\r\n', 'utf8')],
  ['UTF-8 ending in 0xA0 (trimmed by mailparser as a no-break space)', Buffer.from('Subject: voilà\r\nFrom: à <a@example.com>\r\n\r\n', 'utf8')],
  ['latin-1 bytes that are not UTF-8', Buffer.from([...Buffer.from('Subject: caf'), 0xe9, ...Buffer.from('\r\nFrom: Ren'), 0xe9, ...Buffer.from(' <r@example.com>\r\n\r\nbody')])],
  ['encoded words in display names', crlf('From: =?UTF-8?Q?J=C3=B5geva?= <j@example.com>\nTo: =?ISO-8859-1?B?Wm/r?= <b@example.com>\nSubject: names only\n\n')],
  ['an encoded word hiding an address', crlf('From: =?utf-8?B?Y2VvQGJhbmsuY29t?= <x@example.com>\nTo: =?utf-8?Q?evil=40example.com?=@example.com\nSubject: s\n\n')],
  ['punycode domain', crlf('From: info@xn--mnchen-3ya.example\nTo: b@example.com\nSubject: idn\n\n')],
  ['groups and undisclosed recipients', crlf('To: undisclosed-recipients:;\nCc: Team: b@example.com, c@example.org;, x@example.net\nFrom: a@example.com\n\n')],
  ['quoted names with commas and comments', crlf('From: "Doe, Jane" <jane@example.com> (work)\nTo: "b@example.com" <other@example.com>, b@example.com (Bob)\nReply-To: <>\n\n')],
  ['garbage addresses', crlf('From: <<<@@@>>>\nTo: ,,,\nCc: ""\nReply-To: @\n\n')],
  ['bare CR inside a value', Buffer.from('Subject: one\rtwo\r\nFrom: a@example.com\r\nX-Cr: a\rb\r\n\r\n')],
  ['NUL in another header', Buffer.from('X-Nul: a\0b\r\nSubject: fine\r\nFrom: a@example.com\r\n\r\n')],
  ['kept headers, tags and trace', crlf('Received: from x\nX-Tags: tenant:acme, urgent\nList-Unsubscribe: <mailto:u@example.com>\nIn-Reply-To: <a@b>\nReferences: <a@b>\n <c@d>\nPrecedence: bulk\nAuto-Submitted: auto-generated\nx-mailer: m\nX-Mailer: again\nSubject: kept\n\n')],
  ['whitespace-only lines inside the block', Buffer.from('Subject: s\r\n \r\nFrom: a@example.com\r\n\t\r\n\r\nbody')],
  ['a header block that starts folded', Buffer.from(' leading: fold\r\nSubject: s\r\n\r\n')],
  ['Subject encoded, mailparser decides', crlf('From: a@example.com\nSubject: =?UTF-8?Q?R=C3=A9sum=C3=A9?= attached\n\nbody\n')],
  ['Subject with a NUL, mailparser decides', Buffer.from('Subject: a\0b\r\n\r\n')],
];

test('the intake reads every one of these header blocks as mailparser does', async () => {
  for (const [label, raw] of CASES) await assertSame(raw, label);
});


const NAMES = ['From', 'To', 'Cc', 'Reply-To', 'Subject', 'subject', 'TO', 'X-Tags', 'X-Mailer', 'List-Id', 'References', 'In-Reply-To', 'Received', 'Content-Type', 'Date', 'Message-ID', 'Bcc', 'Sender', 'X-Priority'];
const VALUES = [
  'a@example.com', 'b@example.com', 'B@EXAMPLE.COM', '"Doe, J" <c@example.org>', 'Bob <b@example.com>, x@example.net', 'Team: b@example.com;', '',
  ' ', 'plain words', 'Grüße', 'voilà', 'café \u00a0', '=?UTF-8?B?w6k=?= <x@example.net>', '<a@b> <c@d>', 'text/plain; charset=utf-8', 'k:v, bare',
  'Mon, 1 Dec 2026 10:00:00 +0000', '<<<>>>', 'a@xn--mnchen-3ya.example', '(comment) b@example.com', '"quoted \\" name" <b@example.com>', 'x:y:z',
];
const FOLDS = ['\r\n ', '\r\n\t', '\r\n  ', '\n '];

test('randomly assembled header blocks read the same as mailparser reads them', async () => {
  for (let seed = 1; seed <= 400; seed++) {
    const next = seededRandom(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
    const lines: string[] = [];
    const count = 1 + Math.floor(next() * 10);
    for (let i = 0; i < count; i++) {
      let line = `${pick(NAMES)}${next() < 0.1 ? ' ' : ''}:${next() < 0.8 ? ' ' : ''}${pick(VALUES)}`;
      if (next() < 0.2) line += `${pick(FOLDS)}${pick(VALUES)}`;
      if (next() < 0.05) line = pick(VALUES); // no colon
      lines.push(line);
    }
    const eol = next() < 0.8 ? '\r\n' : '\n';
    const raw = Buffer.from(`${lines.join(eol)}${eol}${eol}body${eol}`, 'utf8');
    await assertSame(raw, `seed ${seed}`);
  }
});

test('readHeaders declines an encoded-word Subject and a block near mailsplit size limit; reads the rest itself', () => {
  assert.equal(readHeaders(crlf('Subject: =?UTF-8?Q?R=C3=A9?=\n\n'), parseAddressHeader), undefined);
  assert.equal(readHeaders(Buffer.from('Subject: a\0b\r\n\r\n'), parseAddressHeader), undefined);
  // 5 000 short lines count 64 bytes each against mailsplit's 1 MiB: 320 KB, past the quarter this reads itself.
  const many = Buffer.from(`${'X: y\r\n'.repeat(5000)}\r\nbody`);
  assert.equal(readHeaders(many, parseAddressHeader), undefined);
  const read = readHeaders(crlf('From: Ada <ada@example.com>\nSubject: hi\n\nbody =?x?q?y?=\n'), parseAddressHeader);
  assert.equal(read?.subject, 'hi');
  assert.deepEqual(read?.from?.value.map((a) => [a.name, a.address]), [['Ada', 'ada@example.com']]);
});

test('a header block far past mailsplit limit still falls back to the envelope, as it did with mailparser alone', async () => {
  const huge = Buffer.from(`Subject: big\r\n${'X-Pad: y\r\n'.repeat(20_000)}\r\nbody`);
  await assertSame(huge, 'huge header block');
  const m = await parseSmtpMessage(huge, envelope);
  assert.equal(m.subject, '', 'mailsplit refuses a header block over 1 MiB (at 64 bytes a line): the envelope fallback');
});

test('headerBlock ends where mailsplit ends the block; headerLines keeps lines as mailsplit lists them', () => {
  assert.deepEqual(headerBlock(Buffer.from('A: 1\r\n\r\nbody')), { end: 8, cost: 66 });
  assert.equal(headerBlock(Buffer.from('A: 1\n\nB: 2\r\n\r\n')).end, 6);
  assert.equal(headerBlock(Buffer.from('A: 1')).end, 4);
  assert.equal(headerBlock(Buffer.from('\nbody')).end, 1);
  const endless = Buffer.from('X: y\r\n'.repeat(10_000));
  assert.deepEqual(headerBlock(endless, 1000), { end: endless.length, cost: 1024 }, 'stops scanning past maxCost');
  assert.deepEqual(headerLines(Buffer.from('Subject: a\r\n b\r\nX-Y: z\r\n\r\n')), [
    { key: 'subject', line: 'Subject: a\r\n b' },
    { key: 'x-y', line: 'X-Y: z' },
  ]);
});
