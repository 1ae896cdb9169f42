// One table over every route in the served OpenAPI document × every kind of credential: a route added
// tomorrow is covered without touching this file. Expectations follow SPEC 9.1 from the route's `x-scope`;
// a few literal anchors check that the declared scopes themselves are the SPEC's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../support/server.js';
import { EMAIL, TOKEN, auth, configOf, createKey, serverFor } from '../support/fixtures.js';

type Scope = 'public' | 'any' | 'send' | 'read' | 'admin' | 'token';
type Who = 'none' | 'token' | 'admin' | 'read' | 'send' | 'deleted';

const ANCHORS: Record<string, Scope> = {
  'POST /api/send': 'send',
  'GET /api/logs': 'read',
  'GET /api/logs/{id}': 'read',
  'GET /api/logs/{id}/raw': 'read',
  'GET /api/stats': 'read',
  'GET /api/events': 'read',
  'GET /api/config': 'read',
  'GET /metrics': 'read',
  'GET /api/providers/health': 'read',
  'GET /api/health': 'public',
  'POST /api/logs/{id}/release': 'admin',
  'PUT /api/config': 'admin',
  'POST /api/config/providers': 'admin',
  'DELETE /api/config/providers/{id}': 'admin',
  'POST /api/keys': 'token',
  'GET /api/keys': 'token',
  'DELETE /api/keys/{id}': 'token',
  'GET /api/whoami': 'any',
  // The drop-ins (SPEC 13) check their own scope in their own error shape, but declare it like any route.
  'POST /emails': 'send',
  'POST /emails/batch': 'send',
  'GET /emails/{id}': 'read',
  'POST /emails/{id}/cancel': 'send',
  'POST /v3/mail/send': 'send',
  'POST /email': 'send',
  'POST /email/batch': 'send',
};

/** What the SPEC says each credential gets: 401, 403, or through (any other status). */
function expected(scope: Scope, who: Who): 401 | 403 | 'through' {
  if (scope === 'public' || who === 'token') return 'through';
  if (who === 'none' || who === 'deleted') return 401;
  if (scope === 'any') return 'through';
  if (scope === 'token') return 403;
  return who === 'admin' || who === scope ? 'through' : 403;
}

/** One request; a stream (SSE) is cut off once its status is known. */
async function call(base: string, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const ctl = new AbortController();
  const withBody = method === 'POST' || method === 'PUT';
  const res = await fetch(base + path, {
    method,
    // Postmark's drop-in reads its credential from X-Postmark-Server-Token: the same secret goes there too.
    headers: {
      ...headers,
      ...(headers.authorization ? { 'x-postmark-server-token': headers.authorization.replace(/^Bearer /, '') } : {}),
      ...(withBody ? { 'content-type': 'application/json' } : {}),
    },
    body: withBody ? JSON.stringify(path === '/api/send' ? EMAIL : {}) : undefined,
    signal: ctl.signal,
  });
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    ctl.abort();
    return { status: res.status, text: '' };
  }
  return { status: res.status, text: await res.text() };
}

test('every route in /openapi.json answers 401/403 per SPEC 9.1 for no credential, token, admin, read, send and a deleted key', async (t) => {
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: configOf([], { sandbox: true }) });
  const secrets: Record<Who, string | undefined> = { none: undefined, token: TOKEN, admin: '', read: '', send: '', deleted: '' };
  for (const scope of ['admin', 'read', 'send'] as const) secrets[scope] = (await createKey(s, `${scope}-key`, scope)).secret;
  const gone = await createKey(s, 'gone', 'admin');
  assert.equal((await api(s.url, 'DELETE', `/api/keys/${gone.key.id}`, undefined, auth())).status, 200);
  secrets.deleted = gone.secret;

  const doc = (await api(s.url, 'GET', '/openapi.json')).json;
  const routes: [string, string, Scope][] = [];
  const dropin = new Set<string>();
  const resend = new Set<string>();
  for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const scope = op['x-scope'] as Scope | undefined;
      assert.ok(scope, `${method.toUpperCase()} ${path} shows no x-scope`);
      assert.match(op.description ?? '', /Scope: /, `${method.toUpperCase()} ${path}: the scope is in its description`);
      routes.push([method.toUpperCase(), path, scope]);
      if ((op.tags ?? []).some((t: string) => t.startsWith('drop-in'))) dropin.add(`${method.toUpperCase()} ${path}`);
      if ((op.tags ?? []).includes('drop-in: resend')) resend.add(`${method.toUpperCase()} ${path}`);
    }
  }
  for (const [route, scope] of Object.entries(ANCHORS)) {
    assert.equal(routes.find(([m, p]) => `${m} ${p}` === route)?.[2], scope, `${route} declares the SPEC's scope`);
  }
  assert.ok(routes.length >= Object.keys(ANCHORS).length);

  const failures: string[] = [];
  for (const [method, template, scope] of routes) {
    // Unknown ids: nothing existing is changed or deleted by the sweep.
    const path = template.replace(/\{[^}]+\}/g, '999999');
    for (const who of Object.keys(secrets) as Who[]) {
      const secret = secrets[who];
      const r = await call(s.url, method, path, secret === undefined ? {} : auth(secret));
      // Resend answers a key it does not know with 403 invalid_api_key (its own shape, test/dropin/resend.test.ts).
      const want = who === 'deleted' && resend.has(`${method} ${template}`) ? 403 : expected(scope, who);
      const ok = want === 'through' ? r.status !== 401 && r.status !== 403 : r.status === want;
      if (!ok) failures.push(`${method} ${template} (${scope}) as ${who}: ${r.status}, expected ${want} ${r.text.slice(0, 120)}`);
      if (ok && want === 403 && who !== 'deleted') {
        const keyScope = who as 'admin' | 'read' | 'send';
        const refusal = `This key's scope (${keyScope}) does not allow this request`;
        // A drop-in answers in its provider's error shape (test/dropin/scopes.test.ts checks each), with the same words.
        if (dropin.has(`${method} ${template}`)) assert.ok(r.text.includes(refusal), `${method} ${template}: ${r.text}`);
        else assert.deepEqual(JSON.parse(r.text), { detail: { message: refusal } });
      }
    }
  }
  assert.deepEqual(failures, []);
  // The sweep's sends were sandboxed and each names its credential.
  const names = (await api(s.url, 'GET', '/api/logs', undefined, auth())).json.logs.map((l: any) => l.api_key).sort();
  assert.deepEqual(names, ['AUTH_TOKEN', 'admin-key', 'send-key']);
});
