// ConfigStore on a real file: first-start defaults, hand edits, broken edits kept and reported, atomic serialized writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ConfigConflictError, ConfigStore, ConfigValidationError } from '../../src/config/store.js';
import { defaultConfig } from '../../src/config/defaults.js';
import type { AppConfig } from '../../src/config/types.js';
import type { ProviderConfig } from '../../src/core/provider.js';

function tempPath(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'protopost-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'config.json');
}

const provider = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `P ${id}`, type: 'resend', api_key: `re_${id}_0123456789abcdef`, ...extra });
const fileConfig = (providers: unknown[], routing: Record<string, unknown> = {}, version = 3) => ({ providers, routing: { mode: 'smart', sandbox: false, rules: [], ...routing }, version });
const write = (path: string, value: unknown) => writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
const onDisk = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const noDefaults = (): AppConfig => {
  throw new Error('defaults must not be used when the file exists');
};

test('first start: the file is created from the defaults, valid JSON, owner-only permissions', (t) => {
  const path = tempPath(t);
  const store = new ConfigStore(path, () => defaultConfig({}));
  // No provider to deliver with: sandbox on, so the first send is captured instead of a 503.
  assert.deepEqual(onDisk(path), { providers: [], routing: { mode: 'smart', sandbox: true, rules: [] }, version: 1 });
  assert.deepEqual(store.current(), onDisk(path));
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(store.configError(), null);
});

test('defaults from the environment: each provider pre-seeded with env:NAME secrets, never the values', () => {
  const env = {
    RESEND_API_KEY: 're_env_secret_value_1',
    MAILTRAP_API_KEY: 'mt_env_secret_value_2',
    GMAIL_ADDRESS: 'me@gmail.com',
    GMAIL_APP_PASSWORD: 'gmail env secret 3',
    SMTP_HOST: 'mail.example.com',
    SMTP_PORT: '2587',
    SMTP_USERNAME: 'mailer',
    SMTP_PASSWORD: 'smtp_env_secret_4',
  };
  const c = defaultConfig(env);
  const text = JSON.stringify(c);
  for (const secret of ['re_env_secret_value_1', 'mt_env_secret_value_2', 'gmail env secret 3', 'smtp_env_secret_4']) assert.ok(!text.includes(secret), secret);
  const byType = Object.fromEntries(c.providers.map((p) => [p.type, p]));
  assert.deepEqual(Object.keys(byType), ['resend', 'mailtrap', 'gmail', 'custom_smtp']);
  assert.equal(byType.resend.api_key, 'env:RESEND_API_KEY');
  assert.equal(byType.mailtrap.api_key, 'env:MAILTRAP_API_KEY');
  assert.equal(byType.gmail.gmail_app_password, 'env:GMAIL_APP_PASSWORD');
  assert.equal(byType.gmail.gmail_address, 'me@gmail.com');
  assert.deepEqual(
    [byType.custom_smtp.smtp_host, byType.custom_smtp.smtp_port, byType.custom_smtp.smtp_username, byType.custom_smtp.smtp_password, byType.custom_smtp.smtp_use_tls, byType.custom_smtp.smtp_use_ssl],
    ['mail.example.com', 2587, 'mailer', 'env:SMTP_PASSWORD', true, false],
  );
  for (const p of c.providers) assert.deepEqual([p.enabled, p.weight], [true, 100]);
  assert.equal(c.routing.sandbox, false, 'seeded providers deliver');
  // Gmail needs both variables; SMTP_USE_SSL switches to implicit TLS on 465.
  assert.deepEqual(defaultConfig({ GMAIL_ADDRESS: 'me@gmail.com' }).providers, []);
  const ssl = defaultConfig({ SMTP_HOST: 'h', SMTP_USE_SSL: 'true' }).providers[0];
  assert.deepEqual([ssl.smtp_port, ssl.smtp_use_ssl, ssl.smtp_use_tls], [465, true, false]);
  const plain = defaultConfig({ SMTP_HOST: 'h', SMTP_USE_TLS: 'false', SMTP_PORT: '25' }).providers[0];
  assert.deepEqual([plain.smtp_port, plain.smtp_use_ssl, plain.smtp_use_tls], [25, false, false]);
});

test('an existing file is loaded as it is and its defaults filled in', (t) => {
  const path = tempPath(t);
  write(path, fileConfig([provider('a')], {}, 7));
  const store = new ConfigStore(path, noDefaults);
  const [p] = store.current().providers;
  assert.deepEqual([p.id, p.enabled, p.weight, store.current().version], ['a', true, 100, 7]);
});

test('a hand edit is picked up by the next current() without a restart, even at the same size', (t) => {
  const path = tempPath(t);
  write(path, fileConfig([provider('a', { weight: 10 })]));
  const store = new ConfigStore(path, noDefaults);
  assert.equal(store.current().providers[0].weight, 10);
  write(path, fileConfig([provider('a', { weight: 20 })]));
  assert.equal(store.current().providers[0].weight, 20);
  write(path, fileConfig([provider('a', { weight: 30 })], { sandbox: true }));
  assert.equal(store.current().routing.sandbox, true);
  // Unchanged file: the same parsed object, not a re-parse.
  assert.equal(store.current(), store.current());
});

