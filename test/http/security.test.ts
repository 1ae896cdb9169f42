// SPEC section 9 through the real server: bearer auth on /api/* (however the path is spelled), the Host-header
// guard without a token, same-origin by default and exactly the configured CORS origins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { api } from '../support/server.js';
import { EMAIL, TOKEN, auth, configOf, serverFor } from '../support/fixtures.js';

const UNAUTHORIZED = { detail: { message: 'Unauthorized. Provide a valid Bearer token in the Authorization header.' } };

/** Every route of the API (and /metrics) that must refuse a request without the token. */
const PROTECTED: [string, string, unknown?][] = [
  ['POST', '/api/send', EMAIL],
  ['GET', '/api/logs'],
  ['GET', '/api/logs/1'],
  ['GET', '/api/logs/1/raw'],
  ['POST', '/api/logs/1/release'],
  ['GET', '/api/stats'],
  ['GET', '/api/events'],
  ['GET', '/api/config'],
  ['PUT', '/api/config', configOf([])],
  ['POST', '/api/config/providers', { name: 'x', type: 'resend', api_key: 'k' }],
  ['PUT', '/api/config/providers/x', { weight: 1 }],
  ['DELETE', '/api/config/providers/x'],
  ['POST', '/api/config/routing', { sandbox: true }],
  ['POST', '/api/config/providers/x/verify'],
  ['GET', '/api/providers/health'],
  ['GET', '/api/provider-types'],
  ['GET', '/metrics'],
  ['HEAD', '/api/logs'],
  // The same routes spelled so that the raw URL does not start with /api/ but routing still reaches them.
  ['GET', '/%61pi/logs'],
  ['GET', '/%61%70%69/config'],
  ['GET', '/api/%63onfig'],
  ['GET', '/%6detrics'],
  ['GET', '/api/nonexistent'],
];

/** node:http, because the tests need to set Host (and read the answer of a streaming route without hanging). */
function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; headers: Record<string, any>; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      // A stream (SSE) that was allowed through: its status is all this test needs.
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '' });
      }
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function rawSocket(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    socket.setEncoding('utf8');
    socket.on('data', (c) => (answer += c));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

test('AUTH_TOKEN: every /api/* route and /metrics need it, however the path is spelled; /api/health does not', async (t) => {
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: configOf([], { sandbox: true }) });
  for (const [method, path, body] of PROTECTED) {
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
      const r = await raw(s.port, method, path, headers, body);
      assert.equal(r.status, 401, `${method} ${path} ${JSON.stringify(headers)}: ${r.status} ${r.text.slice(0, 100)}`);
      assert.equal(r.headers['www-authenticate'], 'Bearer');
      if (method !== 'HEAD') assert.deepEqual(JSON.parse(r.text), UNAUTHORIZED);
    }
  }
  const health = await api(s.url, 'GET', '/api/health');
  assert.equal(health.status, 200);
  // With the token, the same requests get past the guard.
  for (const [method, path, body] of PROTECTED) {
    const r = await raw(s.port, method, path, auth(), body);
    assert.notEqual(r.status, 401, `${method} ${path} with the token: ${r.text.slice(0, 100)}`);
  }
  assert.equal((await api(s.url, 'GET', '/%61pi/logs', undefined, auth())).json.total, 1, 'the encoded path is the real route');
  // The scheme is case-insensitive; the token is not.
  assert.equal((await api(s.url, 'GET', '/api/stats', undefined, { authorization: `bearer ${TOKEN}` })).status, 200);
  assert.equal((await api(s.url, 'GET', '/api/stats', undefined, { authorization: `Bearer ${TOKEN.toUpperCase()}` })).status, 401);
  // The token never appears in the log.
  assert.ok(!JSON.stringify(s.logs).includes(TOKEN));
});

test('without AUTH_TOKEN: a non-loopback Host is refused (421/403) on every route; loopback names are served', async (t) => {
  const s = await serverFor(t, { config: configOf([], { sandbox: true }) });
  const routes: [string, string, unknown?][] = [['GET', '/'], ['GET', '/docs'], ['GET', '/openapi.json'], ['GET', '/api/health'], ['GET', '/nope'], ...PROTECTED];
  const foreign = ['evil.example', `evil.example:${s.port}`, '127.0.0.1.evil.example', 'localhost.evil.example', '192.168.1.10', '[2001:db8::1]:80', '0.0.0.0'];
  for (const host of foreign) {
    for (const [method, path, body] of routes) {
      const r = await raw(s.port, method, path, { host }, body);
      assert.ok(r.status === 421 || r.status === 403, `Host ${JSON.stringify(host)} ${method} ${path} → ${r.status}`);
      if (method !== 'HEAD') assert.equal(typeof JSON.parse(r.text).detail.message, 'string');
    }
  }
  for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, 'localhost', `[::1]:${s.port}`, `dash.localhost:${s.port}`, '127.1.2.3', 'LOCALHOST']) {
    const r = await raw(s.port, 'GET', '/api/health', { host });
    assert.equal(r.status, 200, `Host ${host}`);
  }
  // No Host at all (HTTP/1.0) or an empty one: not a loopback name either.
  for (const head of ['GET /api/health HTTP/1.0\r\n\r\n', 'GET /api/health HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n']) {
    const answer = await rawSocket(s.port, head);
    assert.match(answer, /^HTTP\/1\.[01] (421|403|400) /, JSON.stringify(head));
  }
  assert.equal((await raw(s.port, 'POST', '/api/send', { host: 'evil.example' }, EMAIL)).status, 421);
  assert.equal((await api(s.url, 'GET', '/api/logs')).json.total, 0, 'the refused send left nothing');
});

