import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig, validateProvider } from '../../src/config/validate.js';
import type { FieldError } from '../../src/config/types.js';

const locs = (errors: FieldError[]) => errors.map((e) => e.loc.join('.'));
const one = (input: unknown) => {
  const errors: FieldError[] = [];
  const p = validateProvider(input, [], errors);
  return { p, errors, locs: locs(errors) };
};

test('provider: defaults filled in, id generated from the type', () => {
  const { p, errors } = one({ name: 'R', type: 'resend', api_key: 'k' });
  assert.deepEqual(errors, []);
  assert.match(p!.id, /^resend-[0-9a-f]{6}$/);
  assert.deepEqual([p!.enabled, p!.weight], [true, 100]);
  const smtp = one({ name: 'S', type: 'custom_smtp', smtp_host: 'h', smtp_port: 25 }).p!;
  assert.deepEqual([smtp.id.startsWith('custom-smtp-'), smtp.smtp_use_tls, smtp.smtp_use_ssl], [true, true, false]);
});

test('provider: each problem named by its field', () => {
  assert.deepEqual(one({ name: 'R', type: 'nope' }).locs, ['type']);
  assert.deepEqual(one({ type: 'resend' }).locs.sort(), ['api_key', 'name']);
  assert.deepEqual(one({ name: 'R', type: 'resend', api_key: 'k', weight: 101 }).locs, ['weight']);
  assert.deepEqual(one({ name: 'R', type: 'resend', api_key: 'k', weight: -1 }).locs, ['weight']);
  assert.deepEqual(one({ name: 'R', type: 'resend', api_key: 'k', weight: 1.5 }).locs, ['weight']);
  assert.deepEqual(one({ name: 'R', type: 'resend', api_key: 'k', enabled: 'yes' }).locs, ['enabled']);
  assert.deepEqual(one({ name: 'R', type: 'resend', api_key: 'k', timeout_ms: 10 }).locs, ['timeout_ms']);
  assert.deepEqual(one({ name: 'R', type: 'resend', api_key: 'k', base_url: 'ftp://x' }).locs, ['base_url']);
  assert.deepEqual(one({ name: 'R', type: 'resend', api_key: 'k\r\nX: y' }).locs, ['api_key']);
  assert.deepEqual(one({ name: 'R', type: 'resend', api_key: 'k', smtp_host: 'h' }).locs, ['smtp_host']);
  assert.deepEqual(one({ name: 'M', type: 'mailgun', api_key: 'k' }).locs, ['domain']);
  assert.deepEqual(one({ name: 'G', type: 'gmail', gmail_address: 'a@gmail.com' }).locs, ['gmail_app_password']);
  assert.deepEqual(one({ name: 'S', type: 'custom_smtp', smtp_host: 'h', smtp_port: 70000 }).locs, ['smtp_port']);
  assert.deepEqual(one('not an object').locs, ['']);
});

test('custom_smtp: smtp_use_tls and smtp_use_ssl together are refused', () => {
  const r = one({ name: 'S', type: 'custom_smtp', smtp_host: 'h', smtp_port: 465, smtp_use_tls: true, smtp_use_ssl: true });
  assert.equal(r.p, undefined);
  assert.deepEqual(r.locs, ['smtp_use_ssl']);
  assert.match(r.errors[0].msg, /smtp_use_tls.*smtp_use_ssl/);
  assert.ok(one({ name: 'S', type: 'custom_smtp', smtp_host: 'h', smtp_port: 465, smtp_use_tls: false, smtp_use_ssl: true }).p);
});

test('config: unique ids and names, rules pointing at known providers, mode and sandbox typed', () => {
  const p = (id: string, name = id) => ({ id, name, type: 'resend', api_key: 'k' });
  assert.deepEqual(locs(validateConfig({ providers: [p('a'), p('a', 'other')] }).errors), ['providers.1.id']);
  assert.deepEqual(locs(validateConfig({ providers: [p('a', 'Same'), p('b', 'Same')] }).errors), ['providers.1.name']);
  assert.deepEqual(locs(validateConfig({ providers: [p('a')], routing: { rules: [{ match: { to_domain: 'x.example' }, providers: ['ghost'] }] } }).errors), ['routing.rules.0.providers.0']);
  assert.deepEqual(locs(validateConfig({ routing: { mode: 'random', sandbox: 'yes' } }).errors).sort(), ['routing.mode', 'routing.sandbox']);
  assert.deepEqual(locs(validateConfig({ providers: {} }).errors), ['providers']);
  assert.deepEqual(locs(validateConfig({ version: -1 }).errors), ['version']);
  assert.deepEqual(locs(validateConfig([]).errors), ['']);
  const ok = validateConfig({ providers: [p('a')], routing: { rules: [{ match: { to_domain: '@VIP.example' }, providers: ['a'] }] } });
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.config!.routing.rules[0].match.to_domain, 'vip.example');
  assert.deepEqual(validateConfig({}).config, { providers: [], routing: { mode: 'smart', sandbox: false, rules: [] }, version: 0 });
});
