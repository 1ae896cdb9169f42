// SPEC section 9, "bad input of any kind", through the real server: bodies built to exhaust memory or the
// event loop get a clear 4xx with one error per field, the process keeps serving, and nothing unvalidated
// reaches a provider.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { api, startServer, type RunningServer } from '../support/server.js';
import { EMAIL, configOf, email, fakeFor, logTotal, resendEntry, resendOk, send, serverFor } from '../support/fixtures.js';
import { memoryOf, resetPeak } from '../support/process.js';
import { startHttpFake } from '../fakes/http-fake.js';

let s: RunningServer;
before(async () => {
  s = await startServer({ env: { SMTP_LISTEN_PORT: 'off' }, config: configOf([], { sandbox: true }) });
});
after(async () => {
  await s.kill();
  rmSync(s.dir, { recursive: true, force: true });
});

const MB = 1024 * 1024;
const locs = (r: { json: any }) => r.json.detail.map((d: any) => JSON.stringify(d.loc));
/** The body as JSON text with `field` replaced by raw JSON (so it can be far bigger than a JS array would like). */
const withRaw = (field: string, rawJson: string) => JSON.stringify(email({ [field]: '__RAW__' })).replace('"__RAW__"', rawJson);

/** Sends `body` while /api/health is asked again and again; returns the answer and every health status seen. */
async function whileHealthy(body: string) {
  const statuses: number[] = [];
  let done = false;
  const poll = (async () => {
    while (!done) statuses.push((await api(s.url, 'GET', '/api/health')).status);
  })();
  const r = await send(s, body);
  done = true;
  await poll;
  statuses.push((await api(s.url, 'GET', '/api/health')).status);
  return { r, statuses };
}

test('array bomb: 10 MiB of `to` holding 5 million numbers is one 422, memory stays bounded, health keeps answering', async () => {
  const body = withRaw('to', `[${'1,'.repeat(5_000_000)}1]`);
  assert.ok(body.length > 10_000_000 && body.length <= 10 * MB);
  resetPeak(s.process.pid!);
  const before = memoryOf(s.process.pid!).rss;
  const { r, statuses } = await whileHealthy(body);
  const grown = memoryOf(s.process.pid!).peak - before;
  assert.equal(r.status, 422, r.text.slice(0, 300));
  assert.equal(r.json.detail.length, 1, r.text.slice(0, 300));
  assert.deepEqual(r.json.detail[0].loc, ['body']);
  assert.match(r.json.detail[0].msg, /more than 100000 values/);
  assert.ok(grown < 100 * MB, `RSS grew by ${Math.round(grown / MB)} MB`);
  assert.ok(statuses.length > 0 && statuses.every((x) => x === 200), statuses.join(','));
});

test('an array over maxItems but under the value cap: exactly one error for the field, none per item', async () => {
  for (const field of ['to', 'cc', 'bcc']) {
    const r = await send(s, withRaw(field, `[${'1,'.repeat(60_000)}1]`));
    assert.equal(r.status, 422);
    assert.deepEqual(r.json.detail, [{ loc: ['body', field], msg: 'List should have at most 50 items', type: 'too_long' }]);
  }
  const attachments = Array.from({ length: 5000 }, () => ({ filename: 7 }));
  const r = await send(s, email({ attachments }));
  assert.deepEqual(r.json.detail, [{ loc: ['body', 'attachments'], msg: 'List should have at most 100 items', type: 'too_long' }]);
});

test('regex bombs in every address field: one length error each, the address parser never sees them', async () => {
  const bombs = [' '.repeat(100_000), `${' '.repeat(100_000)}a`, '"'.repeat(100_000), '<'.repeat(100_000), `a${' '.repeat(99_998)}<`, `${'a '.repeat(50_000)}<b@c>`];
  const fields: [string, (v: string) => Record<string, unknown>, (string | number)[]][] = [
    ['from', (v) => ({ from: v }), ['body', 'from']],
    ['to', (v) => ({ to: [v] }), ['body', 'to', 0]],
    ['cc', (v) => ({ cc: ['ok@example.org', v] }), ['body', 'cc', 1]],
    ['bcc', (v) => ({ bcc: [v] }), ['body', 'bcc', 0]],
    ['reply_to', (v) => ({ reply_to: v }), ['body', 'reply_to']],
  ];
  for (const [name, put, loc] of fields) {
    for (const bomb of bombs) {
      const { r, statuses } = await whileHealthy(JSON.stringify(email(put(bomb))));
      assert.equal(r.status, 422, name);
      assert.deepEqual(r.json.detail, [{ loc, msg: 'String should have at most 998 characters', type: 'string_too_long' }], name);
      assert.ok(statuses.every((x) => x === 200));
    }
    // Just under the length limit, the same shapes are refused by the parser as not an address.
    for (const bomb of [' '.repeat(990), `a${' '.repeat(990)}<`, `${'a '.repeat(490)}<b@c`, '"'.repeat(998)]) {
      const r = await send(s, email(put(bomb)));
      assert.equal(r.status, 422, name);
      assert.deepEqual(locs(r), [JSON.stringify(loc)], name);
      assert.match(r.json.detail[0].msg, /Not a valid email address/);
    }
  }
});

