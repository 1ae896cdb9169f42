// Signs provider webhook requests the way each provider documents it, for tests of the receivers.
import { createHmac, createSign, generateKeyPairSync, sign as ecSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Svix (Resend): svix-* headers over `id.timestamp.body`. */
export function svixHeaders(secret: string, body: string, id = `msg_${Math.random().toString(36).slice(2)}`, ts = nowSeconds()): Record<string, string> {
  const signature = new Webhook(secret).sign(id, new Date(ts * 1000), body);
  return { 'svix-id': id, 'svix-timestamp': String(ts), 'svix-signature': signature };
}

/** SendGrid: an ECDSA P-256 key pair; the public key as base64 DER SPKI, as SendGrid shows it. */
export function sendgridKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const headers = (body: string, ts = nowSeconds()): Record<string, string> => ({
    'x-twilio-email-event-webhook-timestamp': String(ts),
    'x-twilio-email-event-webhook-signature': ecSign('sha256', Buffer.from(String(ts) + body), privateKey).toString('base64'),
  });
  return { publicBase64, headers };
}

/** Mailgun: the `signature` object that goes inside the body. */
export function mailgunSignature(key: string, ts = nowSeconds(), token = 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0' + Math.random().toString(36).slice(2)) {
  const timestamp = String(ts);
  return { timestamp, token, signature: createHmac('sha256', key).update(timestamp + token).digest('hex') };
}

export const mailtrapSignature = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

export const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

export const SNS_CERT = readFileSync(new URL('./sns-test-cert.pem', import.meta.url), 'utf8');
const SNS_KEY = readFileSync(new URL('./sns-test-key.pem', import.meta.url), 'utf8');

/** An SNS envelope signed (SignatureVersion 2 = SHA256withRSA, or 1 = SHA1) with the test certificate's key. */
export function snsMessage(fields: Record<string, string>, certUrl: string, version: '1' | '2' = '2'): Record<string, string> {
  const keys = fields.Type === 'Notification'
    ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const toSign = keys.filter((k) => k in fields).map((k) => `${k}\n${fields[k]}\n`).join('');
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256').update(toSign).sign(SNS_KEY, 'base64');
  return { ...fields, SignatureVersion: version, Signature: signature, SigningCertURL: certUrl };
}
