// Amazon SES events arrive through an SNS HTTP(S) subscription. The SNS envelope is signed with RSA
// (SignatureVersion 1 = SHA1withRSA, 2 = SHA256withRSA) over `Key\nValue\n` for a fixed list of keys, with
// a certificate fetched from SigningCertURL (amazon-sns-developer-guide sns-verify-signature-of-message.md;
// the host rule is aws-js-sns-message-validator's). The SES event is JSON inside `Message`
// (amazon-ses-developer-guide event-publishing-retrieving-sns-contents.md).
import { X509Certificate, createVerify, type KeyObject } from 'node:crypto';
import type { ProviderConfig } from '../../core/provider.js';
import { accept, header, isObject, isoTime, normaliseAll, parseJson, plainField, refuse, type InboundContext, type InboundScheme, type RawEvent } from './scheme.js';

const AWS_SNS_HOST = /^sns\.[a-z0-9-]{3,64}\.amazonaws\.com(\.cn)?$/i;
const FETCH_TIMEOUT_MS = 5_000;
const CERT_MAX_CHARS = 16_384;

/** Only SNS itself (https) or a host[:port] of SNS_CERT_HOSTS (http or https: for tests) may be fetched. */
export function allowedSnsUrl(raw: unknown, extraHosts: readonly string[], pem: boolean): URL | undefined {
  if (typeof raw !== 'string' || raw.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return undefined;
  if (pem && !url.pathname.endsWith('.pem')) return undefined;
  if (url.protocol === 'https:' && !url.port && AWS_SNS_HOST.test(url.hostname)) return url;
  if ((url.protocol === 'http:' || url.protocol === 'https:') && extraHosts.includes(url.host.toLowerCase())) return url;
  return undefined;
}

// Certificates by URL (SNS rotates them rarely); a pending fetch is shared by concurrent requests.
const certs = new Map<string, Promise<KeyObject | null>>();

async function fetchText(url: URL, ctx: InboundContext): Promise<{ status: number; text: string } | undefined> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), FETCH_TIMEOUT_MS);
  try {
    const res = await ctx.fetch(url.href, { method: 'GET', headers: {}, signal: ac.signal });
    return { status: res.status, text: await res.text() };
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

function certificate(url: URL, ctx: InboundContext): Promise<KeyObject | null> {
  let pending = certs.get(url.href);
  if (!pending) {
    pending = fetchText(url, ctx).then((res) => {
      if (!res || res.status !== 200 || res.text.length > CERT_MAX_CHARS) return null;
      try {
        return new X509Certificate(res.text).publicKey;
      } catch {
        return null;
      }
    });
    if (certs.size > 50) certs.clear();
    certs.set(url.href, pending);
    // A failed fetch is not cached: the next message tries again.
    void pending.then((k) => k ?? certs.delete(url.href));
  }
  return pending;
}

const NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];
const CONFIRMATION_KEYS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];

/** The canonical string SNS signs: `Key\nValue\n` for each signed key present, in byte order. */
export function snsStringToSign(m: Record<string, unknown>): string {
  const keys = m.Type === 'Notification' ? NOTIFICATION_KEYS : CONFIRMATION_KEYS;
  return keys.filter((k) => typeof m[k] === 'string').map((k) => `${k}\n${m[k]}\n`).join('');
}

async function signatureValid(m: Record<string, unknown>, ctx: InboundContext): Promise<boolean> {
  const algorithm = m.SignatureVersion === '1' ? 'RSA-SHA1' : m.SignatureVersion === '2' ? 'RSA-SHA256' : undefined;
  const url = allowedSnsUrl(m.SigningCertURL, ctx.snsCertHosts, true);
  if (!algorithm || !url || typeof m.Signature !== 'string') return false;
  const key = await certificate(url, ctx);
  if (!key) return false;
  try {
    return createVerify(algorithm).update(snsStringToSign(m), 'utf8').verify(key, m.Signature, 'base64');
  } catch {
    return false;
  }
}

const addresses = (list: unknown, field?: string): unknown[] =>
  Array.isArray(list) ? list.map((r) => (field && isObject(r) ? r[field] : r)) : [];

