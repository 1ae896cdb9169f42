// /docs (swagger-ui) in a real browser under its strict Content-Security-Policy: it still renders the API
// from its own files, with no CSP violation, and no other site may frame it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverFor } from '../support/fixtures.js';
import { launch, openPage } from './browser.js';

test('/docs renders under a strict CSP with frame-ancestors none', async (t) => {
  const s = await serverFor(t, { env: { SMTP_LISTEN_PORT: 'off' } });
  const head = await fetch(`${s.url}/docs/`);
  const csp = head.headers.get('content-security-policy') ?? '';
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /object-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline|https:|\*/);
  // Every docs asset carries it too.
  const bundle = await fetch(`${s.url}/docs/static/swagger-initializer.js`);
  assert.equal(bundle.status, 200);
  assert.equal(bundle.headers.get('content-security-policy'), csp);

  const browser = await launch();
  t.after(() => browser.close());
  const tp = await openPage(browser);
  const violations: string[] = [];
  tp.page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await tp.page.goto(`${s.url}/docs`);
  await tp.page.locator('.swagger-ui .info .title').filter({ hasText: 'ProtoPost' }).waitFor({ timeout: 15_000 });
  // The operations are listed, i.e. the document was fetched and rendered by the bundle.
  await tp.page.locator('.opblock-summary-path', { hasText: '/api/send' }).first().waitFor();
  await tp.shot('docs');
  assert.deepEqual(violations, []);
  tp.assertClean();
  await tp.close();
});