test('100 000-character strings in every field at once: one error per field, at most 100, nothing stored', async () => {
  const long = 'x'.repeat(100_000);
  const body = {
    from: long,
    to: [long],
    cc: [long],
    bcc: [long],
    reply_to: long,
    subject: long,
    body_text: long,
    body_html: long,
    headers: { [long]: 'v', 'X-Long': long },
    attachments: [{ filename: long, content: long, content_type: long }],
    tags: { [long]: 'v', campaign: long },
  };
  const r = await send(s, JSON.stringify(body));
  assert.equal(r.status, 422);
  const got = r.json.detail.map((d: any) => `${d.loc.slice(1, 4).map((p: any) => (String(p).length > 100 ? 'xxxxxxxxxx' : p)).join('.')}:${d.type}`).sort();
  // (`x` × 100 000 is valid base64, and the bodies have no length limit but the body's own.)
  assert.deepEqual(got, [
    'attachments.0.content_type:string_too_long',
    'attachments.0.filename:string_too_long',
    'bcc.0:string_too_long',
    'cc.0:string_too_long',
    'from:string_too_long',
    'headers.X-Long:string_too_long',
    'headers.xxxxxxxxxx:string_too_long',
    'reply_to:string_too_long',
    'subject:string_too_long',
    'tags.campaign:string_too_long',
    'tags.xxxxxxxxxx:string_too_long',
    'to.0:string_too_long',
  ]);
  assert.equal(await logTotal(s), 0);
});

test('a 422 lists at most 100 problems', async () => {
  const attachments = Array.from({ length: 100 }, () => ({ filename: '', content: '!', content_type: 'nope' }));
  const r = await send(s, email({ from: 'x', to: ['y'], attachments }));
  assert.equal(r.status, 422);
  assert.equal(r.json.detail.length, 100);
  assert.deepEqual(r.json.detail[0].loc, ['body', 'from']);
});

test('deep nesting and huge objects are refused before they are parsed, in known and unknown fields', async () => {
  for (const [name, body] of [
    ['deep from', withRaw('from', `${'['.repeat(5_000_000)}${']'.repeat(5_000_000)}`)],
    ['deep unknown field', withRaw('extra', `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`)],
    ['deep tags', withRaw('tags', `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`)],
  ] as const) {
    const { r, statuses } = await whileHealthy(body);
    assert.equal(r.status, 422, name);
    assert.deepEqual(r.json.detail, [{ loc: ['body'], msg: 'JSON nested deeper than 32 levels', type: 'too_complex' }], name);
    assert.ok(statuses.every((x) => x === 200));
  }
  // Many distinct keys are what JSON.parse pays most for: at most 10 000 object members in the whole body.
  const keys = Array.from({ length: 20_000 }, (_, i) => `"k${i}":1`).join(',');
  for (const field of ['headers', 'tags', 'extra']) {
    const r = await send(s, withRaw(field, `{${keys}}`));
    assert.equal(r.status, 422, field);
    assert.deepEqual(r.json.detail, [{ loc: ['body'], msg: 'JSON objects hold more than 10000 members', type: 'too_complex' }]);
  }
  const spread = `[${Array.from({ length: 101 }, (_, j) => `{${Array.from({ length: 100 }, (_, i) => `"k${j}_${i}":1`).join(',')}}`).join(',')}]`;
  assert.match((await send(s, withRaw('extra', spread))).json.detail[0].msg, /more than 10000 members/);
  const r = await send(s, withRaw('headers', `{${Array.from({ length: 500 }, (_, i) => `"X-H${i}":"${i}"`).join(',')}}`));
  assert.deepEqual(r.json.detail, [{ loc: ['body', 'headers'], msg: 'Object should have at most 100 entries', type: 'too_long' }]);
});

