// SendGrid Event Webhook: ECDSA P-256 over SHA-256 of `timestamp || rawBody`, signature base64 DER in
// X-Twilio-Email-Event-Webhook-Signature (sendgrid-nodejs packages/eventwebhook/src/eventwebhook.js);
// the body is an array of events (docs: for-developers/tracking-events/event.md).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { ProviderConfig } from '../../core/provider.js';
import { accept, fresh, header, isoTime, memo, normaliseObjects, parseJson, plainField, refuse, type InboundScheme, type RawEvent } from './scheme.js';

const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';

// Parsed public keys by their base64 text: parsing DER on every request would be wasted work.
const keys = new Map<string, KeyObject | null>();
const publicKey = (b64: string) => memo(keys, b64, (k) => createPublicKey({ key: Buffer.from(k, 'base64'), format: 'der', type: 'spki' }));

/** The sg_message_id is `<X-Message-Id>.filter…` (or another `.`-suffix): the send answered the prefix. */
export const sendgridMessageId = (id: unknown) => {
  if (typeof id !== 'string') return id;
  const filter = id.indexOf('.filter');
  if (filter > 0) return id.slice(0, filter);
  const dot = id.indexOf('.');
  return dot > 0 ? id.slice(0, dot) : id;
};

function toRaw(e: Record<string, any>, now: number): RawEvent | undefined {
  const base = { recipient: e.email, messageId: sendgridMessageId(e.sg_message_id), occurredAt: isoTime(e.timestamp, now), eventId: e.sg_event_id };
  switch (e.event) {
    case 'processed': return { ...base, type: 'sent' };
    case 'dropped': return { ...base, type: 'rejected', detail: e.reason };
    case 'delivered': return { ...base, type: 'delivered', detail: e.response };
    case 'deferred': return { ...base, type: 'deferred', detail: e.response ?? e.reason };
    case 'bounce': return { ...base, type: 'bounced', bounceType: e.type === 'blocked' ? 'soft' : 'hard', detail: e.reason };
    case 'spamreport': return { ...base, type: 'complained' };
    case 'open': return { ...base, type: 'opened' };
    case 'click': return { ...base, type: 'clicked', url: e.url };
    case 'unsubscribe': case 'group_unsubscribe': return { ...base, type: 'unsubscribed' };
    default: return undefined;
  }
}

export const sendgridInbound: InboundScheme = {
  type: 'sendgrid',
  fields: [plainField('webhook_public_key', 'Event Webhook public key', 'Base64 DER key shown when "Signed Event Webhook Requests" is enabled (Settings → Mail Settings → Event Webhook).')],
  configured: (p: ProviderConfig) => typeof p.webhook_public_key === 'string' && p.webhook_public_key !== '',
  async handle(req, p, ctx) {
    const signature = header(req, SIGNATURE);
    const timestamp = header(req, TIMESTAMP);
    const key = publicKey(p.webhook_public_key as string);
    if (!signature || !timestamp || !key) return refuse(401, 'missing signature');
    if (!fresh(timestamp, ctx.now())) return refuse(401, 'stale timestamp');
    let valid = false;
    try {
      valid = verify('sha256', Buffer.concat([Buffer.from(timestamp), req.body]), key, Buffer.from(signature, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) return refuse(401, 'bad signature');
    const body = parseJson(req.body);
    if (!Array.isArray(body)) return refuse(400, 'expected a JSON array of events');
    return accept(normaliseObjects(body, toRaw, ctx.now(), p.id));
  },
};
