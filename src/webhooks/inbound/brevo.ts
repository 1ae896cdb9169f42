// Brevo transactional webhooks: no signature; the webhook is created with `auth: {type: "bearer", token}`
// and we compare `Authorization: Bearer <webhook_token>` in constant time (developers.brevo.com/docs/secured-webhooks).
// One flat event per POST, or an array when `batched` (developers.brevo.com/docs/batch-webhooks).
import type { ProviderConfig } from '../../core/provider.js';
import { accept, bearerMatches, isObject, isoTime, normaliseObjects, parseJson, refuse, secretField, type InboundScheme, type RawEvent } from './scheme.js';

function toRaw(e: Record<string, any>, now: number): RawEvent | undefined {
  // ts_epoch (ms) is reliably UTC; `date` is local time (django-anymail brevo.py).
  const occurredAt = e.ts_epoch !== undefined ? isoTime(e.ts_epoch, now, true) : isoTime(e.ts_event, now);
  const base = { recipient: e.email, messageId: e['message-id'], occurredAt, detail: e.reason };
  switch (e.event) {
    case 'request': return { ...base, type: 'sent' };
    case 'delivered': return { ...base, type: 'delivered' };
    case 'deferred': return { ...base, type: 'deferred' };
    case 'hard_bounce': return { ...base, type: 'bounced', bounceType: 'hard' };
    case 'soft_bounce': return { ...base, type: 'bounced', bounceType: 'soft' };
    case 'blocked': case 'invalid_email': case 'error': return { ...base, type: 'rejected' };
    case 'spam': case 'complaint': return { ...base, type: 'complained' };
    case 'opened': case 'unique_opened': case 'proxy_open': case 'unique_proxy_open': return { ...base, type: 'opened' };
    case 'click': return { ...base, type: 'clicked', url: e.link };
    case 'unsubscribed': case 'unsubscribe': return { ...base, type: 'unsubscribed' };
    default: return undefined;
  }
}

export const brevoInbound: InboundScheme = {
  type: 'brevo',
  fields: [secretField('webhook_token', 'Webhook token', 'The bearer token set as the webhook\'s auth ({"type":"bearer","token":…}) when creating it.')],
  configured: (p: ProviderConfig) => typeof p.webhook_token === 'string' && p.webhook_token !== '',
  async handle(req, p, ctx) {
    if (!bearerMatches(req, p.webhook_token as string)) return refuse(401, 'bad token');
    const body = parseJson(req.body);
    const list = Array.isArray(body) ? body : isObject(body) ? [body] : undefined;
    if (!list) return refuse(400, 'expected a JSON object or array');
    return accept(normaliseObjects(list, toRaw, ctx.now(), p.id));
  },
};
