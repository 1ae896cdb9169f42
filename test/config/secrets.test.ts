import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanErrorText, collectSecrets, keepStoredSecrets, maskConfig, maskProvider, maskSecret, scrub } from '../../src/config/secrets.js';
import type { ProviderConfig } from '../../src/core/provider.js';

const stored: ProviderConfig = { id: 'r', name: 'R', type: 'resend', enabled: true, weight: 100, api_key: 're_123456789abcdefa1b2' };

test('maskSecret: at most the last 4 characters, fewer for short secrets, never the value; env references as they are', () => {
  assert.equal(maskSecret('re_123456789abcdefa1b2'), '…a1b2');
  assert.equal(maskSecret('abcdefghijklmnop'), '…mnop');
  assert.equal(maskSecret('abcdefghijklmno'), '…no');
  assert.equal(maskSecret('short-pw-9'), '…-9');
  assert.equal(maskSecret('abcdefgh'), '…');
  assert.equal(maskSecret('abc'), '…');
  assert.equal(maskSecret('env:RESEND_API_KEY'), 'env:RESEND_API_KEY');
  for (const n of [1, 4, 5, 8, 9, 15, 16, 40]) {
    const v = 'k'.repeat(n - 1) + 'Z';
    const shown = maskSecret(v).replace('…', '');
    assert.ok(shown.length <= 4 && shown.length < n, `${n} characters: ${maskSecret(v)}`);
    assert.ok(v.endsWith(shown));
  }
});

test('maskProvider / maskConfig: every secret field of every type, other fields untouched', () => {
  assert.deepEqual(maskProvider(stored), { ...stored, api_key: '…a1b2' });
  const smtp = { id: 's', name: 'S', type: 'custom_smtp', enabled: true, weight: 1, smtp_host: 'h', smtp_port: 25, smtp_username: 'user', smtp_password: 'smtp-password-123456' };
  assert.deepEqual(maskProvider(smtp), { ...smtp, smtp_password: '…3456' });
  const ses = { id: 'e', name: 'E', type: 'ses', enabled: true, weight: 1, access_key_id: 'AKIAEXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region: 'eu-west-1' };
  assert.equal(maskProvider(ses).secret_access_key, '…EKEY');
  const gmail = { id: 'g', name: 'G', type: 'gmail', enabled: true, weight: 1, gmail_address: 'me@gmail.com', gmail_app_password: 'abcd efgh ijkl mnop' };
  assert.equal(maskProvider(gmail).gmail_app_password, '…mnop');
  const masked = JSON.stringify(maskConfig({ providers: [stored, smtp, ses, gmail], routing: { mode: 'smart', sandbox: false, rules: [] }, version: 1 }));
  for (const secret of ['re_123456789abcdefa1b2', 'smtp-password-123456', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'abcd efgh ijkl mnop']) assert.ok(!masked.includes(secret));
});

test('keepStoredSecrets: the mask, anything with its ellipsis, empty or omitted keep the stored value; a new value replaces it', () => {
  for (const sent of ['re_…a1b2', '…a1b2', '…', '', null, undefined]) {
    assert.equal(keepStoredSecrets({ type: 'resend', api_key: sent }, stored).api_key, stored.api_key, String(sent));
  }
  assert.equal(keepStoredSecrets({ type: 'resend' }, stored).api_key, stored.api_key);
  assert.equal(keepStoredSecrets({ type: 'resend', api_key: 're_new_key' }, stored).api_key, 're_new_key');
  assert.equal(keepStoredSecrets({ type: 'resend', api_key: 'env:NEW' }, stored).api_key, 'env:NEW');
  // A different type does not inherit the other's secrets, and a mask is never taken for a new secret.
  assert.equal('api_key' in keepStoredSecrets({ type: 'mailtrap', api_key: 're_…a1b2' }, stored), false);
  assert.equal(keepStoredSecrets({ type: 'mailtrap', api_key: 'mt_real' }, stored).api_key, 'mt_real');
  assert.equal('api_key' in keepStoredSecrets({ type: 'resend', api_key: 're_…a1b2' }, undefined), false);
});

test('collectSecrets and scrub: configured values and env references resolved, replaced in any text', () => {
  const cfg = { providers: [stored, { ...stored, id: 'x', name: 'X', api_key: 'env:TEST_KEY' }], routing: { mode: 'smart' as const, sandbox: false, rules: [] }, version: 1 };
  const secrets = collectSecrets(cfg, { TEST_KEY: 'from-env-secret' });
  assert.deepEqual(secrets, ['re_123456789abcdefa1b2', 'from-env-secret']);
  assert.equal(scrub('bad key re_123456789abcdefa1b2 and from-env-secret twice from-env-secret', secrets), 'bad key [redacted] and [redacted] twice [redacted]');
});

test('cleanErrorText: scrubbed first, then cut to 300 characters (a cut never leaves part of a secret behind)', () => {
  const secret = 're_123456789abcdefa1b2';
  const text = `${'x'.repeat(290)}${secret}${'y'.repeat(100)}`;
  const clean = cleanErrorText(text, [secret]);
  assert.equal(clean.length, 300);
  assert.ok(!clean.includes(secret.slice(0, 10)));
  assert.equal(cleanErrorText('short', [secret]), 'short');
});
