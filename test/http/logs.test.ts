// The read API over a known set of emails: list, pagination, filters, totals, detail, raw, release, stats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { api, startServer, type RunningServer } from '../support/server.js';
import { startHttpFake, type HttpFake } from '../fakes/http-fake.js';
import { configOf, email, resendEntry, send } from '../support/fixtures.js';

let s: RunningServer;
let alpha: HttpFake;
let beta: HttpFake;
const ids: Record<string, number> = {};

const SUMMARY_KEYS = [
  'api_key', 'attempt_count', 'delivery_status', 'error_message', 'from_address', 'id', 'message_id', 'processing_time_ms', 'provider_id', 'provider_name',
  'provider_type', 'send_at', 'source', 'status', 'subject', 'timestamp', 'to_addresses',
];
const DETAIL_KEYS = [...SUMMARY_KEYS, 'attachments', 'attempts', 'bcc', 'body_html', 'body_text', 'cc', 'events', 'headers', 'reply_to', 'suppressed', 'tags'].sort();

before(async () => {
  // alpha refuses subjects with BETA or FAIL (so smart moves on to beta); beta refuses FAIL.
  alpha = await startHttpFake((r) => (/BETA|FAIL/.test(r.json?.subject) ? { status: 500, body: { message: 'alpha down' } } : { status: 200, body: { id: `a-${r.json.subject}` } }));
  beta = await startHttpFake((r) => (/FAIL/.test(r.json?.subject) ? { status: 400, body: { message: 'beta refuses' } } : { status: 200, body: { id: `b-${r.json.subject}` } }));
  s = await startServer({
    env: { BREAKER_THRESHOLD: '1000' },
    config: configOf([resendEntry('alpha', alpha, { name: 'Alpha', weight: 100 }), resendEntry('beta', beta, { name: 'Beta', weight: 50 })]),
  });
  const go = async (key: string, body: Record<string, unknown>, status: number) => {
    const r = await send(s, email(body));
    assert.equal(r.status, status, r.text);
    ids[key] = r.json.log_id ?? r.json.detail.log_id;
  };
  await go('invoice1', { subject: 'Invoice 1', to: ['billing@customer.example'] }, 200);
  await go('invoice2', { subject: 'Invoice 2', to: ['Billing Dept <billing@customer.example>'] }, 200);
  await go('welcome', {
    subject: 'Welcome aboard',
    to: ['new.user@people.example'],
    cc: ['Boss <boss@people.example>'],
    bcc: ['audit@corp.example'],
    reply_to: 'help@corp.example',
    body_html: '<h1>Hi</h1>',
    headers: { 'X-Campaign': 'onboarding' },
    tags: { category: 'welcome' },
    attachments: [{ filename: 'guide.pdf', content: Buffer.alloc(1000, 7).toString('base64'), content_type: 'application/pdf' }],
  }, 200);
  await go('viaBeta', { subject: 'BETA route', from: 'Ops <ops@corp.example>' }, 200);
  await go('failed1', { subject: 'FAIL one' }, 502);
  await go('failed2', { subject: 'FAIL 100%_off' }, 502);
  assert.equal((await api(s.url, 'POST', '/api/config/routing', { sandbox: true })).status, 200);
  await go('sandbox1', { subject: 'Sandboxed invoice 3' }, 200);
  await go('sandbox2', { subject: 'Sandboxed note' }, 200);
  assert.equal((await api(s.url, 'POST', '/api/config/routing', { sandbox: false })).status, 200);
});

after(async () => {
  await s.kill();
  rmSync(s.dir, { recursive: true, force: true });
  await alpha.close();
  await beta.close();
});

const list = (query = '') => api(s.url, 'GET', `/api/logs${query}`);

test('list: newest first, the SPEC summary fields, ISO 8601 UTC timestamps, defaults limit=100 offset=0', async () => {
  const r = await list();
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json).sort(), ['limit', 'logs', 'offset', 'total']);
  assert.deepEqual([r.json.total, r.json.limit, r.json.offset], [8, 100, 0]);
  const order = ['sandbox2', 'sandbox1', 'failed2', 'failed1', 'viaBeta', 'welcome', 'invoice2', 'invoice1'];
  assert.deepEqual(r.json.logs.map((l: any) => l.id), order.map((k) => ids[k]));
  for (const l of r.json.logs) {
    assert.deepEqual(Object.keys(l).sort(), SUMMARY_KEYS);
    assert.match(l.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(l.source, 'api');
    assert.ok(Array.isArray(l.to_addresses));
  }
  const beta = r.json.logs.find((l: any) => l.id === ids.viaBeta);
  assert.deepEqual(
    [beta.status, beta.provider_id, beta.provider_name, beta.provider_type, beta.attempt_count, beta.message_id, beta.from_address, beta.error_message],
    ['success', 'beta', 'Beta', 'resend', 2, 'b-BETA route', 'Ops <ops@corp.example>', null],
  );
  const failed = r.json.logs.find((l: any) => l.id === ids.failed1);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error_message, /Alpha.*alpha down.*Beta.*beta refuses/);
  const sandbox = r.json.logs.find((l: any) => l.id === ids.sandbox1);
  assert.deepEqual([sandbox.status, sandbox.provider_id, sandbox.attempt_count], ['sandbox', null, 0]);
});

