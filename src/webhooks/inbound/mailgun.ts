// Mailgun: the signature is in the JSON body, `signature.{timestamp, token, signature}` with
// signature = hex HMAC-SHA256(signing key, timestamp + token) (mailgun/documentation user_manual.rst
// "Securing Webhooks"; mailgun-go webhooks.go). The body itself is not signed; replays are caught by the
// timestamp window and the event dedupe.
import type { ProviderConfig } from '../../core/provider.js';
import { accept, fresh, hmacHex, isObject, isoTime, normaliseAll, parseJson, refuse, safeEqual, secretField, type InboundScheme, type RawEvent } from './scheme.js';

// The body is not signed, so a captured signature could carry another event within the window: each token
// is bound to the first event id it came with (a provider's identical retry still passes).
const TOKEN_TTL_MS = 10 * 60_000;
const TOKENS_MAX = 10_000;
const tokens = new Map<string, { eventId: string; until: number }>();

function tokenFits(token: string, eventId: string, now: number): boolean {
  const seen = tokens.get(token);
  if (seen && seen.until > now) return seen.eventId === eventId;
  if (tokens.size >= TOKENS_MAX) {
    for (const [k, v] of tokens) if (v.until <= now || tokens.size >= TOKENS_MAX) tokens.delete(k);
  }
  tokens.set(token, { eventId, until: now + TOKEN_TTL_MS });
  return true;
}

function toRaw(e: Record<string, any>, now: number): RawEvent | undefined {
  const status = isObject(e['delivery-status']) ? e['delivery-status'] : {};
  const base = {
    recipient: e.recipient,
    messageId: isObject(e.message) && isObject(e.message.headers) ? e.message.headers['message-id'] : undefined,
    occurredAt: isoTime(e.timestamp, now),
    eventId: e.id,
  };
  const detail = status.description || status.message || e.reason;
  switch (e.event) {
    case 'accepted': return { ...base, type: 'sent' };
    case 'rejected': return { ...base, type: 'rejected', detail: isObject(e.reject) ? e.reject.reason : e.reason };
    case 'delivered': return { ...base, type: 'delivered', detail: status.message };
    case 'failed':
      if (e.severity === 'temporary') return { ...base, type: 'deferred', detail };
      // Suppress-* reasons: Mailgun dropped it without an SMTP session (its own suppression list).
      if (typeof e.reason === 'string' && e.reason.startsWith('suppress-')) return { ...base, type: 'rejected', detail };
      return { ...base, type: 'bounced', bounceType: 'hard', detail };
    case 'opened': return { ...base, type: 'opened' };
    case 'clicked': return { ...base, type: 'clicked', url: e.url };
    case 'unsubscribed': return { ...base, type: 'unsubscribed' };
    case 'complained': return { ...base, type: 'complained' };
    default: return undefined;
  }
}

export const mailgunInbound: InboundScheme = {
  type: 'mailgun',
  fields: [secretField('webhook_signing_key', 'Webhook signing key', 'Sending → Webhooks → "HTTP webhook signing key" (not the API key).')],
  configured: (p: ProviderConfig) => typeof p.webhook_signing_key === 'string' && p.webhook_signing_key !== '',
  async handle(req, p, ctx) {
    const body = parseJson(req.body);
    const sig = isObject(body) && isObject(body.signature) ? body.signature : undefined;
    const { timestamp, token, signature } = sig ?? {};
    if (typeof timestamp !== 'string' || typeof token !== 'string' || typeof signature !== 'string' || token.length > 256) return refuse(401, 'missing signature');
    if (!fresh(timestamp, ctx.now())) return refuse(401, 'stale timestamp');
    if (!safeEqual(hmacHex(p.webhook_signing_key as string, timestamp + token), signature.toLowerCase())) return refuse(401, 'bad signature');
    const data = (body as Record<string, unknown>)['event-data'];
    if (!isObject(data)) return refuse(400, 'expected event-data');
    if (!tokenFits(token, JSON.stringify([data.id ?? null, data.event ?? null, data.recipient ?? null]), ctx.now())) return refuse(401, 'signature replayed with another event');
    return accept(normaliseAll([toRaw(data, ctx.now())], p.id));
  },
};
