// A provider's recipient cap (declared beside its definition) is checked before the call, against the real
// server: an over-limit message never reaches that provider's API, and smart mode moves on to the next one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overRecipientLimit } from '../../src/core/recipient-limit.js';
import { createMessage } from '../../src/core/message.js';
import { providerDefinitions } from '../../src/providers/registry.js';
import { startHttpFake } from '../fakes/http-fake.js';
import { EMAIL, configOf, fakeFor, resendEntry, resendOk, send, serverFor } from '../support/fixtures.js';
import { api } from '../support/server.js';

const addresses = (n: number, domain = 'example.org') => Array.from({ length: n }, (_, i) => `r${i}@${domain}`);

test('each limited provider declares its cap once; per message counts to+cc+bcc, per field each list', () => {
  const caps = Object.fromEntries(providerDefinitions.map((d) => [d.type, d.recipientLimit ? `${d.recipientLimit.max}/${d.recipientLimit.per}` : null]));
  assert.deepEqual(caps, {
    resend: '50/field', mailtrap: '1000/field', gmail: null, custom_smtp: null, sendgrid: '1000/message', postmark: '50/message', mailgun: '1000/message', ses: '50/message', brevo: null,
  });
  const m = createMessage({ ...EMAIL, to: addresses(30), cc: addresses(20, 'cc.example'), bcc: addresses(1, 'bcc.example') });
  assert.match(overRecipientLimit({ max: 50, per: 'message' }, m, 'SES')!.message, /^51 recipients: SES accepts at most 50/);
  assert.equal(overRecipientLimit({ max: 50, per: 'message' }, m, 'SES')!.class, 'permanent');
  assert.equal(overRecipientLimit({ max: 50, per: 'field' }, m, 'Resend'), null);
  assert.equal(overRecipientLimit(undefined, m, 'SMTP'), null);
});

test('SES with 51 recipients: nothing reaches its API, the next provider delivers; 50 still go to SES', async (t) => {
  const sesFake = await fakeFor(t, () => startHttpFake(() => ({ status: 200, body: { MessageId: 'ses-1' } })));
  const next = await fakeFor(t, () => startHttpFake(resendOk('next')));
  const ses = { id: 'ses', name: 'SES', type: 'ses', access_key_id: 'AKIDEXAMPLE', secret_access_key: 'ses_SECRET_key_0123456789', region: 'us-east-1', base_url: sesFake.url };
  const s = await serverFor(t, { config: configOf([ses, resendEntry('next', next, { weight: 50 })]) });

  const r = await send(s, { ...EMAIL, to: addresses(40), cc: addresses(10, 'cc.example'), bcc: ['hidden@bcc.example'] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.message_id, 'next');
  assert.equal(sesFake.requests.length, 0, 'no wasted request to SES');
  assert.equal(next.requests.length, 1);
  assert.deepEqual(r.json.attempts.map((a: any) => [a.provider_id, a.ok, a.error_class]), [['ses', false, 'permanent'], ['next', true, null]]);
  assert.match(r.json.attempts[0].error, /51 recipients: SES accepts at most 50/);
  // The message's fault, not SES's: its circuit stays closed.
  const health = await api(s.url, 'GET', '/api/providers/health');
  assert.doesNotMatch(JSON.stringify(health.json), /"open"/);

  const fits = await send(s, { ...EMAIL, to: addresses(40), cc: addresses(10, 'cc.example') });
  assert.equal(fits.json.message_id, 'ses-1', fits.text);
  assert.equal(sesFake.requests.length, 1);
});