test('pagination: pages do not overlap, total is every match, past the end is empty', async () => {
  const all = (await list('?limit=500')).json.logs.map((l: any) => l.id);
  const seen: number[] = [];
  for (let offset = 0; offset < 8; offset += 3) {
    const r = await list(`?limit=3&offset=${offset}`);
    assert.equal(r.status, 200);
    assert.deepEqual([r.json.total, r.json.limit, r.json.offset], [8, 3, offset]);
    seen.push(...r.json.logs.map((l: any) => l.id));
  }
  assert.deepEqual(seen, all);
  const past = await list('?limit=5&offset=100');
  assert.deepEqual([past.json.logs, past.json.total], [[], 8]);
});

test('filters: status, provider id, q over subject and addresses, source; total counts the matches, not the page', async () => {
  const check = async (query: string, keys: string[]) => {
    const r = await list(query);
    assert.equal(r.status, 200, `${query}: ${r.text}`);
    assert.deepEqual(r.json.logs.map((l: any) => l.id).sort(), keys.map((k) => ids[k]).sort(), query);
    const page = await list(`${query}&limit=1`);
    assert.equal(page.json.total, keys.length, `${query} total with limit=1`);
    assert.equal(page.json.logs.length, Math.min(1, keys.length));
  };
  await check('?status=success', ['invoice1', 'invoice2', 'welcome', 'viaBeta']);
  await check('?status=failed', ['failed1', 'failed2']);
  await check('?status=sandbox', ['sandbox1', 'sandbox2']);
  await check('?status=queued', []);
  await check('?provider=alpha', ['invoice1', 'invoice2', 'welcome']);
  await check('?provider=beta', ['viaBeta', 'failed1', 'failed2']);
  await check('?provider=Alpha', []);
  await check('?q=invoice', ['invoice1', 'invoice2', 'sandbox1']);
  await check('?q=INVOICE', ['invoice1', 'invoice2', 'sandbox1']);
  await check('?q=billing%40customer', ['invoice1', 'invoice2']);
  await check('?q=ops%40corp', ['viaBeta']);
  await check('?q=100%25_', ['failed2']);
  // Full-text search: words, not substrings; text with no letter or digit matches nothing.
  await check('?q=%25', []);
  await check('?q=_', []);
  await check('?q=invo', []);
  await check('?q=sandboxed%20invoice', ['sandbox1']);
  await check('?q=Invoice%20OR%20note', []);
  await check('?q=subject%3Ainvoice', []);
  await check('?source=api', Object.keys(ids));
  await check('?source=smtp', []);
  await check('?status=success&q=invoice', ['invoice1', 'invoice2']);
  await check('?status=failed&provider=beta&q=one', ['failed1']);
  await check('?status=', Object.keys(ids));
});

