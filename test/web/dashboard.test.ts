// The dashboard in a real browser (Debian's Chromium via playwright-core) against the real server.
// Needs `npm run build` (dist/src and dist/web). Screenshots land in test-output/screenshots/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { api, startServer, waitFor, type RunningServer } from '../support/server.js';
import { startHttpFake, type HttpFake } from '../fakes/http-fake.js';
import { DESKTOP, PHONE, launch, openPage, type TestPage } from './browser.js';

const GOOD_KEY = 're_good_key_1234';
const PM_TOKEN = 'pm-secret-token-1234';
/** Browser noise that a test provokes on purpose. */
const SANDBOX_BLOCKED = /Blocked script execution in 'about:srcdoc'/;
const status = (code: number) => new RegExp(`status of ${code}`);

let browser: Browser;
let fake: HttpFake;

before(async () => {
  browser = await launch();
  // Stands in for Resend and Postmark: the good credentials succeed, anything else fails.
  fake = await startHttpFake((req) => {
    const auth = String(req.headers.authorization ?? '');
    const pm = String(req.headers['x-postmark-server-token'] ?? '');
    if (req.path === '/domains') return auth === `Bearer ${GOOD_KEY}` ? { status: 200, body: { data: [] } } : { status: 401, body: { message: 'API key is invalid' } };
    if (req.path === '/server') return pm === PM_TOKEN ? { status: 200, body: { Name: 'fake' } } : { status: 401, body: { ErrorCode: 10, Message: 'Bad or missing Server API token.' } };
    if (req.path === '/emails' && auth === `Bearer ${GOOD_KEY}`) return { status: 200, body: { id: `fake-${req.json?.subject?.length ?? 0}` } };
    if (req.path === '/email' && pm === PM_TOKEN) return { status: 200, body: { MessageID: 'pm-1', ErrorCode: 0, Message: 'OK' } };
    return { status: 500, body: { message: 'The fake provider is down' } };
  });
});

after(async () => {
  await browser?.close();
  await fake?.close();
});

function client(srv: RunningServer, token?: string) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return (method: string, path: string, body?: unknown) => api(srv.url, method, path, body, headers);
}

async function open(srv: RunningServer, hash = '', viewport = DESKTOP): Promise<TestPage> {
  const tp = await openPage(browser, viewport);
  await tp.page.goto(`${srv.url}/#/${hash}`);
  await tp.page.locator('.page-title').waitFor();
  return tp;
}

const email = (subject: string, extra: Record<string, unknown> = {}) => ({
  from: 'Shop <shop@example.com>',
  to: ['ada@example.com'],
  subject,
  body_text: 'Plain text body',
  ...extra,
});

async function statText(page: Page, key: string): Promise<string> {
  return (await page.locator(`[data-stat="${key}"]`).textContent()) ?? '';
}

