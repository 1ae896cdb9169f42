// SPEC 9 cross-site request forgery: a write whose Origin is foreign, or marked Sec-Fetch-Site: cross-site,
// is refused with or without a token, and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../support/server.js';
import { EMAIL, TOKEN, auth, configOf, fakeFor, resendEntry, resendOk, send, serverFor } from '../support/fixtures.js';
import { startHttpFake } from '../fakes/http-fake.js';

const EVIL = 'http://evil.example';

test("a cross-site release (fetch(…, {mode:'no-cors'}) from another site) changes nothing, without a token", async (t) => {
  const fake = await fakeFor(t, () => startHttpFake(resendOk()));
  const s = await serverFor(t, { config: configOf([resendEntry('rs', fake)], { sandbox: true }) });
  const captured = await send(s, EMAIL);
  assert.equal(captured.json.status, 'sandbox');
  await api(s.url, 'POST', '/api/config/routing', { sandbox: false });
  // What a browser sends for a no-cors POST from a page on evil.example: a text/plain body, Origin and Sec-Fetch-*.
  const noCors = { origin: EVIL, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'content-type': 'text/plain;charset=UTF-8' };
  for (const headers of [noCors, { origin: EVIL }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }] as Record<string, string>[]) {
    const r = await api(s.url, 'POST', `/api/logs/${captured.json.log_id}/release`, '', headers);
    assert.equal(r.status, 403, JSON.stringify(headers));
    assert.match(r.json.detail.message, /cross-site/i);
  }
  assert.equal((await api(s.url, 'GET', `/api/logs/${captured.json.log_id}`)).json.status, 'sandbox');
  assert.equal(fake.requests.length, 0, 'the provider received nothing');
  // The dashboard's own origin (and Sec-Fetch-Site same-origin) is served.
  const own = await api(s.url, 'POST', `/api/logs/${captured.json.log_id}/release`, undefined, { origin: s.url, 'sec-fetch-site': 'same-origin' });
  assert.equal(own.status, 200, own.text);
  assert.equal(fake.requests.length, 1);
});

test('with a token too: foreign Origin on POST/PUT/DELETE is 403; reads, listed CORS origins and no Origin pass', async (t) => {
  const allowed = 'http://app.example:3000';
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN, CORS_ORIGINS: allowed }, config: configOf([], { sandbox: true }) });
  const writes: [string, string, unknown?][] = [
    ['POST', '/api/send', EMAIL],
    ['PUT', '/api/config', configOf([])],
    ['DELETE', '/api/config/providers/x'],
    ['POST', '/api/keys', { name: 'k', scope: 'send' }],
  ];
  for (const [method, path, body] of writes) {
    for (const origin of [EVIL, `http://127.0.0.1:${s.port}.evil.example`, 'http://app.example:3001']) {
      const r = await api(s.url, method, path, body, { ...auth(), origin });
      assert.equal(r.status, 403, `${method} ${path} from ${origin}`);
    }
  }
  assert.equal((await api(s.url, 'GET', '/api/logs', undefined, auth())).json.total, 0, 'no refused send was stored');
  assert.deepEqual((await api(s.url, 'GET', '/api/keys', undefined, auth())).json.keys, []);
  assert.equal((await api(s.url, 'GET', '/api/stats', undefined, { ...auth(), origin: EVIL })).status, 200, 'reads are not writes');
  assert.equal((await send(s, EMAIL, { ...auth(), origin: allowed })).status, 200, 'a CORS_ORIGINS entry may write');
  assert.equal((await send(s, EMAIL, auth())).status, 200, 'no Origin: a server-side client');
});