test('q: at most 200 characters (422 naming it); FTS5 syntax in it is only text, never an error', async () => {
  const long = await list(`?q=${'a'.repeat(201)}`);
  assert.equal(long.status, 422, long.text);
  assert.deepEqual(long.json.detail[0].loc, ['query', 'q']);
  assert.equal((await list(`?q=${'a'.repeat(200)}`)).status, 200);
  for (const q of ['"', '"unbalanced', 'NEAR(invoice note)', '*', 'invoice*', '^invoice', 'a:b', '(', ')', 'AND', 'NOT invoice', '-invoice', '+', '{subject}: x', "'; DROP TABLE emails; --", '\\']) {
    const r = await list(`?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    assert.equal(typeof r.json.total, 'number');
  }
  assert.deepEqual((await list(`?q=${encodeURIComponent('"invoice"')}`)).json.total, 3, 'quotes are punctuation');
  assert.equal((await list('')).json.total, Object.keys(ids).length, 'the table is intact');
});

test('limit outside 1–500 and a bad offset are 422 naming the parameter', async () => {
  for (const q of ['?limit=0', '?limit=501', '?limit=-1', '?limit=abc', '?limit=1.5']) {
    const r = await list(q);
    assert.equal(r.status, 422, `${q}: ${r.text}`);
    assert.deepEqual(r.json.detail[0].loc, ['query', 'limit']);
  }
  const off = await list('?offset=-1');
  assert.equal(off.status, 422);
  assert.deepEqual(off.json.detail[0].loc, ['query', 'offset']);
  assert.equal((await list('?limit=1')).status, 200);
  assert.equal((await list('?limit=500')).json.limit, 500);
});

test('detail: the summary plus cc, bcc, reply_to, bodies, headers, tags, attachments (decoded size) and attempts', async () => {
  const r = await api(s.url, 'GET', `/api/logs/${ids.welcome}`);
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json).sort(), DETAIL_KEYS);
  const d = r.json;
  assert.deepEqual(d.to_addresses, ['new.user@people.example']);
  assert.deepEqual(d.cc, ['Boss <boss@people.example>']);
  assert.deepEqual(d.bcc, ['audit@corp.example']);
  assert.equal(d.reply_to, 'help@corp.example');
  assert.deepEqual([d.body_text, d.body_html], ['Hi there', '<h1>Hi</h1>']);
  assert.deepEqual(d.headers, { 'X-Campaign': 'onboarding' });
  assert.deepEqual(d.tags, { category: 'welcome' });
  assert.deepEqual(d.attachments, [{ filename: 'guide.pdf', content_type: 'application/pdf', size: 1000 }]);
  assert.equal(d.attempts.length, 1);
  assert.deepEqual(Object.keys(d.attempts[0]).sort(), ['duration_ms', 'error', 'error_class', 'ok', 'provider_id', 'provider_name', 'provider_type', 'started_at']);

  const twoTries = (await api(s.url, 'GET', `/api/logs/${ids.viaBeta}`)).json;
  assert.deepEqual(twoTries.attempts.map((a: any) => [a.provider_id, a.ok, a.error_class]), [['alpha', false, 'transient'], ['beta', true, null]]);
  assert.match(twoTries.attempts[0].error, /500.*alpha down/);
  const bare = (await api(s.url, 'GET', `/api/logs/${ids.invoice1}`)).json;
  assert.deepEqual([bare.cc, bare.bcc, bare.reply_to, bare.body_html, bare.headers, bare.tags, bare.attachments], [[], [], null, null, {}, {}, []]);
});

test('detail of an unknown id: 404 with the SPEC body', async () => {
  for (const path of ['/api/logs/999999', '/api/logs/999999/raw']) {
    const r = await api(s.url, 'GET', path);
    assert.equal(r.status, 404, path);
    assert.deepEqual(r.json, { detail: { message: 'Log entry not found' } });
  }
  const r = await api(s.url, 'POST', '/api/logs/999999/release');
  assert.deepEqual([r.status, r.json], [404, { detail: { message: 'Log entry not found' } }]);
});

test('raw: the email as RFC 5322 source', async () => {
  const r = await api(s.url, 'GET', `/api/logs/${ids.welcome}/raw`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^message\/rfc822/);
  const mail = await simpleParser(Buffer.from(r.text));
  assert.equal(mail.subject, 'Welcome aboard');
  assert.equal(mail.headers.get('x-campaign'), 'onboarding');
  assert.equal(mail.attachments[0].size, 1000);
  assert.equal(mail.bcc, undefined, 'Bcc is not in the source others may see');
});

test('stats: totals by status, by provider name, and the mean processing time of finished emails', async () => {
  const r = await api(s.url, 'GET', '/api/stats');
  assert.equal(r.status, 200);
  const st = r.json;
  assert.deepEqual(Object.keys(st).sort(), ['avg_processing_time_ms', 'by_provider', 'total', 'total_failed', 'total_queued', 'total_sandbox', 'total_scheduled', 'total_sent']);
  assert.deepEqual([st.total, st.total_sent, st.total_failed, st.total_sandbox, st.total_queued], [8, 4, 2, 2, 0]);
  assert.deepEqual(st.by_provider, { Alpha: { sent: 3, failed: 0 }, Beta: { sent: 1, failed: 2 } });
  const logs = (await list('?limit=500')).json.logs;
  const mean = logs.reduce((sum: number, l: any) => sum + l.processing_time_ms, 0) / logs.length;
  assert.ok(Math.abs(st.avg_processing_time_ms - mean) < 0.02, `${st.avg_processing_time_ms} vs ${mean}`);
});

test('release: a sandboxed email is sent for real and its record moves on; anything else is 409', async () => {
  const before = alpha.requests.length;
  const r = await api(s.url, 'POST', `/api/logs/${ids.sandbox2}/release`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'success');
  assert.equal(r.json.log_id, ids.sandbox2);
  assert.equal(alpha.requests.length, before + 1);
  assert.equal(alpha.requests.at(-1)!.json.subject, 'Sandboxed note');
  const d = (await api(s.url, 'GET', `/api/logs/${ids.sandbox2}`)).json;
  assert.deepEqual([d.status, d.provider_id, d.attempt_count], ['success', 'alpha', 1]);
  for (const id of [ids.sandbox2, ids.invoice1]) {
    const again = await api(s.url, 'POST', `/api/logs/${id}/release`);
    assert.equal(again.status, 409);
    assert.equal(typeof again.json.detail.message, 'string');
  }
  const st = (await api(s.url, 'GET', '/api/stats')).json;
  assert.deepEqual([st.total, st.total_sent, st.total_sandbox], [8, 5, 1]);
  assert.equal((await list()).json.total, 8, 'a release does not add a record');
});