describe('dashboard without a token', () => {
  let srv: RunningServer;
  let call: ReturnType<typeof client>;
  before(async () => {
    srv = await startServer();
    call = client(srv);
    await call('POST', '/api/config/routing', { sandbox: true });
  });
  after(async () => {
    await srv?.stop();
  });

  test('a sandboxed email shows up in the outbox live, without a reload, and filters work', async () => {
    const tp = await open(srv);
    const { page } = tp;
    await page.locator('.live[data-state="live"]').waitFor();
    await page.evaluate(() => ((window as any).__sameDocument = true));
    await waitFor(async () => (await statText(page, 'total_sandbox')) !== '…', 5000, 'stats');
    const before = Number(await statText(page, 'total_sandbox'));

    const subject = `Live ${Date.now()}`;
    const sent = await call('POST', '/api/send', email(subject));
    assert.equal(sent.status, 200);
    assert.equal(sent.json.status, 'sandbox');
    const row = page.locator(`tr[data-id="${sent.json.log_id}"]`);
    await row.waitFor({ timeout: 5000 });
    assert.match((await row.textContent()) ?? '', new RegExp(subject));
    assert.equal(await row.locator('.badge').first().textContent(), 'Sandbox');
    assert.equal(await page.locator('tbody tr').first().getAttribute('data-id'), String(sent.json.log_id), 'newest first');
    assert.equal(await page.evaluate(() => (window as any).__sameDocument), true, 'no reload happened');
    await waitFor(async () => Number(await statText(page, 'total_sandbox')) === before + 1, 5000, 'sandbox count to refresh');

    // Filters and search go to the server; the URL keeps them.
    await page.selectOption('#log-status', 'failed');
    await page.getByText('No email matches these filters').waitFor();
    assert.match(page.url(), /status=failed/);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await row.waitFor();
    await page.fill('#log-search', 'no-such-subject-anywhere');
    await page.getByText('No email matches these filters').waitFor();
    await page.fill('#log-search', subject);
    await row.waitFor();
    assert.equal(await page.locator('tbody tr').count(), 1);
    tp.assertClean();
    await tp.close();
  });

  test('the detail view shows everything, and email HTML only in an iframe with an empty sandbox', async () => {
    const subject = `Detail ${Date.now()}`;
    const html =
      '<h1 id="email-marker">Rendered safely</h1>' +
      '<script>parent.document.title = "pwned"; window.top.pwned = true;</script>' +
      '<img src="data:image/png;base64,AAAA" onerror="window.top.pwned = true">';
    const sent = await call(
      'POST',
      '/api/send',
      email(subject, {
        cc: ['cc@example.com'],
        reply_to: 'help@example.com',
        body_html: html,
        headers: { 'X-Campaign': 'spring' },
        tags: { plan: 'pro' },
        attachments: [{ filename: 'hello.txt', content: Buffer.from('hello world').toString('base64'), content_type: 'text/plain' }],
      }),
    );
    assert.equal(sent.status, 200);
    const tp = await open(srv);
    const { page } = tp;
    await page.getByRole('link', { name: subject }).click();
    await page.locator('.detail-subject').waitFor();
    assert.equal(new URL(page.url()).hash, `#/logs/${sent.json.log_id}`);
    assert.equal(await page.locator('.detail-subject').textContent(), subject);

    const frames = page.locator('iframe');
    assert.equal(await frames.count(), 1);
    assert.equal(await frames.getAttribute('sandbox'), '', 'sandbox attribute present and empty');
    assert.equal(await page.frameLocator('iframe').locator('#email-marker').textContent(), 'Rendered safely');
    assert.equal(await page.locator('#email-marker').count(), 0, 'email HTML is not in the page DOM');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as any).pwned), undefined, 'the email script did not run');
    assert.notEqual(await page.title(), 'pwned');

    const side = (await page.locator('.detail-side').textContent()) ?? '';
    for (const expected of ['shop@example.com', 'ada@example.com', 'cc@example.com', 'help@example.com', 'plan: pro', 'hello.txt', '11 B', 'text/plain']) {
      assert.ok(side.includes(expected), `detail shows ${expected}`);
    }
    assert.match((await page.locator('.kv-table').textContent()) ?? '', /X-Campaign\s*spring/);
    await page.getByRole('tab', { name: 'Text' }).click();
    assert.equal(await page.locator('pre.body-text').textContent(), 'Plain text body');
    await page.getByRole('tab', { name: 'Raw source' }).click();
    await page.locator('pre.raw').waitFor();
    assert.match((await page.locator('pre.raw').textContent()) ?? '', new RegExp(`Subject: ${subject}`));

    // No provider is configured: the release answers 503, and the page shows that answer.
    await page.getByRole('button', { name: 'Release' }).click();
    await page.locator('.release-result .result').waitFor();
    const result = (await page.locator('.release-result').textContent()) ?? '';
    assert.match(result, /HTTP 503/);
    assert.match(result, /No active email providers/);
    tp.assertClean([SANDBOX_BLOCKED, status(503)]);

    await page.goto(`${srv.url}/#/logs/999999`);
    await page.getByText('Log entry not found').waitFor();
    tp.assertClean([SANDBOX_BLOCKED, status(503), status(404)]);
    await tp.close();
  });

  test('providers: add through the form, edit keeping the secret, verify, disable, delete', async () => {
    const tp = await open(srv, 'providers');
    const { page } = tp;
    await page.getByText('No providers yet').waitFor();
    await page.getByRole('button', { name: 'Add provider' }).click();
    await page.locator('.type-option[data-type="postmark"]').click();
    const form = page.getByRole('form', { name: 'Add Postmark provider' });
    await form.getByLabel('Name *').fill('Postmark Fake');
    await form.getByLabel('Weight (0–100)').fill('60');
    await form.getByLabel('Base URL').fill(fake.url);
    await form.getByLabel('Server API token *').fill(PM_TOKEN);
    await form.getByRole('button', { name: 'Add provider' }).click();
    const card = page.locator('article.provider-card', { hasText: 'Postmark Fake' });
    await card.waitFor();

    let cfg = (await call('GET', '/api/config')).json;
    const added = cfg.providers.find((p: any) => p.name === 'Postmark Fake');
    assert.ok(added, 'the provider is in GET /api/config');
    assert.equal(added.type, 'postmark');
    assert.equal(added.weight, 60);
    assert.equal(added.base_url, fake.url);
    assert.notEqual(added.api_key, PM_TOKEN, 'secret masked');
    assert.equal('allow_insecure' in added, false, 'a switch left off writes nothing');

    // A duplicate name is refused by the server; the message lands on the field.
    await page.getByRole('button', { name: 'Add provider' }).click();
    await page.locator('.type-option[data-type="postmark"]').click();
    const dup = page.getByRole('form', { name: 'Add Postmark provider' });
    await dup.getByLabel('Name *').fill('Postmark Fake');
    await dup.getByLabel('Server API token *').fill('x');
    await dup.getByRole('button', { name: 'Add provider' }).click();
    await dup.locator('[data-field="name"] .field-error').filter({ hasText: /./ }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();

    // Edit: the secret input holds the mask; sending it back keeps the stored token.
    await card.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit Postmark provider' });
    assert.equal(await edit.locator('input[name="api_key"]').inputValue(), added.api_key);
    await edit.getByLabel('Weight (0–100)').fill('40');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await waitFor(async () => (await call('GET', '/api/config')).json.providers.find((p: any) => p.id === added.id)?.weight === 40, 5000, 'weight 40');
    await card.getByText('Weight 40').waitFor();

    fake.requests.length = 0;
    await card.getByRole('button', { name: 'Verify' }).click();
    await card.locator('.result-line.ok').waitFor();
    assert.equal(fake.requests.at(-1)?.headers['x-postmark-server-token'], PM_TOKEN, 'the stored secret was kept');

    await card.locator('label.switch').click();
    await waitFor(async () => (await call('GET', '/api/config')).json.providers.find((p: any) => p.id === added.id)?.enabled === false, 5000, 'disabled');
    await page.locator('article.provider-card.is-disabled', { hasText: 'Postmark Fake' }).waitFor();

    await card.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete provider' }).click();
    await card.waitFor({ state: 'detached' });
    cfg = (await call('GET', '/api/config')).json;
    assert.equal(cfg.providers.some((p: any) => p.id === added.id), false);
    tp.assertClean([status(422)]);
    await tp.close();
  });

  test('providers: a secret over plain http off-host is refused until "Allow secrets without TLS" is on', async () => {
    const tp = await open(srv, 'providers');
    const { page } = tp;
    await page.getByRole('button', { name: 'Add provider' }).click();
    await page.locator('.type-option[data-type="postmark"]').click();
    const form = page.getByRole('form', { name: 'Add Postmark provider' });
    await form.getByLabel('Name *').fill('Postmark LAN');
    // A documentation address (TEST-NET-1): saving the config connects to nothing.
    await form.getByLabel('Base URL').fill('http://192.0.2.10:8080');
    await form.getByLabel('Server API token *').fill(PM_TOKEN);
    await form.getByRole('button', { name: 'Add provider' }).click();
    await form.getByText(/sent in clear/).waitFor();
    assert.equal((await call('GET', '/api/config')).json.providers.some((p: any) => p.name === 'Postmark LAN'), false);

    await form.locator('label.switch', { hasText: 'Allow secrets without TLS' }).click();
    await form.getByRole('button', { name: 'Add provider' }).click();
    const card = page.locator('article.provider-card', { hasText: 'Postmark LAN' });
    await card.waitFor();
    const saved = (await call('GET', '/api/config')).json.providers.find((p: any) => p.name === 'Postmark LAN');
    assert.equal(saved.allow_insecure, true);

    // The editor shows the stored switch.
    await card.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit Postmark provider' });
    assert.equal(await edit.getByRole('switch', { name: 'Allow secrets without TLS' }).isChecked(), true);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await card.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete provider' }).click();
    await card.waitFor({ state: 'detached' });
    tp.assertClean([status(422)]);
    await tp.close();
  });

  test('guided setup: Resend ends with a passing Verify; Gmail checks the App Password', async () => {
    const tp = await open(srv, 'providers');
    const { page } = tp;
    await page.getByRole('button', { name: 'Add provider' }).click();
    await page.locator('.type-option[data-type="resend"]').click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByText('Step 1 of 4: Create an API key').waitFor();
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByText('Step 2 of 4: Verify a sending domain').waitFor();
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByLabel('Name *').fill('Resend Fake');
    await dialog.getByLabel('API key *').fill(GOOD_KEY);
    await dialog.getByText('Advanced').click();
    await dialog.getByLabel('Base URL').fill(fake.url);
    await dialog.getByRole('button', { name: 'Save and verify' }).click();
    await dialog.getByText('Verified.').waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.locator('article.provider-card', { hasText: 'Resend Fake' }).waitFor();
    const cfg = (await call('GET', '/api/config')).json;
    assert.ok(cfg.providers.some((p: any) => p.name === 'Resend Fake' && p.type === 'resend' && p.base_url === fake.url));

    await page.getByRole('button', { name: 'Add provider' }).click();
    await page.locator('.type-option[data-type="gmail"]').click();
    await dialog.getByText('Turn on 2-Step Verification').first().waitFor();
    await dialog.getByRole('button', { name: 'Next' }).click();
    assert.equal(await dialog.getByRole('link', { name: 'myaccount.google.com/apppasswords' }).getAttribute('href'), 'https://myaccount.google.com/apppasswords');
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByLabel('Gmail address *').fill('me@gmail.com');
    await dialog.getByLabel('App password *').fill('abcd efgh ijkl');
    await dialog.getByRole('button', { name: 'Save and verify' }).click();
    await dialog.getByText('An App Password has 16 characters').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    assert.equal((await call('GET', '/api/config')).json.providers.some((p: any) => p.type === 'gmail'), false, 'nothing saved');
    tp.assertClean();
    await tp.close();
  });

  test('the header sandbox switch writes routing.sandbox', async () => {
    const tp = await open(srv);
    const { page } = tp;
    const sandbox = async () => (await call('GET', '/api/config')).json.routing.sandbox as boolean;
    const start = await sandbox();
    const box = page.locator('#sandbox-switch');
    await waitFor(() => box.isEnabled(), 5000, 'switch ready');
    assert.equal(await box.isChecked(), start);
    await page.locator('label.sandbox-switch').click();
    await waitFor(async () => (await sandbox()) === !start, 5000, 'sandbox flipped');
    await page.locator('label.sandbox-switch').click();
    await waitFor(async () => (await sandbox()) === start, 5000, 'sandbox flipped back');
    tp.assertClean();
    await tp.close();
  });

  test('Test Send shows the response, and 422 problems on the fields', async () => {
    await call('POST', '/api/config/routing', { sandbox: true });
    const tp = await open(srv, 'send');
    const { page } = tp;
    await page.getByLabel('From', { exact: true }).fill('App <app@example.com>');
    await page.getByLabel('To', { exact: true }).fill('ada@example.com, bob@example.com');
    await page.getByLabel('Subject', { exact: true }).fill('From the Test Send page');
    await page.getByLabel('HTML body').fill('<p>Hello</p>');
    await page.getByRole('button', { name: 'Send' }).click();
    const ok = page.locator('.result[data-status="200"]');
    await ok.waitFor();
    const shown = JSON.parse((await ok.locator('pre.json').textContent()) ?? '{}');
    assert.equal(shown.status, 'sandbox');
    const log = (await call('GET', `/api/logs/${shown.log_id}`)).json;
    assert.deepEqual(log.to_addresses, ['ada@example.com', 'bob@example.com']);
    await ok.getByRole('link', { name: 'Open the log entry' }).click();
    await page.locator('.detail-subject', { hasText: 'From the Test Send page' }).waitFor();

    await page.goto(`${srv.url}/#/send`);
    await page.getByLabel('To', { exact: true }).fill('not-an-address');
    await page.getByRole('button', { name: 'Send' }).click();
    const bad = page.locator('.result[data-status="422"]');
    await bad.waitFor();
    assert.match((await page.locator('[data-field="to"] .field-error').textContent()) ?? '', /to\[0\]/);
    assert.equal(await page.getByLabel('To', { exact: true }).getAttribute('aria-invalid'), 'true');
    tp.assertClean([status(422)]);
    await tp.close();
  });

  test('a scheduled email shows its time and a Cancel button, even in sandbox mode; Cancel makes it canceled', async () => {
    const tp = await open(srv);
    const { page } = tp;
    await page.locator('.live[data-state="live"]').waitFor();
    const at = new Date(Date.now() + 3600_000).toISOString();
    const subject = `Scheduled ${Date.now()}`;
    const sent = await call('POST', '/api/send', email(subject, { send_at: at }));
    assert.equal(sent.status, 202, sent.text);
    assert.equal(sent.json.status, 'scheduled');
    const row = page.locator(`tr[data-id="${sent.json.log_id}"]`);
    await row.waitFor({ timeout: 5000 });
    assert.equal(await row.locator('.badge').first().textContent(), 'Scheduled');
    assert.equal(await row.locator('time.send-at').getAttribute('datetime'), at);
    assert.match((await row.locator('.scheduled-at').textContent()) ?? '', /Scheduled for/);
    await waitFor(async () => Number(await statText(page, 'total_scheduled')) >= 1, 5000, 'scheduled count');

    await row.getByRole('button', { name: 'Cancel' }).click();
    await page.locator(`tr[data-id="${sent.json.log_id}"][data-status="canceled"]`).waitFor({ timeout: 5000 });
    assert.equal(new URL(page.url()).hash, '#/', 'the click stays on the outbox');
    assert.equal((await call('GET', `/api/logs/${sent.json.log_id}`)).json.status, 'canceled');
    assert.equal(await page.locator(`tr[data-id="${sent.json.log_id}"] button[data-action="cancel"]`).count(), 0);
    tp.assertClean();
    await tp.close();
  });
});

