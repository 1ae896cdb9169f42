// The dashboard's delivery-event views in Chromium against the real server: the event timeline and the
// delivery status of an email that bounced, and the Suppressions and Webhooks pages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { api, startServer, type RunningServer } from '../support/server.js';
import { startHttpFake, type HttpFake } from '../fakes/http-fake.js';
import { launch, openPage } from './browser.js';

const BREVO_TOKEN = 'brevo-dashboard-token-0123';
let browser: Browser;
let fake: HttpFake;
let s: RunningServer;

before(async () => {
  browser = await launch();
  fake = await startHttpFake(() => ({ status: 201, body: { messageId: '<dash-1@smtp-relay.mailin.fr>' } }));
  const providers = [{ id: 'brevo', name: 'Brevo', type: 'brevo', api_key: 'xkeysib-dash-0123456789', base_url: fake.url, webhook_token: BREVO_TOKEN }];
  s = await startServer({ config: { providers, routing: { mode: 'smart', sandbox: false, rules: [] }, version: 1 }, env: { WEBHOOK_ALLOW_PRIVATE: '1' } });
});

after(async () => {
  await browser?.close();
  await fake?.close();
  await s?.kill();
});

test('an email that hard-bounced: its timeline and delivery status, and the address on the Suppressions page', async () => {
  const sent = await api(s.url, 'POST', '/api/send', { from: 'shop@example.com', to: ['gone@example.org'], subject: 'Bounces', body_text: 'x' });
  assert.equal(sent.status, 200, sent.text);
  const event = { event: 'hard_bounce', email: 'gone@example.org', 'message-id': '<dash-1@smtp-relay.mailin.fr>', ts_epoch: Date.now(), reason: '550 5.1.1 user unknown' };
  assert.equal((await api(s.url, 'POST', '/webhooks/brevo', event, { authorization: `Bearer ${BREVO_TOKEN}` })).status, 200);

  const tp = await openPage(browser);
  const { page } = tp;
  await page.goto(`${s.url}/#/`);
  await page.locator(`tr[data-id="${sent.json.log_id}"] [data-delivery="bounced"]`).waitFor();
  await page.goto(`${s.url}/#/logs/${sent.json.log_id}`);
  const item = page.locator('.events-timeline [data-event="bounced"]');
  await item.waitFor();
  assert.match((await item.textContent()) ?? '', /bounced \(hard\).*gone@example\.org.*550 5\.1\.1 user unknown/s);

  await page.goto(`${s.url}/#/suppressions`);
  await page.locator('tr[data-email="gone@example.org"]').waitFor();
  assert.match((await page.locator('tr[data-email="gone@example.org"]').textContent()) ?? '', /Hard bounce/);
  await page.fill('input[name="email"]', 'manual@example.org');
  await page.getByRole('button', { name: 'Suppress' }).click();
  await page.locator('tr[data-email="manual@example.org"]').waitFor();
  await page.getByRole('button', { name: 'Remove gone@example.org' }).click();
  await page.locator('tr[data-email="gone@example.org"]').waitFor({ state: 'detached' });
  assert.equal((await api(s.url, 'GET', '/api/suppressions')).json.total, 1);
  tp.assertClean();
  await tp.close();
});

test('Webhooks page: add an endpoint, the secret shown once and not again, delete', async () => {
  const receiver = await startHttpFake(() => ({ status: 204 }));
  try {
    const tp = await openPage(browser);
    const { page } = tp;
    await page.goto(`${s.url}/#/webhooks`);
    await page.getByText('No webhooks').waitFor();
    await page.fill('input[name="url"]', `${receiver.url}/hook`);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = await page.locator('.secret-value').textContent();
    assert.match(secret ?? '', /^whsec_/);
    await page.locator('.webhook-card').waitFor();
    assert.equal((await api(s.url, 'GET', '/api/webhooks')).json.webhooks.length, 1);
    await page.reload();
    await page.locator('.webhook-card').waitFor();
    assert.equal(await page.locator('.secret-value').count(), 0, 'the secret is not shown again');
    await page.getByRole('button', { name: /^Delete / }).click();
    await page.getByText('No webhooks').waitFor();
    tp.assertClean();
    await tp.close();
  } finally {
    await receiver.close();
  }
});
