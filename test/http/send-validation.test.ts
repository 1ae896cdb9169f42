// 422 for every invalid POST /api/send body: one entry per problem, `loc` naming the field, nothing logged or sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { api, startServer, type RunningServer } from '../support/server.js';
import { EMAIL, email, logTotal, send } from '../support/fixtures.js';

let s: RunningServer;
before(async () => {
  // Sandbox: a body that wrongly passed validation would be accepted (200) and logged, never silently sent.
  s = await startServer({ config: { providers: [], routing: { mode: 'smart', sandbox: true, rules: [] }, version: 1 } });
});
after(async () => {
  await s.kill();
  rmSync(s.dir, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const many = (n: number) => Array.from({ length: n }, (_, i) => `r${i}@example.org`);
const without = (key: string) => {
  const e: Record<string, unknown> = { ...EMAIL };
  delete e[key];
  return e;
};

type Loc = (string | number)[];
/** [name, body, every loc the answer must name] */
const cases: [string, unknown, Loc[]][] = [
  ['missing from', without('from'), [['body', 'from']]],
  ['missing to', without('to'), [['body', 'to']]],
  ['missing subject', without('subject'), [['body', 'subject']]],
  ['missing from, to and subject at once', { body_text: 'x' }, [['body', 'from'], ['body', 'to'], ['body', 'subject']]],
  ['bad from', email({ from: 'not an address' }), [['body', 'from']]],
  ['from without domain', email({ from: 'alice@' }), [['body', 'from']]],
  ['bad to[1]', email({ to: ['ok@example.org', 'nope'] }), [['body', 'to', 1]]],
  ['bad cc[0]', email({ cc: ['@example.org'] }), [['body', 'cc', 0]]],
  ['bad bcc[1]', email({ bcc: ['ok@example.org', 'a b@example.org'] }), [['body', 'bcc', 1]]],
  ['bad reply_to', email({ reply_to: 'Name <broken>' }), [['body', 'reply_to']]],
  ['more than 50 to', email({ to: many(51) }), [['body', 'to']]],
  ['more than 50 cc', email({ cc: many(51) }), [['body', 'cc']]],
  ['more than 50 bcc', email({ bcc: many(51) }), [['body', 'bcc']]],
  ['empty to', email({ to: [] }), [['body', 'to']]],
  ['subject over 998 characters', email({ subject: 'x'.repeat(999) }), [['body', 'subject']]],
  ['empty subject', email({ subject: '' }), [['body', 'subject']]],
  ['LF in subject', email({ subject: 'Hi\nBcc: victim@example.net' }), [['body', 'subject']]],
  ['CR in subject', email({ subject: 'Hi\rX-Evil: 1' }), [['body', 'subject']]],
  ['CRLF in from', email({ from: 'a@example.com\r\nBcc: victim@example.net' }), [['body', 'from']]],
  ['LF in a display name', email({ from: 'Evil\nBcc: v@example.net <a@example.com>' }), [['body', 'from']]],
  ['CRLF in to[0]', email({ to: ['b@example.org\r\nX-Injected: 1'] }), [['body', 'to', 0]]],
  ['LF in cc[0]', email({ cc: ['c@example.org\nBcc: v@example.net'] }), [['body', 'cc', 0]]],
  ['CRLF in reply_to', email({ reply_to: 'r@example.com\r\nBcc: v@example.net' }), [['body', 'reply_to']]],
  ['CRLF in a header value', email({ headers: { 'X-Campaign': 'a\r\nBcc: v@example.net' } }), [['body', 'headers', 'X-Campaign']]],
  ['LF in a header value', email({ headers: { 'X-Ok': 'fine', 'X-Campaign': 'a\nb' } }), [['body', 'headers', 'X-Campaign']]],
  ['a header name that is not a token', email({ headers: { 'X-Bad Name:': 'v' } }), [['body', 'headers', 'X-Bad Name:']]],
  ['header overriding From', email({ headers: { From: 'ceo@example.com' } }), [['body', 'headers', 'From']]],
  ['header overriding To', email({ headers: { to: 'other@example.org' } }), [['body', 'headers', 'to']]],
  ['header overriding Cc', email({ headers: { CC: 'other@example.org' } }), [['body', 'headers', 'CC']]],
  ['header overriding Bcc', email({ headers: { Bcc: 'other@example.org' } }), [['body', 'headers', 'Bcc']]],
  ['header overriding Subject', email({ headers: { SUBJECT: 'other' } }), [['body', 'headers', 'SUBJECT']]],
  ['no body', without('body_text'), [['body', 'body_text']]],
  ['empty bodies', email({ body_text: '', body_html: '' }), [['body', 'body_text']]],
  ['bad base64', email({ attachments: [{ filename: 'a.txt', content: 'not base64!!' }] }), [['body', 'attachments', 0, 'content']]],
  ['base64 with a wrong length', email({ attachments: [{ filename: 'a.txt', content: b64('ok') }, { filename: 'b.txt', content: 'abcde' }] }), [['body', 'attachments', 1, 'content']]],
  ['attachment without filename', email({ attachments: [{ content: b64('x') }] }), [['body', 'attachments', 0, 'filename']]],
  ['attachment without content', email({ attachments: [{ filename: 'a.txt' }] }), [['body', 'attachments', 0, 'content']]],
  ['CRLF in an attachment filename', email({ attachments: [{ filename: 'a.txt\r\nX-Evil: 1', content: b64('x') }] }), [['body', 'attachments', 0, 'filename']]],
  ['CRLF in an attachment content_type', email({ attachments: [{ filename: 'a.txt', content: b64('x'), content_type: 'text/plain\r\nX-Evil: 1' }] }), [['body', 'attachments', 0, 'content_type']]],
  ['to as a string', email({ to: 'rcpt@example.org' }), [['body', 'to']]],
  ['from as a list', email({ from: ['sender@example.com'] }), [['body', 'from']]],
  ['subject as a number', email({ subject: 42 }), [['body', 'subject']]],
  ['body_text as a number', email({ body_text: 42 }), [['body', 'body_text']]],
  ['to[0] as a number', email({ to: [42] }), [['body', 'to', 0]]],
  ['cc as null', email({ cc: null }), [['body', 'cc']]],
  ['headers as a list', email({ headers: ['X-A: b'] }), [['body', 'headers']]],
  ['a header value as a number', email({ headers: { 'X-Count': 3 } }), [['body', 'headers', 'X-Count']]],
  ['attachments as an object', email({ attachments: { filename: 'a', content: 'eA==' } }), [['body', 'attachments']]],
  ['a tag value as a number', email({ tags: { campaign: 7 } }), [['body', 'tags', 'campaign']]],
  ['CRLF in a tag value', email({ tags: { campaign: 'a\r\nb' } }), [['body', 'tags', 'campaign']]],
  ['a JSON list instead of an object', [EMAIL], [['body']]],
  ['a JSON string instead of an object', 'just a string', [['body']]],
];

for (const [name, body, locs] of cases) {
  test(`422: ${name}`, async () => {
    const r = await send(s, JSON.stringify(body));
    assert.equal(r.status, 422, r.text);
    assert.ok(Array.isArray(r.json.detail), r.text);
    for (const entry of r.json.detail) {
      assert.deepEqual(Object.keys(entry).sort(), ['loc', 'msg', 'type']);
      assert.equal(entry.loc[0], 'body');
      assert.ok(typeof entry.msg === 'string' && entry.msg.length > 0);
      assert.ok(typeof entry.type === 'string' && entry.type.length > 0);
    }
    const got = r.json.detail.map((e: any) => JSON.stringify(e.loc));
    for (const loc of locs) assert.ok(got.includes(JSON.stringify(loc)), `expected loc ${JSON.stringify(loc)} in ${got.join(' ')}`);
  });
}

/** Every value that can end up in a header, and where its 422 points. */
const HEADER_BOUND: [string, (c: string) => Record<string, unknown>, Loc][] = [
  ['from address', (c) => ({ from: `a${c}b@example.com` }), ['body', 'from']],
  ['from display name', (c) => ({ from: `Na${c}me <a@example.com>` }), ['body', 'from']],
  ['to address', (c) => ({ to: [`r${c}@example.org`] }), ['body', 'to', 0]],
  ['to display name', (c) => ({ to: ['ok@example.org', `R${c} <r@example.org>`] }), ['body', 'to', 1]],
  ['cc address', (c) => ({ cc: [`c@exa${c}mple.org`] }), ['body', 'cc', 0]],
  ['cc display name', (c) => ({ cc: [`C${c}C <c@example.org>`] }), ['body', 'cc', 0]],
  ['bcc address', (c) => ({ bcc: [`b@example.org${c}`] }), ['body', 'bcc', 0]],
  ['bcc display name', (c) => ({ bcc: [`${c}B <b@example.org>`] }), ['body', 'bcc', 0]],
  ['reply_to address', (c) => ({ reply_to: `re${c}@example.com` }), ['body', 'reply_to']],
  ['reply_to display name', (c) => ({ reply_to: `Re${c}plies <re@example.com>` }), ['body', 'reply_to']],
  ['subject', (c) => ({ subject: `Hi${c}there` }), ['body', 'subject']],
  ['header name', (c) => ({ headers: { [`X-A${c}B`]: 'v' } }), ['body', 'headers', 'X-A{c}B']],
  ['header value', (c) => ({ headers: { 'X-A': `v${c}w` } }), ['body', 'headers', 'X-A']],
  ['attachment filename', (c) => ({ attachments: [{ filename: `a${c}.txt`, content: 'eA==' }] }), ['body', 'attachments', 0, 'filename']],
  ['attachment content_type', (c) => ({ attachments: [{ filename: 'a.txt', content: 'eA==', content_type: `text/plain; name=a${c}b` }] }), ['body', 'attachments', 0, 'content_type']],
  ['tag key', (c) => ({ tags: { [`k${c}`]: 'v' } }), ['body', 'tags', 'k{c}']],
  ['tag value', (c) => ({ tags: { campaign: `v${c}` } }), ['body', 'tags', 'campaign']],
];
const CONTROLS: [string, string][] = [
  ['CR', '\r'],
  ['LF', '\n'],
  ['CRLF', '\r\n'],
  ['NUL', '\0'],
  ['SOH', '\x01'],
  ['BS', '\x08'],
  ['VT', '\x0b'],
  ['FF', '\x0c'],
  ['ESC', '\x1b'],
  ['US', '\x1f'],
];

for (const [field, put, loc] of HEADER_BOUND) {
  test(`422: every C0 control character but TAB in the ${field}`, async () => {
    for (const [name, c] of CONTROLS) {
      const r = await send(s, JSON.stringify(email(put(c))));
      assert.equal(r.status, 422, `${name} in the ${field}: ${r.text}`);
      const want = JSON.stringify(loc.map((p) => (typeof p === 'string' ? p.replace('{c}', c) : p)));
      assert.deepEqual(r.json.detail.map((d: any) => JSON.stringify(d.loc)), [want], `${name} in the ${field}`);
    }
  });
}

test('TAB is allowed where a header allows it: subject, display names, header values, filenames, tags', async () => {
  const r = await send(
    s,
    email({
      from: 'Sender\tName <sender@example.com>',
      subject: 'Hello\tthere',
      headers: { 'X-Tab': 'a\tb' },
      attachments: [{ filename: 'a\tb.txt', content: 'eA==', content_type: 'text/plain;\tcharset=utf-8' }],
      tags: { 'k\tk': 'v\tv' },
    }),
  );
  assert.equal(r.status, 200, r.text);
});

test('422: tags and headers are string → string, within their counts', async () => {
  for (const tags of [{ a: 1 }, { a: true }, { a: null }, { a: ['x'] }, { a: { b: 'c' } }]) {
    const r = await send(s, email({ tags }));
    assert.equal(r.status, 422, JSON.stringify(tags));
    assert.deepEqual(r.json.detail.map((d: any) => d.loc), [['body', 'tags', 'a']]);
  }
  const r = await send(s, email({ tags: { '': 'v' } }));
  assert.deepEqual(r.json.detail.map((d: any) => d.loc), [['body', 'tags', '']]);
  const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-K${i}`, 'v']));
  assert.deepEqual((await send(s, email({ tags: many(51) }))).json.detail, [{ loc: ['body', 'tags'], msg: 'Object should have at most 50 entries', type: 'too_long' }]);
  assert.deepEqual((await send(s, email({ headers: many(101) }))).json.detail, [{ loc: ['body', 'headers'], msg: 'Object should have at most 100 entries', type: 'too_long' }]);
});

test('addresses: exactly `addr@domain` or `Name <addr@domain>`, one of them', async () => {
  const refused = ['a@b.c, d@e.f', 'G: a@b.c;', 'a@b.c (Comment)', 'Na<me <a@b.c>', 'Name <a@b.c> trailing', 'name a@b.c', 'Name < a@b.c >', '<>', 'Name <>'];
  for (const from of refused) {
    const r = await send(s, email({ from }));
    assert.equal(r.status, 422, from);
    assert.deepEqual(r.json.detail.map((d: any) => d.loc), [['body', 'from']], from);
  }
  for (const from of ['a@b.c', '  a@b.c  ', '<a@b.c>', 'Name <a@b.c>', '"Support, Team" <a@b.c>', '"Quote \\" Inside" <a@b.c>', 'Ünïcode <u@exämple.org>']) {
    const r = await send(s, email({ from }));
    assert.equal(r.status, 200, `${from}: ${r.text}`);
  }
});

test('422: malformed JSON names the body, says it is a JSON error', async () => {
  for (const text of ['{"from": "a@example.com",', '{from: "a@example.com"}', '']) {
    const r = await send(s, text, { 'content-type': 'application/json' });
    assert.equal(r.status, 422, `${JSON.stringify(text)}: ${r.text}`);
    assert.deepEqual(r.json.detail[0].loc, ['body']);
    assert.ok(r.json.detail[0].msg.length > 0);
  }
});

test('messages say what is wrong', async () => {
  const r = await send(s, email({ from: 'nope', subject: 'x'.repeat(999), attachments: [{ filename: 'a', content: '!!' }] }));
  const byField = Object.fromEntries(r.json.detail.map((e: any) => [e.loc.slice(1).join('.'), e.msg]));
  assert.match(byField.from, /address/i);
  assert.match(byField.subject, /998/);
  assert.match(byField['attachments.0.content'], /base64/i);
});

test('the limits themselves are accepted: 50 recipients each, a 998-character subject, display names, headers, tags', async () => {
  const ok = await send(
    s,
    email({
      from: '"Support, Team" <support@example.com>',
      to: many(50),
      cc: many(50),
      bcc: many(50),
      subject: 'x'.repeat(998),
      body_text: undefined,
      body_html: '<p>only html</p>',
      reply_to: 'Replies <replies@example.com>',
      headers: { 'X-Campaign': 'spring', 'List-Unsubscribe': '<mailto:u@example.com>' },
      attachments: [{ filename: 'a.txt', content: b64('hello'), content_type: 'text/plain' }, { filename: 'empty.bin', content: '' }],
      tags: { category: 'welcome' },
    }),
  );
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.status, 'sandbox');
});

test('nothing rejected above left a log record (only the accepted ones)', async () => {
  assert.equal(await logTotal(s), 9);
});

test('schema problems and the rules beyond the schema are reported together', async (t) => {
  const s = await startServer({ env: { SMTP_LISTEN_PORT: 'off' } });
  t.after(() => s.kill());
  const res = await api(s.url, 'POST', '/api/send', { from: 'not-an-address', to: ['x@example.org'], subject: 'hi', headers: { From: 'evil@example.com' } });
  assert.equal(res.status, 422);
  assert.deepEqual(
    res.json.detail.map((d: any) => d.loc.join('.')).sort(),
    ['body.body_text', 'body.from', 'body.headers.From'],
  );
});