describe('routing page', () => {
  let srv: RunningServer;
  let call: ReturnType<typeof client>;
  const ids: Record<string, string> = {};
  before(async () => {
    srv = await startServer();
    call = client(srv);
    for (const [name, weight, enabled] of [['Alpha', 50, true], ['Bravo', 100, true], ['Charlie', 100, false], ['Delta', 50, true], ['Echo', 0, true]] as const) {
      const r = await call('POST', '/api/config/providers', { name, type: 'resend', api_key: GOOD_KEY, base_url: fake.url, weight, enabled });
      assert.equal(r.status, 201, r.text);
      ids[name] = r.json.provider.id;
    }
  });
  after(async () => {
    await srv?.stop();
  });

  test('shows the smart order and manual split, switches mode, edits rules', async () => {
    const tp = await open(srv, 'routing');
    const { page } = tp;
    const order = page.getByTestId('smart-order').locator('.order-name');
    await order.first().waitFor();
    assert.deepEqual(await order.allTextContents(), ['Bravo', 'Alpha', 'Delta'], 'enabled, weight > 0, weight desc, ties in config order');
    const split = await page.getByTestId('manual-split').locator('li').allTextContents();
    assert.deepEqual(split, ['Bravo50%', 'Alpha25%', 'Delta25%']);

    await page.locator('label[for="mode-manual"]').click();
    await waitFor(async () => (await call('GET', '/api/config')).json.routing.mode === 'manual', 5000, 'manual mode');

    await page.getByRole('button', { name: 'Add rule' }).click();
    const rule = page.locator('li.rule').first();
    await rule.getByLabel('To domain').fill('example.org');
    await rule.getByLabel('Tag name').fill('plan');
    await rule.getByLabel('Tag value').fill('pro');
    await rule.getByLabel('Delta').check();
    await page.getByRole('button', { name: 'Save rules' }).click();
    await waitFor(async () => (await call('GET', '/api/config')).json.routing.rules.length === 1, 5000, 'rule saved');
    const saved = (await call('GET', '/api/config')).json.routing;
    assert.deepEqual(saved.rules, [{ match: { to_domain: 'example.org', tag: { plan: 'pro' } }, providers: [ids.Delta] }]);
    assert.equal(saved.mode, 'manual', 'saving rules keeps the mode');

    // A rule without providers is stopped before it reaches the server.
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByText('Rule 2 needs at least one provider.').waitFor();
    await page.getByRole('button', { name: 'Discard' }).click();

    await page.locator('li.rule').first().getByRole('button', { name: 'Remove rule' }).click();
    await page.getByRole('button', { name: 'Save rules' }).click();
    await waitFor(async () => (await call('GET', '/api/config')).json.routing.rules.length === 0, 5000, 'rule removed');
    await page.locator('label[for="mode-smart"]').click();
    await waitFor(async () => (await call('GET', '/api/config')).json.routing.mode === 'smart', 5000, 'smart mode');
    tp.assertClean();
    await tp.close();
  });
});