test('big base64 attachments are checked without a regex: 7 MB valid is accepted, 7 MB with one bad byte is a 422', async () => {
  const content = Buffer.alloc(5 * MB, 7).toString('base64');
  const ok = await send(s, email({ attachments: [{ filename: 'big.bin', content }] }));
  assert.equal(ok.status, 200, ok.text.slice(0, 300));
  const bad = await send(s, email({ attachments: [{ filename: 'big.bin', content: `${content.slice(0, -8)}!${content.slice(-7)}` }] }));
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.detail, [{ loc: ['body', 'attachments', 0, 'content'], msg: 'Attachment content must be valid base64', type: 'value_error' }]);
  // MIME-style line breaks are fine; padding only at the end.
  assert.equal((await send(s, email({ attachments: [{ filename: 'a', content: 'aGVs\r\nbG8=' }] }))).status, 200);
  assert.equal((await send(s, email({ attachments: [{ filename: 'a', content: 'aG=s' }] }))).status, 422);
});

test('a body that is not valid UTF-8 is a 400, and nothing is stored', async () => {
  const before = await logTotal(s);
  const json = Buffer.from(JSON.stringify(email({ subject: 'PLACEHOLDER' })));
  const at = json.indexOf('PLACEHOLDER');
  for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
    const body = Buffer.concat([json.subarray(0, at), Buffer.from(bad), json.subarray(at + 'PLACEHOLDER'.length)]);
    const r = await fetch(`${s.url}/api/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(r.status, 400, bad.join(' '));
    assert.deepEqual(await r.json(), { detail: { message: 'The body is not valid UTF-8' } });
  }
  // Valid multi-byte text is of course fine.
  assert.equal((await send(s, email({ subject: 'Grüße ✉ 𝄞' }))).status, 200);
  assert.equal(await logTotal(s), before + 1);
});

/**
 * Writes the whole body before reading anything, as a client without `Expect: 100-continue` does (the socket
 * is paused until the last byte is handed to the kernel), then reads the answer.
 */
function postAll(url: string, body: Buffer): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/send`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.on('socket', (socket) => {
      socket.pause();
      req.end(body, () => socket.resume());
    });
  });
}

const oversized = () => Buffer.from(JSON.stringify(email({ body_text: 'x'.repeat(10.5 * MB) })));

test('413 for a 10.5 MiB body written in full before reading (Node http): the answer arrives', async () => {
  for (let i = 0; i < 3; i++) {
    const r = await postAll(s.url, oversized());
    assert.equal(r.status, 413);
    assert.match(r.json.detail.message, /10485760 bytes/);
  }
  assert.equal((await api(s.url, 'GET', '/api/health')).status, 200);
});

test('413 for a 10.5 MiB body sent by Python urllib (no Expect: 100-continue)', async () => {
  const { spawn } = await import('node:child_process');
  const script = `
import json, sys, urllib.request, urllib.error
body = json.dumps({"from": "a@example.com", "to": ["b@example.org"], "subject": "s", "body_text": "x" * (10 * 1024 * 1024 + 512 * 1024)}).encode()
req = urllib.request.Request(sys.argv[1] + "/api/send", data=body, headers={"Content-Type": "application/json"}, method="POST")
try:
    urllib.request.urlopen(req, timeout=60)
    print(json.dumps({"status": 200}))
except urllib.error.HTTPError as e:
    print(json.dumps({"status": e.code, "body": json.loads(e.read())}))
`;
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('python3', ['-c', script, s.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`python3 exited ${code}: ${stderr}`))));
  });
  const r = JSON.parse(out);
  assert.equal(r.status, 413);
  assert.match(r.body.detail.message, /10485760 bytes/);
});

test('fail closed: nothing unvalidated reaches a provider (a big attachment, then CRLF behind it; a numeric tag)', async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk()));
  const live = await serverFor(t, { env: { SMTP_LISTEN_PORT: 'off' }, config: configOf([resendEntry('r', fake)]) });
  const big = Buffer.alloc(4 * MB, 1).toString('base64');
  const bodies = [
    email({ attachments: [{ filename: 'big.bin', content: big }, { filename: 'x.txt\r\nBcc: victim@example.net', content: 'eA==' }] }),
    email({ attachments: [{ filename: 'big.bin', content: big }, { filename: 'x.txt', content: 'eA==', content_type: 'text/plain\r\nBcc: victim@example.net' }] }),
    email({ attachments: [{ filename: 'big.bin', content: big }], tags: { campaign: 'a\r\nBcc: victim@example.net' } }),
    email({ tags: { campaign: 7 } }),
    email({ tags: { nested: { a: 'b' } } }),
  ];
  for (const body of bodies) {
    const r = await send(live, body);
    assert.equal(r.status, 422, r.text.slice(0, 300));
  }
  assert.equal(fake.requests.length, 0, 'the provider received nothing');
  assert.equal(await logTotal(live), 0);
  assert.equal((await send(live, EMAIL)).status, 200);
  assert.equal(fake.requests.length, 1);
});
