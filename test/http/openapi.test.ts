// GET /openapi.json and GET /docs: an OpenAPI 3 document of the whole API, built from the validating schemas.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Ajv } from 'ajv';
import { api, startServer, type RunningServer } from '../support/server.js';
import { EMAIL, TOKEN, email } from '../support/fixtures.js';

let s: RunningServer;
let doc: any;
before(async () => {
  // With a token: the document and the docs page stay readable, and say the API wants a bearer token.
  s = await startServer({ env: { AUTH_TOKEN: TOKEN } });
  const r = await api(s.url, 'GET', '/openapi.json');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  doc = r.json;
});
after(async () => {
  await s.kill();
  rmSync(s.dir, { recursive: true, force: true });
});

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

test('a structurally valid OpenAPI 3 document', () => {
  assert.match(doc.openapi, /^3\.\d+\.\d+$/);
  assert.equal(typeof doc.info.title, 'string');
  assert.match(doc.info.version, /^\d+\.\d+\.\d+/);
  assert.equal(typeof doc.paths, 'object');
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    assert.match(path, /^\//);
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries<any>(item)) {
      assert.ok(METHODS.includes(method), `${path}: ${method}`);
      assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${path} has responses`);
      for (const [code, res] of Object.entries<any>(op.responses)) {
        assert.match(code, /^([1-5]\d\d|[1-5]XX|default)$/, `${method} ${path} ${code}`);
        assert.equal(typeof res.description, 'string', `${method} ${path} ${code} description`);
      }
      const declared = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
      assert.deepEqual(declared.sort(), [...params].sort(), `${method} ${path} path parameters`);
    }
  }
  // Every $ref points inside the document.
  const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
  for (const ref of refs) {
    const pointer = ref.slice(8, -1);
    assert.match(pointer, /^#\//);
    const target = pointer.slice(2).split('/').reduce((node: any, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    assert.ok(target, `unresolved ${pointer}`);
  }
  assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
  assert.deepEqual(doc.security, [{ bearer: [] }]);
});

test('it describes every route of SPEC section 6 and POST /api/send', () => {
  const expected: [string, string][] = [
    ['post', '/api/send'],
    ['get', '/api/health'],
    ['get', '/api/logs'],
    ['get', '/api/logs/{id}'],
    ['get', '/api/logs/{id}/raw'],
    ['post', '/api/logs/{id}/release'],
    ['get', '/api/stats'],
    ['get', '/api/config'],
    ['put', '/api/config'],
    ['post', '/api/config/providers'],
    ['put', '/api/config/providers/{id}'],
    ['delete', '/api/config/providers/{id}'],
    ['post', '/api/config/routing'],
    ['post', '/api/config/providers/{id}/verify'],
    ['get', '/api/providers/health'],
    ['get', '/api/events'],
  ];
  for (const [method, path] of expected) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} documented`);
  const list = doc.paths['/api/logs'].get.parameters.map((p: any) => p.name).sort();
  assert.deepEqual(list, ['api_key', 'limit', 'offset', 'provider', 'q', 'source', 'status']);
});

test('/api/send: the request schema is the one that validates requests, and every answer is documented', () => {
  const op = doc.paths['/api/send'].post;
  assert.equal(op.requestBody.required, true);
  const schema = op.requestBody.content['application/json'].schema;
  assert.deepEqual([...schema.required].sort(), ['from', 'subject', 'to']);
  for (const field of ['from', 'to', 'cc', 'bcc', 'subject', 'body_text', 'body_html', 'reply_to', 'headers', 'attachments', 'tags']) {
    assert.ok(schema.properties[field], `property ${field}`);
  }
  assert.deepEqual([schema.properties.to.minItems, schema.properties.to.maxItems, schema.properties.subject.maxLength], [1, 50, 998]);
  for (const code of ['200', '202', '401', '409', '413', '415', '422', '500', '502', '503']) assert.ok(op.responses[code], `response ${code}`);

  // The documented schema accepts a valid email and refuses what the server refuses (formats aside).
  const validate = new Ajv({ strict: false, validateFormats: false }).compile(schema);
  assert.equal(validate(EMAIL), true, JSON.stringify(validate.errors));
  assert.equal(validate(email({ to: [] })), false);
  assert.equal(validate(email({ subject: 'x'.repeat(999) })), false);
  assert.equal(validate(email({ subject: 'a\nb' })), false);
  assert.equal(validate({ from: 'a@example.com', to: ['b@example.org'] }), false);
});

test('GET /docs: the interactive docs page, HTML, served locally without the token', async () => {
  const r = await fetch(`${s.url}/docs`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
  const html = await r.text();
  assert.match(html, /<html/i);
  assert.match(html, /swagger/i);
  // No CDN: every script and stylesheet comes from this server.
  for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) assert.doesNotMatch(m[1], /^(https?:)?\/\//, m[1]);
});