describe('with AUTH_TOKEN', () => {
  const TOKEN = 'dashboard-test-token';
  let srv: RunningServer;
  before(async () => {
    srv = await startServer({ env: { AUTH_TOKEN: TOKEN } });
  });
  after(async () => {
    await srv?.stop();
  });

  test('asks for the token, refuses a wrong one, works with the right one, and can forget it', async () => {
    const tp = await openPage(browser);
    const { page } = tp;
    await page.goto(srv.url);
    const dialog = page.getByRole('dialog', { name: 'Access token' });
    await dialog.waitFor();
    await tp.shot('token-prompt');
    await page.locator('.locked').getByRole('button', { name: 'Enter access token' }).waitFor({ state: 'attached' });
    await dialog.getByLabel('Access token').fill('wrong-token');
    await dialog.getByRole('button', { name: 'Unlock' }).click();
    await dialog.getByText('That token was refused').waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('protopost.token')), null);

    await dialog.getByLabel('Access token').fill(TOKEN);
    await dialog.getByRole('button', { name: 'Unlock' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => localStorage.getItem('protopost.token')), TOKEN);
    await page.locator('.live[data-state="live"]').waitFor({ timeout: 5000 });
    await waitFor(async () => /^\d+$/.test(await statText(page, 'total_sent')), 5000, 'stats with the token');

    // The event stream carries the bearer header too: a new email arrives live.
    // A fresh start captures (sandbox on); with sandbox off and no provider the send is refused.
    await client(srv, TOKEN)('POST', '/api/config/routing', { sandbox: false });
    const sent = await client(srv, TOKEN)('POST', '/api/send', email('Behind the lock'));
    assert.equal(sent.status, 503, 'no providers, no sandbox: refused, no log');
    await client(srv, TOKEN)('POST', '/api/config/routing', { sandbox: true });
    const captured = await client(srv, TOKEN)('POST', '/api/send', email('Behind the lock'));
    await page.locator(`tr[data-id="${captured.json.log_id}"]`).waitFor({ timeout: 5000 });

    await page.reload();
    await page.locator(`tr[data-id="${captured.json.log_id}"]`).waitFor();
    assert.equal(await page.getByRole('dialog').count(), 0, 'the stored token is used after a reload');

    await page.getByRole('button', { name: 'Access token (saved)' }).click();
    await page.getByRole('button', { name: 'Clear saved token' }).click();
    await page.getByRole('dialog', { name: 'Access token' }).getByText('requires an access token').waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('protopost.token')), null);

    await page.evaluate(() => localStorage.setItem('protopost.token', 'stale'));
    await page.reload();
    await page.getByText('The saved token was refused').waitFor();
    tp.assertClean([status(401)]);
    await tp.close();
  });
});

