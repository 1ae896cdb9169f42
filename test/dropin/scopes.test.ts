// The drop-in APIs' scopes (SPEC 9.1, 13): a `read` key may not send through any of them and is refused with 403
// in that provider's own error shape, nothing stored; a `send` key may not read Resend's GET /emails/{id}; and the
// OpenAPI document shows each drop-in route's real scope, not `public`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../support/server.js';
import { TOKEN, auth, configOf, createKey, logTotal, serverFor } from '../support/fixtures.js';

const REFUSAL = "This key's scope (read) does not allow this request";

test('drop-in scopes: read keys cannot send, in each provider error shape; OpenAPI shows the real scope', async (t) => {
  const s = await serverFor(t, { env: { AUTH_TOKEN: TOKEN }, config: configOf([], { sandbox: true }) });
  const read = (await createKey(s, 'reader', 'read')).secret;
  const sender = (await createKey(s, 'sender', 'send')).secret;
  const before = await logTotal(s, auth());

  await t.test('Resend POST /emails: 403 {statusCode,name,message}', async () => {
    const r = await api(s.url, 'POST', '/emails', { from: 'a@example.com', to: 'b@example.org', subject: 'x', text: 'y' }, auth(read));
    assert.equal(r.status, 403, r.text);
    assert.deepEqual(r.json, { statusCode: 403, name: 'restricted_api_key', message: REFUSAL });
  });

  await t.test('SendGrid POST /v3/mail/send: 403 {errors:[{message}]}', async () => {
    const body = { personalizations: [{ to: [{ email: 'b@example.org' }] }], from: { email: 'a@example.com' }, subject: 'x', content: [{ type: 'text/plain', value: 'y' }] };
    const r = await api(s.url, 'POST', '/v3/mail/send', body, auth(read));
    assert.equal(r.status, 403, r.text);
    assert.ok(Array.isArray(r.json.errors), r.text);
    assert.equal(r.json.errors[0].message, REFUSAL);
  });

  await t.test('Postmark POST /email: 403 {ErrorCode,Message}', async () => {
    const r = await api(s.url, 'POST', '/email', { From: 'a@example.com', To: 'b@example.org', Subject: 'x', TextBody: 'y' }, { 'x-postmark-server-token': read });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.Message, REFUSAL, r.text);
    assert.equal(typeof r.json.ErrorCode, 'number');
  });

  await t.test('nothing was stored', async () => assert.equal(await logTotal(s, auth()), before));

  await t.test('Resend GET /emails/{id} needs read: a send key is refused, a read key gets through (404 here)', async () => {
    const refused = await api(s.url, 'GET', '/emails/1', undefined, auth(sender));
    assert.equal(refused.status, 403, refused.text);
    assert.deepEqual(refused.json, { statusCode: 403, name: 'restricted_api_key', message: "This key's scope (send) does not allow this request" });
    assert.equal((await api(s.url, 'GET', '/emails/999999', undefined, auth(read))).status, 404);
  });

  await t.test('OpenAPI shows send (read for GET /emails/{id}), not public', async () => {
    const doc = (await api(s.url, 'GET', '/openapi.json')).json;
    const want: [string, string, string][] = [
      ['/emails', 'post', 'send'],
      ['/emails/batch', 'post', 'send'],
      ['/emails/{id}', 'get', 'read'],
      ['/emails/{id}/cancel', 'post', 'send'],
      ['/v3/mail/send', 'post', 'send'],
      ['/email', 'post', 'send'],
      ['/email/batch', 'post', 'send'],
    ];
    for (const [path, method, scope] of want) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path} in the document`);
      assert.equal(op['x-scope'], scope, `${method} ${path}`);
      assert.notDeepEqual(op.security, [], `${method} ${path} is not shown as needing no credential`);
    }
  });
});
