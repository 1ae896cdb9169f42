// The Keys page and scoped dashboards in a real browser (Chromium via playwright-core) against the real
// server: create a key (secret shown once, copied), see it used in the log, revoke it with confirmation;
// unlock with a key instead of the token; a `read` key gets a read-only dashboard (disabled, not errors).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { api, startServer, waitFor, type RunningServer } from '../support/server.js';
import { launch, openPage } from './browser.js';

const TOKEN = 'keys-page-test-token';
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const EMAIL = { from: 'App <app@example.com>', to: ['ada@example.com'], subject: 'Sent with a key', body_text: 'x' };
const HTTP_401 = /status of 401/;

let browser: Browser;
let srv: RunningServer;

before(async () => {
  browser = await launch();
  srv = await startServer({ env: { AUTH_TOKEN: TOKEN }, config: { providers: [], routing: { mode: 'smart', sandbox: true, rules: [] }, version: 1 } });
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

describe('Keys page', () => {
  test('create with a scope, the secret shown once and copied, used in the log, revoked with confirmation', async () => {
    const tp = await openPage(browser);
    const { page, context } = tp;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
    await page.goto(`${srv.url}/#/keys`);
    const lock = page.getByRole('dialog', { name: 'Access token' });
    await lock.getByLabel('Access token or API key').fill(TOKEN);
    await lock.getByRole('button', { name: 'Unlock' }).click();
    await lock.waitFor({ state: 'detached' });

    const form = page.getByRole('form', { name: 'New API key' });
    await form.getByLabel('Name').fill('billing-app');
    await form.getByLabel('Scope').selectOption('send');
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-secret').textContent()) ?? '';
    assert.match(secret, /^pp_[A-Za-z0-9_-]{43}$/);
    await page.getByText('it is shown only once').waitFor();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    const row = page.locator('tr[data-key="billing-app"]');
    await row.getByText('send').waitFor();
    await row.getByText(`${secret.slice(0, 8)}…`).waitFor();
    assert.equal(await row.locator('.key-last-used').textContent(), 'never');
    await tp.shot('keys-created');

    // The secret is gone after a reload; the key is used and named in the log table and detail.
    const sent = await api(srv.url, 'POST', '/api/send', EMAIL, bearer(secret));
    assert.equal(sent.status, 200);
    await page.reload();
    await row.waitFor();
    assert.equal(await page.getByTestId('new-secret').count(), 0);
    await waitFor(async () => (await row.locator('.key-last-used time').count()) > 0 || (await page.reload(), false), 5000, 'last used shown');
    await page.goto(`${srv.url}/#/`);
    await page.locator(`tr[data-id="${sent.json.log_id}"] .cell-key`, { hasText: 'billing-app' }).waitFor();
    await page.goto(`${srv.url}/#/logs/${sent.json.log_id}`);
    await page.getByTestId('detail-api-key').getByText('billing-app').waitFor();

    // Revoke: cancel keeps it, confirm removes it and the key fails at once.
    await page.goto(`${srv.url}/#/keys`);
    await row.getByRole('button', { name: 'Revoke billing-app' }).click();
    await page.getByRole('dialog', { name: 'Revoke billing-app?' }).getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api(srv.url, 'POST', '/api/send', EMAIL, bearer(secret))).status, 200);
    await row.getByRole('button', { name: 'Revoke billing-app' }).click();
    await page.getByRole('dialog', { name: 'Revoke billing-app?' }).getByRole('button', { name: 'Revoke key' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await api(srv.url, 'POST', '/api/send', EMAIL, bearer(secret))).status, 401);
    tp.assertClean([HTTP_401]);
    await tp.close();
  });

  test('the lock accepts a read key: a read-only dashboard, write controls disabled with a tooltip', async () => {
    const made = await api(srv.url, 'POST', '/api/keys', { name: 'reporting', scope: 'read' }, bearer(TOKEN));
    const captured = await api(srv.url, 'POST', '/api/send', { ...EMAIL, subject: 'Captured' }, bearer(TOKEN));
    assert.equal(captured.json.status, 'sandbox');
    const tp = await openPage(browser);
    const { page } = tp;
    await page.goto(`${srv.url}/#/logs/${captured.json.log_id}`);
    const lock = page.getByRole('dialog', { name: 'Access token' });
    await lock.getByLabel('Access token or API key').fill(made.json.secret);
    await lock.getByRole('button', { name: 'Unlock' }).click();
    await lock.waitFor({ state: 'detached' });

    const release = page.getByRole('button', { name: 'Release' });
    await waitFor(async () => (await release.isDisabled().catch(() => false)) || undefined, 5000, 'Release disabled');
    assert.match((await release.getAttribute('title')) ?? '', /Read-only: this key's scope \(read\)/);
    assert.ok(await page.locator('#sandbox-switch').isDisabled(), 'the header sandbox switch');
    await page.getByText('Captured').first().waitFor();

    await page.goto(`${srv.url}/#/providers`);
    const add = page.getByRole('button', { name: 'Add provider' });
    await add.waitFor();
    await waitFor(async () => (await add.isDisabled()) || undefined, 5000, 'Add provider disabled');
    await page.goto(`${srv.url}/#/send`);
    assert.ok(await page.getByRole('button', { name: 'Send' }).isDisabled());
    await page.goto(`${srv.url}/#/keys`);
    await page.getByText('Only AUTH_TOKEN can manage keys').waitFor();
    await tp.shot('read-only');
    // Nothing was attempted, so nothing was refused.
    tp.assertClean([HTTP_401]);
    assert.ok(!tp.problems.some((p) => /status of 403/.test(p)));
    await tp.close();
  });
});
