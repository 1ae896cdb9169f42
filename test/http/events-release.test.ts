// GET /api/events (SSE), GET /api/logs/{id}/raw and POST /api/logs/{id}/release against the real server.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import Database from 'better-sqlite3';
import { api, startServer } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';

const EMAIL = {
  from: 'Sender <sender@example.com>',
  to: ['rcpt@example.org'],
  subject: 'Live event',
  body_text: 'text part',
  body_html: '<p>html part</p>',
  attachments: [{ filename: 'note.txt', content: Buffer.from('attached').toString('base64'), content_type: 'text/plain' }],
};
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup) await c();
});

/** Reads SSE frames from a fetch body until `want` matches one (bounded). */
async function nextEvent(body: ReadableStream<Uint8Array>, want: (e: { event: string; data: any }) => boolean, timeoutMs = 5000) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const { value, done } = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no matching event in time')), deadline - Date.now())),
      ]);
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event && data) {
          const e = { event, data: JSON.parse(data) };
          if (want(e)) return e;
        }
      }
    }
    throw new Error('stream ended without a matching event');
  } finally {
    reader.releaseLock();
  }
}

test('SSE: a new log record arrives as `event: log` with its summary; the bearer header is required', async () => {
  const token = 'sse-token-123';
  const server = await startServer({ env: { SMTP_LISTEN_PORT: 'off', AUTH_TOKEN: token } });
  cleanup.push(() => server.kill());
  const auth = { authorization: `Bearer ${token}` };
  assert.equal((await fetch(`${server.url}/api/events`)).status, 401);
  await api(server.url, 'POST', '/api/config/routing', { sandbox: true }, auth);

  const controller = new AbortController();
  const stream = await fetch(`${server.url}/api/events`, { headers: auth, signal: controller.signal });
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get('content-type')!, /text\/event-stream/);
  const sent = await api(server.url, 'POST', '/api/send', EMAIL, auth);
  const e = await nextEvent(stream.body!, (ev) => ev.data.id === sent.json.log_id);
  assert.equal(e.event, 'log');
  assert.equal(e.data.status, 'sandbox');
  assert.equal(e.data.subject, 'Live event');
  assert.deepEqual(e.data.to_addresses, ['rcpt@example.org']);
  controller.abort();
  // An open stream does not hold up shutdown.
  const stream2 = await fetch(`${server.url}/api/events`, { headers: auth });
  assert.equal(stream2.status, 200);
  assert.equal(await server.stop(), 0);
});

test('raw source and release of a sandboxed email', async () => {
  const fake = await startHttpFake(() => ({ status: 200, body: { id: 'released-1' } }));
  const server = await startServer({
    env: { SMTP_LISTEN_PORT: 'off' },
    config: {
      providers: [{ id: 'rs', name: 'Resend', type: 'resend', enabled: true, weight: 100, api_key: 're_release_secret_123', base_url: fake.url }],
      routing: { mode: 'smart', sandbox: true, rules: [] },
      version: 1,
    },
  });
  cleanup.push(async () => {
    await server.kill();
    await fake.close();
  });
  const sent = await api(server.url, 'POST', '/api/send', EMAIL);
  assert.equal(sent.json.status, 'sandbox');
  const id = sent.json.log_id;

  const raw = await fetch(`${server.url}/api/logs/${id}/raw`);
  assert.equal(raw.status, 200);
  assert.match(raw.headers.get('content-type')!, /^message\/rfc822/);
  const parsed = await simpleParser(Buffer.from(await raw.arrayBuffer()));
  assert.equal(parsed.subject, 'Live event');
  assert.equal(parsed.text?.trim(), 'text part');
  assert.match(String(parsed.html), /html part/);
  assert.equal(parsed.attachments[0].filename, 'note.txt');
  assert.equal(parsed.attachments[0].content.toString(), 'attached');
  assert.equal(fake.requests.length, 0);

  const released = await api(server.url, 'POST', `/api/logs/${id}/release`);
  assert.equal(released.status, 200);
  assert.equal(released.json.status, 'success');
  assert.equal(released.json.log_id, id);
  assert.equal(released.json.message_id, 'released-1');
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0].json.subject, 'Live event');
  // Like every send, a release carries a key the provider deduplicates on, kept with the record for retries.
  const key = fake.requests[0].headers['idempotency-key'];
  assert.match(String(key), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const db = new Database(server.databasePath, { readonly: true });
  try {
    assert.equal((db.prepare('SELECT delivery_key FROM emails WHERE id = ?').get(id) as { delivery_key: string }).delivery_key, key);
  } finally {
    db.close();
  }
  const d = (await api(server.url, 'GET', `/api/logs/${id}`)).json;
  assert.equal(d.status, 'success');
  assert.equal(d.attempts.length, 1);

  const again = await api(server.url, 'POST', `/api/logs/${id}/release`);
  assert.equal(again.status, 409);
  assert.equal(fake.requests.length, 1);
  assert.deepEqual((await api(server.url, 'POST', '/api/logs/99999/release')).json, { detail: { message: 'Log entry not found' } });
  assert.equal((await api(server.url, 'GET', '/api/logs/99999/raw')).status, 404);
});