describe('error states', () => {
  test('a broken config.json shows a banner; a stopped server shows errors, not a blank page', async () => {
    const srv = await startServer();
    const tp = await open(srv);
    const { page } = tp;
    await page.locator('.live[data-state="live"]').waitFor();
    writeFileSync(srv.configPath, '{ "providers": [ oops');
    await waitFor(async () => (await api(srv.url, 'GET', '/api/health')).json.config_error, 5000, 'config_error');
    await page.reload();
    const banner = page.locator('[data-banner="config-error"]');
    await banner.waitFor();
    assert.match((await banner.textContent()) ?? '', /config\.json has an error/);

    await srv.stop();
    await page.locator('.live[data-state="offline"]').waitFor({ timeout: 5000 });
    await page.getByRole('link', { name: 'Providers' }).click();
    await page.getByText('Cannot reach the ProtoPost API').first().waitFor();
    await page.locator('[data-banner="api-down"]').waitFor();
    await page.getByRole('button', { name: 'Try again' }).waitFor();
    // A server that is closing answers 503 to the reconnecting event stream before it stops listening.
    tp.assertClean([/ERR_CONNECTION_REFUSED/, /ERR_EMPTY_RESPONSE/, /ERR_CONNECTION_RESET/, /ERR_INCOMPLETE_CHUNKED_ENCODING/, /status of 503 \(Service Unavailable\) \[http:\/\/127\.0\.0\.1:\d+\/api\/events\]/]);
    await tp.close();
  });
});

