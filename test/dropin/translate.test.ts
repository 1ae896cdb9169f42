// Unit: the drop-in translators (provider shape → native send input) and their problems, without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromResend } from '../../src/dropin/resend/translate.js';
import { fromSendgrid } from '../../src/dropin/sendgrid/translate.js';
import { fromPostmark, splitAddressList } from '../../src/dropin/postmark/translate.js';

const fields = (problems: readonly { field: string }[]) => problems.map((p) => p.field).sort();

test('resend: string-or-list recipients, tags as a map, native problems named in Resend terms', () => {
  const ok = fromResend({ from: 'a@x.example', to: 'b@y.example', cc: ['c@y.example'], subject: 's', text: 't', tags: [{ name: 'k', value: 'v' }] });
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.input, { from: 'a@x.example', to: ['b@y.example'], cc: ['c@y.example'], subject: 's', body_text: 't', tags: { k: 'v' } });
  const bad = fromResend({ from: 'a@x.example', to: ['nope'], subject: 's', reply_to: ['r1@x.example', 'r2@x.example'], headers: { To: 'x@y.example' } }, '[2].');
  assert.deepEqual(fields(bad.problems), ['[2].headers.To', '[2].reply_to', '[2].text', '[2].to[0]']);
});

test('sendgrid: one input per personalization, overrides, categories and custom_args as tags', () => {
  const t = fromSendgrid({
    from: { email: 'a@x.example', name: 'A' },
    subject: 'top',
    content: [{ type: 'text/plain', value: 'hi' }],
    categories: ['c1', 'c2'],
    custom_args: { base: '1' },
    headers: { 'X-A': '1' },
    personalizations: [{ to: [{ email: 'b@y.example' }] }, { to: [{ email: 'c@y.example' }], subject: 'own', custom_args: { base: '2' }, headers: { 'X-A': '2' } }],
  });
  assert.deepEqual(t.problems, []);
  assert.deepEqual(t.inputs.map((i) => [i.input.from, i.input.to, i.input.subject, i.input.tags, i.input.headers]), [
    ['A <a@x.example>', ['b@y.example'], 'top', { category: 'c1', category_2: 'c2', base: '1' }, { 'X-A': '1' }],
    ['A <a@x.example>', ['c@y.example'], 'own', { category: 'c1', category_2: 'c2', base: '2' }, { 'X-A': '2' }],
  ]);
});

test('sendgrid: problems use its dotted field names, once each', () => {
  const t = fromSendgrid({
    from: { email: 'a@x.example' },
    content: [{ type: 'text/plain', value: 'hi' }, { type: 'text/calendar', value: 'x' }],
    attachments: [{ content: 'aGk=', filename: 'a.png', disposition: 'inline' }],
    personalizations: [{ to: [{ email: 'bad' }] }, { to: [{ email: 'c@y.example', name: 'C\r\nBcc: e@z.example' }], subject: 's' }],
  });
  assert.deepEqual(fields(t.problems), ['attachments.0.content_id', 'content.1.type', 'personalizations.0.subject', 'personalizations.0.to.0.email', 'personalizations.1.to.0.email']);
});

test('postmark: comma lists split outside quotes, Tag and Metadata as tags, cid: stripped', () => {
  assert.deepEqual(splitAddressList('"Doe, J" <j@x.example>, k@x.example,, '), ['"Doe, J" <j@x.example>', 'k@x.example']);
  assert.equal(splitAddressList(Array.from({ length: 80 }, (_, i) => `u${i}@x.example`).join(',')).length, 51, 'stops one past the limit');
  const t = fromPostmark({
    From: 'a@x.example',
    To: 'b@y.example, c@y.example',
    Subject: 's',
    HtmlBody: '<img src="cid:logo">',
    Tag: 'welcome',
    Metadata: { tenant: 'acme' },
    Attachments: [{ Name: 'logo.png', Content: 'aGk=', ContentType: 'image/png', ContentID: 'cid:logo', ContentLength: 2 }],
  });
  assert.deepEqual(t.problems, []);
  assert.deepEqual(t.input.to, ['b@y.example', 'c@y.example']);
  assert.deepEqual(t.input.tags, { tenant: 'acme', category: 'welcome' });
  assert.equal(t.input.attachments?.[0].content_id, 'logo');
  const bad = fromPostmark({ From: 'a@x.example', To: 'nope', Subject: 's', TextBody: 't', MessageStream: 'broadcast', Tag: 't', Metadata: { category: 'c' }, Attachments: [{ Name: 'a', Content: 'aGk=', ContentLength: 9 }] });
  assert.deepEqual(fields(bad.problems), ['Attachments[0].ContentLength', 'MessageStream', 'Metadata.category', 'To']);
});