/** One SES event (configuration-set `eventType` or identity `notificationType`), fanned out per recipient. */
export function sesEvents(e: Record<string, any>, snsMessageId: unknown, now: number): RawEvent[] {
  const mail = isObject(e.mail) ? e.mail : {};
  const all = addresses(mail.destination);
  const base = { messageId: mail.messageId, eventId: snsMessageId };
  const each = (recipients: unknown[], ev: Omit<RawEvent, 'recipient' | 'messageId'>) => recipients.map((recipient) => ({ ...base, ...ev, recipient }));
  const section = (name: string) => (isObject(e[name]) ? e[name] : {});
  switch (e.eventType ?? e.notificationType) {
    case 'Send': return each(all, { type: 'sent', occurredAt: isoTime(mail.timestamp, now) });
    case 'Reject': return each(all, { type: 'rejected', occurredAt: isoTime(mail.timestamp, now), detail: section('reject').reason });
    case 'Rendering Failure': return each(all, { type: 'rejected', occurredAt: isoTime(mail.timestamp, now), detail: section('failure').errorMessage });
    case 'Delivery': {
      const d = section('delivery');
      return each(addresses(d.recipients), { type: 'delivered', occurredAt: isoTime(d.timestamp, now), detail: d.smtpResponse });
    }
    case 'DeliveryDelay': {
      const d = section('deliveryDelay');
      return each(addresses(d.delayedRecipients, 'emailAddress'), { type: 'deferred', occurredAt: isoTime(d.timestamp, now), detail: d.delayType });
    }
    case 'Bounce': {
      const b = section('bounce');
      const suppressed = b.bounceSubType === 'Suppressed' || b.bounceSubType === 'OnAccountSuppressionList';
      const occurredAt = isoTime(b.timestamp, now);
      return (Array.isArray(b.bouncedRecipients) ? b.bouncedRecipients : []).map((r: any) => ({
        ...base,
        recipient: isObject(r) ? r.emailAddress : undefined,
        occurredAt,
        detail: isObject(r) ? (r.diagnosticCode ?? r.status) : undefined,
        ...(suppressed ? { type: 'rejected' as const } : { type: 'bounced' as const, bounceType: b.bounceType === 'Permanent' ? ('hard' as const) : ('soft' as const) }),
      }));
    }
    case 'Complaint': {
      const c = section('complaint');
      return each(addresses(c.complainedRecipients, 'emailAddress'), { type: 'complained', occurredAt: isoTime(c.timestamp, now), detail: c.complaintFeedbackType });
    }
    case 'Open': return each(all, { type: 'opened', occurredAt: isoTime(section('open').timestamp, now) });
    case 'Click': return each(all, { type: 'clicked', occurredAt: isoTime(section('click').timestamp, now), url: section('click').link });
    case 'Subscription': {
      const s = section('subscription');
      const unsubscribed = isObject(s.newTopicPreferences) && s.newTopicPreferences.unsubscribeAll === true;
      return unsubscribed ? each(all, { type: 'unsubscribed', occurredAt: isoTime(s.timestamp, now) }) : [];
    }
    default: return [];
  }
}

export const sesInbound: InboundScheme = {
  type: 'ses',
  fields: [plainField('sns_topic_arn', 'SNS topic ARN', 'arn:aws:sns:<region>:<account>:<topic> that the SES configuration set publishes events to; subscribe this URL to it over HTTPS.')],
  configured: (p: ProviderConfig) => typeof p.sns_topic_arn === 'string' && p.sns_topic_arn !== '',
  async handle(req, p, ctx) {
    // Raw message delivery carries no envelope and so no signature.
    if (header(req, 'x-amz-sns-rawdelivery') === 'true') return refuse(401, 'raw message delivery is not signed');
    const m = parseJson(req.body);
    if (!isObject(m) || typeof m.Type !== 'string') return refuse(401, 'not an SNS message');
    if (m.TopicArn !== p.sns_topic_arn) return refuse(403, 'another topic');
    if (!(await signatureValid(m, ctx))) return refuse(401, 'bad signature');
    if (m.Type === 'SubscriptionConfirmation') {
      const url = allowedSnsUrl(m.SubscribeURL, ctx.snsCertHosts, false);
      if (!url) return refuse(403, 'SubscribeURL is not an SNS host');
      const res = await fetchText(url, ctx);
      if (!res || res.status < 200 || res.status >= 300) return refuse(502, 'subscription confirmation failed');
      return accept([], 'subscription confirmed');
    }
    if (m.Type !== 'Notification') return accept([], `${m.Type.slice(0, 40)} received`);
    const inner = typeof m.Message === 'string' ? parseJson(m.Message) : undefined;
    if (!isObject(inner)) return accept([], 'notification without an SES event');
    return accept(normaliseAll(sesEvents(inner, m.MessageId, ctx.now()), p.id));
  },
};
