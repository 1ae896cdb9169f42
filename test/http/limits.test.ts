// SPEC section 9 resource limits through the real server: the request and headers timeouts (408 in the
// {"detail"} shape) and the cap on concurrent /api/events streams (503), each set by its environment variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { api, waitFor } from '../support/server.js';
import { configOf, serverFor } from '../support/fixtures.js';

/** Writes `text` and leaves the connection open; resolves with everything the server sends until it closes. */
function stall(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.setEncoding('utf8');
    socket.on('data', (c) => (answer += c));
    socket.on('close', () => resolve(answer));
    socket.on('error', (err) => (answer ? resolve(answer) : reject(err)));
  });
}

const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

async function assert408(port: number, text: string, what: string) {
  const answer = await stall(port, text);
  assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/, `${what}: ${answer}`);
  assert.match(answer, /\r\ncontent-type: application\/json\r\n/i);
  assert.match(bodyOf(answer).detail.message, /timeout/i, what);
}

test('408 when the headers do not arrive within HTTP_HEADERS_TIMEOUT_MS (the request timeout being far off)', async (t) => {
  const s = await serverFor(t, { env: { SMTP_LISTEN_PORT: 'off', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '600000' } });
  await assert408(s.port, 'POST /api/send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n', 'headers cut short');
  assert.equal((await api(s.url, 'GET', '/api/health')).status, 200);
});

test('408 when the body does not arrive within HTTP_REQUEST_TIMEOUT_MS; nothing is stored; event streams are not cut', async (t) => {
  const s = await serverFor(t, { env: { SMTP_LISTEN_PORT: 'off', HTTP_REQUEST_TIMEOUT_MS: '1500' }, config: configOf([], { sandbox: true }) });
  const stream = await openStream(s.url);
  t.after(() => stream.req.destroy());
  let events = '';
  stream.res.on('data', (c) => (events += c));
  await assert408(s.port, 'POST /api/send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"from":', 'body cut short');
  assert.equal((await api(s.url, 'GET', '/api/logs')).json.total, 0);
  // The stream opened before the stalled request is older than the timeout by now, and still delivers.
  const sent = await api(s.url, 'POST', '/api/send', { from: 'a@example.com', to: ['b@example.org'], subject: 'late', body_text: 'x' });
  assert.equal(sent.status, 200);
  await waitFor(() => events.includes(`id: ${sent.json.log_id}`), 5000, 'the event on the old stream');
});

/** Opens an SSE stream; resolves once its status is known (the stream stays open while it is 200). */
function openStream(url: string): Promise<{ res: IncomingMessage; req: ClientRequest; text: () => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/events`, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      const ended = new Promise<string>((r) => res.on('end', () => r(text)));
      resolve({ res, req, text: () => ended });
    });
    req.on('error', reject);
    req.end();
  });
}

test('at most EVENTS_MAX_CLIENTS concurrent /api/events streams; one more is a 503 until one closes', async (t) => {
  const s = await serverFor(t, { env: { SMTP_LISTEN_PORT: 'off', EVENTS_MAX_CLIENTS: '3' } });
  const open = [await openStream(s.url), await openStream(s.url), await openStream(s.url)];
  t.after(() => open.forEach((o) => o.req.destroy()));
  assert.deepEqual(open.map((o) => o.res.statusCode), [200, 200, 200]);
  const refused = await openStream(s.url);
  assert.equal(refused.res.statusCode, 503);
  assert.match(JSON.parse(await refused.text()).detail.message, /at most 3/);
  // The API itself is not affected.
  assert.equal((await api(s.url, 'GET', '/api/stats')).status, 200);
  open.shift()!.req.destroy();
  const again = await waitFor(async () => {
    const o = await openStream(s.url);
    if (o.res.statusCode === 200) return o;
    await o.text();
    return undefined;
  }, 5000, 'a free stream slot');
  open.push(again);
  assert.equal(again.res.statusCode, 200);
});