describe('screenshots', () => {
  let srv: RunningServer;
  let call: ReturnType<typeof client>;
  let failedId = 0;
  let htmlId = 0;
  before(async () => {
    srv = await startServer();
    call = client(srv);
    const add = async (body: Record<string, unknown>) => (await call('POST', '/api/config/providers', body)).json.provider.id as string;
    await add({ name: 'Resend', type: 'resend', api_key: GOOD_KEY, base_url: fake.url, weight: 100 });
    const pm = await add({ name: 'Postmark', type: 'postmark', api_key: 'wrong-token', base_url: fake.url, weight: 50 });
    await add({ name: 'Gmail (backup)', type: 'gmail', gmail_address: 'me@gmail.com', gmail_app_password: 'abcdabcdabcdabcd', weight: 10, enabled: false });
    await call('POST', '/api/config/routing', { mode: 'smart', sandbox: false, rules: [{ match: { to_domain: 'partner.example' }, providers: [pm] }] });
    for (let i = 0; i < 3; i++) await call('POST', '/api/send', email(`Your order #10${i} has shipped`, { to: [`customer${i}@example.com`] }));
    for (let i = 0; i < 3; i++) {
      const r = await call('POST', '/api/send', email(`Partner report ${i + 1}`, { to: ['ops@partner.example'] }));
      failedId = r.json.detail?.log_id ?? failedId;
    }
    await call('POST', '/api/config/routing', { sandbox: true });
    const r = await call(
      'POST',
      '/api/send',
      email('Welcome to Acme, Ada!', {
        to: ['ada@example.com', 'team@example.com'],
        cc: ['cc@example.com'],
        tags: { campaign: 'welcome', plan: 'pro' },
        headers: { 'X-Campaign': 'welcome-2025' },
        body_html:
          '<div style="font-family:sans-serif;max-width:520px;margin:24px auto;padding:24px;border:1px solid #eee;border-radius:12px">' +
          '<h1 style="color:#4f46e5">Welcome aboard</h1><p>Thanks for signing up. Your workspace is ready.</p>' +
          '<p><a href="https://example.com/start" style="background:#4f46e5;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none">Get started</a></p></div>',
        attachments: [{ filename: 'welcome.pdf', content: Buffer.alloc(2048, 1).toString('base64'), content_type: 'application/pdf' }],
      }),
    );
    htmlId = r.json.log_id;
  });
  after(async () => {
    await srv?.stop();
  });

  for (const viewport of [DESKTOP, PHONE]) {
    test(`every page at ${viewport.width}px, without console errors`, async () => {
      const tp = await open(srv, '', viewport);
      const { page } = tp;
      await page.locator('tbody tr').first().waitFor();
      await waitFor(async () => (await statText(page, 'total_sent')) !== '…', 5000, 'stats');
      await tp.shot('outbox');
      await page.goto(`${srv.url}/#/logs/${htmlId}`);
      await page.frameLocator('iframe').getByText('Welcome aboard').waitFor();
      await tp.shot('detail-html');
      await page.goto(`${srv.url}/#/logs/${failedId}`);
      await page.locator('.timeline').waitFor();
      await tp.shot('detail-failed');
      await page.goto(`${srv.url}/#/providers`);
      await page.locator('article.provider-card').first().waitFor();
      await page.locator('article.provider-card', { hasText: 'Resend' }).getByRole('button', { name: 'Verify' }).click();
      await page.locator('.result-line.ok').waitFor();
      await tp.shot('providers');
      await page.locator('article.provider-card', { hasText: 'Postmark' }).getByRole('button', { name: 'Edit' }).click();
      await page.locator('dialog[open]').waitFor();
      await tp.shot('provider-edit');
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Add provider' }).click();
      await page.locator('.type-option[data-type="gmail"]').click();
      await page.getByText('Step 1 of 4').waitFor();
      await tp.shot('guide-gmail');
      await page.keyboard.press('Escape');
      await page.goto(`${srv.url}/#/routing`);
      await page.getByTestId('smart-order').waitFor();
      await tp.shot('routing');
      await page.goto(`${srv.url}/#/send`);
      await page.getByLabel('From', { exact: true }).fill('App <app@example.com>');
      await page.getByLabel('To', { exact: true }).fill('ada@example.com');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('.result').waitFor();
      await tp.shot('send');
      tp.assertClean();
      await tp.close();
    });
  }
});