test('a broken hand edit: last good config keeps serving, the error names the problem, the file is never overwritten', async (t) => {
  const path = tempPath(t);
  write(path, fileConfig([provider('a')]));
  const errors: string[] = [];
  const store = new ConfigStore(path, noDefaults, (m) => errors.push(m));
  const good = store.current();

  const broken = '{"providers": [ {"id": "a", "name": "A", "type": "resend", "api_key": "re_a_0123456789abcdef" ';
  write(path, broken);
  assert.equal(store.current(), good);
  assert.match(store.configError() ?? '', /config\.json is not valid JSON/);
  assert.equal(errors.length, 1, 'reported once, not on every request');

  await assert.rejects(() => store.update((c) => ({ ...c, routing: { ...c.routing, sandbox: true } })), ConfigConflictError);
  assert.equal(readFileSync(path, 'utf8'), broken);

  // Valid JSON that does not validate: the error names the field.
  const invalid = fileConfig([{ id: 'b', name: 'B', type: 'carrier-pigeon' }]);
  write(path, invalid);
  assert.equal(store.current(), good);
  assert.match(store.configError() ?? '', /providers\.0\.type/);
  assert.equal(errors.length, 2);

  // Only a replace may write while the file is broken; it clears the error and bumps the version of the last good config.
  const saved = await store.update(() => fileConfig([provider('c')]) as AppConfig, { replace: true });
  assert.equal(saved.version, good.version + 1);
  assert.equal(store.configError(), null);
  assert.deepEqual(onDisk(path), saved);
});

test('a JSON error never quotes the file: a secret near the mistake stays out of the message', (t) => {
  const path = tempPath(t);
  write(path, fileConfig([provider('a')]));
  const store = new ConfigStore(path, noDefaults);
  for (const text of [
    '{"providers":[{"id":"a","name":"A","type":"resend","api_key": re_UNQUOTED_SECRET_42}]}',
    '{"providers":[{"id":"a","name":"A","type":"resend","api_key": "re_TRAILING_SECRET_42",}]}',
    '{"providers":[{"id":"a","name":"A","type":"resend","api_key": "re_OPEN_SECRET_42',
    '{"providers":[], "x": "re_AFTER_SECRET_42"} re_GARBAGE_SECRET_42',
  ]) {
    write(path, text);
    const message = store.configError() ?? '';
    assert.match(message, /not valid JSON/);
    assert.doesNotMatch(message, /SECRET|re_[A-Z]/, message);
    assert.match(message, /line \d+|position \d+|unexpected/i, message);
  }
});

test('a deleted file: the last good config keeps serving; a new file is picked up', (t) => {
  const path = tempPath(t);
  write(path, fileConfig([provider('a')]));
  const store = new ConfigStore(path, noDefaults);
  const good = store.current();
  unlinkSync(path);
  assert.equal(store.current(), good);
  write(path, fileConfig([provider('b')]));
  assert.equal(store.current().providers[0].id, 'b');
});

test('update: validated (file and version untouched on error), version bumped on success', async (t) => {
  const path = tempPath(t);
  write(path, fileConfig([provider('a')], {}, 5));
  const store = new ConfigStore(path, noDefaults);
  const before = readFileSync(path, 'utf8');
  await assert.rejects(
    () => store.update((c) => ({ ...c, providers: [...c.providers, { id: 'x', name: 'X', type: 'resend', enabled: true, weight: 500 } as ProviderConfig] })),
    (err: unknown) => err instanceof ConfigValidationError && err.errors.some((e) => e.loc.join('.') === 'providers.1.weight'),
  );
  assert.equal(readFileSync(path, 'utf8'), before);
  const saved = await store.update((c) => ({ ...c, version: 999, routing: { ...c.routing, mode: 'manual' } }));
  assert.equal(saved.version, 6, 'the version is the store’s to bump, whatever the change says');
  assert.equal(onDisk(path).routing.mode, 'manual');
});

test('50 concurrent updates are serialized: none lost, version +50, every read of the file is whole JSON, no temp files left', async (t) => {
  const path = tempPath(t);
  write(path, fileConfig([], {}, 1));
  const store = new ConfigStore(path, noDefaults);
  let reads = 0;
  let reading = true;
  const reader = (async () => {
    while (reading) {
      JSON.parse(readFileSync(path, 'utf8'));
      reads++;
      await new Promise((r) => setImmediate(r));
    }
  })();
  await Promise.all(Array.from({ length: 50 }, (_, i) => store.update((c) => ({ ...c, providers: [...c.providers, provider(`p${i}`) as unknown as ProviderConfig] }))));
  reading = false;
  await reader;
  const final = onDisk(path);
  assert.equal(final.version, 51);
  assert.deepEqual(final.providers.map((p: ProviderConfig) => p.id).sort(), Array.from({ length: 50 }, (_, i) => `p${i}`).sort());
  assert.deepEqual(readdirSync(join(path, '..')), ['config.json']);
  assert.ok(reads > 0);
});

test('an unusable path throws at construction (main turns it into one line)', (t) => {
  const path = tempPath(t);
  write(path, '{}');
  assert.throws(() => new ConfigStore(join(path, 'config.json'), () => defaultConfig({})));
});