test('with AUTH_TOKEN any Host is allowed (the token is the protection)', async (t) => {
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN } });
  assert.equal((await raw(s.port, 'GET', '/api/stats', { host: 'gateway.internal.example', ...auth() })).status, 200);
  assert.equal((await raw(s.port, 'GET', '/api/health', { host: 'gateway.internal.example' })).status, 200);
  assert.equal((await raw(s.port, 'GET', '/api/stats', { host: 'gateway.internal.example' })).status, 401);
});

test('same-origin by default: no Access-Control-Allow-Origin at all, for simple and preflight requests', async (t) => {
  const s = await serverFor(t);
  const origin = 'http://evil.example';
  const get = await raw(s.port, 'GET', '/api/logs', { origin });
  assert.equal(get.headers['access-control-allow-origin'], undefined);
  const pre = await raw(s.port, 'OPTIONS', '/api/send', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
  assert.equal(pre.headers['access-control-allow-origin'], undefined);
  assert.equal(pre.headers['access-control-allow-methods'], undefined);
});

test('CORS_ORIGINS allows exactly the listed origins, never *', async (t) => {
  const allowed = 'http://app.example:3000';
  const s = await serverFor(t, { env: { CORS_ORIGINS: `${allowed}, https://other.example`, AUTH_TOKEN: TOKEN } });
  const get = await raw(s.port, 'GET', '/api/stats', { origin: allowed, ...auth() });
  assert.equal(get.status, 200);
  assert.equal(get.headers['access-control-allow-origin'], allowed);
  assert.match(String(get.headers.vary), /origin/i);
  assert.equal((await raw(s.port, 'GET', '/api/stats', { origin: 'https://other.example', ...auth() })).headers['access-control-allow-origin'], 'https://other.example');

  // The preflight carries no token and must still succeed for the allowed origin.
  const pre = await raw(s.port, 'OPTIONS', '/api/send', { origin: allowed, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' });
  assert.ok(pre.status === 204 || pre.status === 200, String(pre.status));
  assert.equal(pre.headers['access-control-allow-origin'], allowed);
  assert.match(String(pre.headers['access-control-allow-headers']), /authorization/i);
  assert.match(String(pre.headers['access-control-allow-methods']), /POST/);

  for (const origin of ['http://evil.example', 'http://app.example', 'http://app.example:3000.evil.example', 'null']) {
    const r = await raw(s.port, 'GET', '/api/stats', { origin, ...auth() });
    assert.equal(r.headers['access-control-allow-origin'], undefined, origin);
    const p = await raw(s.port, 'OPTIONS', '/api/send', { origin, 'access-control-request-method': 'POST' });
    assert.ok(p.headers['access-control-allow-origin'] !== '*' && p.headers['access-control-allow-origin'] !== origin, origin);
  }
});

test('the dashboard sends a strict Content-Security-Policy; API answers are nosniff', async (t) => {
  const built = existsSync(fileURLToPath(new URL('../../dist/web/index.html', import.meta.url)));
  const s = await serverFor(t);
  const home = await api(s.url, 'GET', '/');
  assert.equal(home.status, 200);
  if (built) {
    const csp = home.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-(inline|eval)/);
  } else {
    t.diagnostic('dist/web not built: CSP checked only by npm test (which builds it)');
  }
  assert.equal((await api(s.url, 'GET', '/api/health')).headers.get('x-content-type-options'), 'nosniff');
});

test('bad input of any kind is a 4xx with a message, and the server keeps serving', async (t) => {
  const s = await serverFor(t, { config: configOf([], { sandbox: true }) });
  const cases: [string, string, string | undefined, Record<string, string>][] = [
    ['GET', '/api/logs/abc', undefined, {}],
    ['GET', '/api/logs/-1', undefined, {}],
    ['GET', '/api/logs?limit=%ZZ', undefined, {}],
    ['GET', '/%ZZ', undefined, {}],
    ['POST', '/api/config/routing', '{"sandbox": tru', { 'content-type': 'application/json' }],
    ['PUT', '/api/config', '[]', { 'content-type': 'application/json' }],
    ['POST', '/api/config/providers', '"just a string"', { 'content-type': 'application/json' }],
    ['POST', '/api/send', '{"from": "\\ud800"}', { 'content-type': 'application/json' }],
    ['POST', '/api/send', '\u0000\u0001garbage', { 'content-type': 'application/json' }],
    ['DELETE', '/api/send', undefined, {}],
  ];
  for (const [method, path, body, headers] of cases) {
    const r = await api(s.url, method, path, body, headers);
    assert.ok(r.status >= 400 && r.status < 500, `${method} ${path} → ${r.status} ${r.text.slice(0, 120)}`);
    assert.ok(r.json?.detail, `${method} ${path}: ${r.text.slice(0, 120)}`);
    assert.doesNotMatch(r.text, /\bat \w+.*\(.*:\d+:\d+\)|node_modules|\/src\//);
  }
  assert.equal((await api(s.url, 'POST', '/api/send', EMAIL)).status, 200);
});
