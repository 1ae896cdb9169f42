// Mailtrap Email Sending webhooks: `Mailtrap-Signature` = hex HMAC-SHA256(secret as ASCII, raw body)
// (mailtrap/mailtrap-docs documentation/email-api-smtp/webhooks.md). No timestamp is signed: replays are
// caught by the event dedupe. The body is `{"events":[…]}` or JSON Lines.
import type { ProviderConfig } from '../../core/provider.js';
import { accept, header, hmacHex, isObject, isoTime, normaliseObjects, parseJson, refuse, safeEqual, secretField, type InboundScheme, type RawEvent } from './scheme.js';

function toRaw(e: Record<string, any>, now: number): RawEvent | undefined {
  const base = { recipient: e.email, messageId: e.message_id, occurredAt: isoTime(e.timestamp, now), eventId: e.event_id };
  switch (e.event) {
    case 'delivery': return { ...base, type: 'delivered' };
    case 'bounce': return { ...base, type: 'bounced', bounceType: 'hard', detail: e.response };
    // "will retry": a deferral, not a terminal soft bounce (django-anymail mailtrap.py does the same).
    case 'soft bounce': case 'suspension': return { ...base, type: 'deferred', detail: e.response ?? e.reason };
    case 'reject': return { ...base, type: 'rejected', detail: e.reason };
    case 'spam': return { ...base, type: 'complained' };
    case 'unsubscribe': return { ...base, type: 'unsubscribed' };
    case 'open': return { ...base, type: 'opened' };
    case 'click': return { ...base, type: 'clicked', url: e.url };
    default: return undefined;
  }
}

/** `{"events":[…]}`, or one JSON object per line. */
function events(body: Buffer): unknown[] | undefined {
  const whole = parseJson(body);
  if (isObject(whole) && Array.isArray(whole.events)) return whole.events;
  if (isObject(whole)) return [whole];
  if (whole !== undefined) return undefined;
  const lines = body.toString('utf8').split('\n').filter((l) => l.trim());
  const parsed = lines.map((l) => parseJson(l));
  return parsed.every(isObject) ? parsed : undefined;
}

export const mailtrapInbound: InboundScheme = {
  type: 'mailtrap',
  fields: [secretField('webhook_signing_secret', 'Webhook signing secret', 'Shown on the webhook\'s page in Mailtrap (Sending → Webhooks).')],
  configured: (p: ProviderConfig) => typeof p.webhook_signing_secret === 'string' && p.webhook_signing_secret !== '',
  async handle(req, p, ctx) {
    const signature = header(req, 'mailtrap-signature');
    if (!signature) return refuse(401, 'missing signature');
    if (!safeEqual(hmacHex(p.webhook_signing_secret as string, req.body), signature.trim().toLowerCase())) return refuse(401, 'bad signature');
    const list = events(req.body);
    if (!list) return refuse(400, 'expected {"events":[…]} or JSON Lines');
    return accept(normaliseObjects(list, toRaw, ctx.now(), p.id));
  },
};