describe('a fresh start', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer(); // no config.json, no provider in the environment: sandbox on
  });
  after(async () => {
    await srv?.stop();
  });

  test('the outbox says sandbox is on with no provider and points to Providers; the cards and count follow the live table', async () => {
    const call = client(srv);
    const tp = await open(srv);
    const { page } = tp;
    const notice = page.locator('[data-banner="sandbox-no-provider"]');
    await notice.waitFor();
    assert.match((await notice.textContent()) ?? '', /Sandbox mode: no provider is configured/);
    assert.equal(await notice.getByRole('link', { name: 'Add a provider' }).getAttribute('href'), '#/providers');
    await page.locator('.live[data-state="live"]').waitFor();
    await waitFor(async () => (await statText(page, 'total_sandbox')) === '0', 5000, 'the cards at 0');

    // Mail keeps arriving: the cards must catch up while it does, not only once it stops.
    let sent = 0;
    let cardsMoved = false;
    const sender = (async () => {
      while (!cardsMoved && sent < 40) {
        const r = await call('POST', '/api/send', email(`Burst ${sent}`));
        assert.equal(r.json.status, 'sandbox');
        sent++;
        await page.locator(`tr[data-id="${r.json.log_id}"]`).waitFor({ timeout: 5000 }); // paced by the live table
      }
    })();
    await waitFor(async () => Number(await statText(page, 'total_sandbox')) >= 1, 10_000, 'the sandbox card to move during the burst');
    cardsMoved = true;
    const sentWhenMoved = sent;
    await sender;
    assert.ok(sentWhenMoved < 40, 'the cards moved while mail was still arriving');
    await waitFor(async () => (await page.locator('tbody tr').count()) === Math.min(sent, 25), 5000, 'every row of the first page');
    await waitFor(async () => Number(await statText(page, 'total_sandbox')) === sent, 5000, 'the card to match the table');
    assert.equal(await page.locator('.stats-note').textContent(), `${sent} emails recorded`);
    await tp.close();
  });
});
