// Unit: dispatch result → SMTP reply (src/smtp/replies.ts) and the loopback test for clear-text AUTH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toSmtpReply } from '../../src/smtp/replies.js';
import { isLoopbackAddress } from '../../src/smtp/ingress.js';

test('dispatch outcomes map to SMTP replies: 250 accepted, 451 transient or no provider, 554 permanent', () => {
  const attempts: never[] = [];
  const errors = [{ provider_id: 'p', provider_name: 'P', error: 'HTTP 500:\r\nboom' }];
  assert.equal(toSmtpReply({ kind: 'sandbox', logId: 7, processingTimeMs: 1 }).code, 250);
  assert.equal(toSmtpReply({ kind: 'queued', logId: 7 }).code, 250);
  assert.equal(toSmtpReply({ kind: 'success', logId: 7, processingTimeMs: 1, provider: { id: 'p', name: 'P', type: 'resend' }, messageId: 'm', attempts }).code, 250);
  const transient = toSmtpReply({ kind: 'failed', logId: 7, processingTimeMs: 1, attempts, errors, transient: true });
  assert.equal(transient.code, 451);
  assert.doesNotMatch(transient.text, /[\r\n]/);
  assert.match(transient.text, /log 7/);
  assert.equal(toSmtpReply({ kind: 'failed', logId: 7, processingTimeMs: 1, attempts, errors, transient: false }).code, 554);
  assert.equal(toSmtpReply({ kind: 'unavailable' }).code, 451);
});

test('loopback peers: 127.0.0.0/8, ::1 and IPv4-mapped 127.x; nothing else', () => {
  for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(ip), true, ip);
  for (const ip of ['10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', 'fe80::1', '', undefined]) assert.equal(isLoopbackAddress(ip), false, String(ip));
});
