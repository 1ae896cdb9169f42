// Postmark: no signature; the webhook URL carries Basic auth credentials (https://user:pass@host/…) that
// we compare in constant time. One event per POST, PascalCase, `RecordType` (postmarkapp.com/developer/webhooks).
import type { ProviderConfig } from '../../core/provider.js';
import { accept, basicMatches, isObject, isoTime, normaliseAll, parseJson, plainField, refuse, secretField, type InboundScheme, type RawEvent } from './scheme.js';

const HARD = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated']);
const IGNORED = new Set(['AutoResponder', 'Subscribe', 'Unsubscribe', 'OpenRelayTest']);

/** postmark.js types some keys with other casing (MessageId vs MessageID): read them case-insensitively. */
function get(e: Record<string, unknown>, name: string): unknown {
  if (name in e) return e[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(e)) if (k.toLowerCase() === lower) return e[k];
  return undefined;
}

function toRaw(e: Record<string, unknown>, now: number): RawEvent | undefined {
  const messageId = get(e, 'MessageID');
  const recipient = get(e, 'Recipient') ?? get(e, 'Email');
  switch (get(e, 'RecordType')) {
    case 'Delivery': return { type: 'delivered', messageId, recipient, occurredAt: isoTime(get(e, 'DeliveredAt'), now), detail: get(e, 'Details') };
    case 'Bounce': {
      const kind = String(get(e, 'Type') ?? '');
      if (IGNORED.has(kind)) return undefined;
      const hard = get(e, 'Inactive') === true || HARD.has(kind);
      return { type: 'bounced', bounceType: hard ? 'hard' : 'soft', messageId, recipient: get(e, 'Email') ?? recipient, occurredAt: isoTime(get(e, 'BouncedAt'), now), detail: get(e, 'Description') ?? get(e, 'Details'), eventId: get(e, 'ID') };
    }
    case 'SpamComplaint': return { type: 'complained', messageId, recipient: get(e, 'Email') ?? recipient, occurredAt: isoTime(get(e, 'BouncedAt'), now), eventId: get(e, 'ID') };
    case 'Open': return { type: 'opened', messageId, recipient, occurredAt: isoTime(get(e, 'ReceivedAt'), now) };
    case 'Click': return { type: 'clicked', messageId, recipient, occurredAt: isoTime(get(e, 'ReceivedAt'), now), url: get(e, 'OriginalLink') };
    case 'SubscriptionChange':
      return get(e, 'SuppressSending') === true ? { type: 'unsubscribed', messageId, recipient, occurredAt: isoTime(get(e, 'ChangedAt'), now) } : undefined;
    default: return undefined;
  }
}

export const postmarkInbound: InboundScheme = {
  type: 'postmark',
  fields: [
    plainField('webhook_username', 'Webhook username', 'Basic auth user you put in the webhook URL (https://user:pass@host/webhooks/<id>).'),
    secretField('webhook_password', 'Webhook password', 'Basic auth password in the webhook URL; a long random string.'),
  ],
  configured: (p: ProviderConfig) => typeof p.webhook_username === 'string' && !!p.webhook_username && typeof p.webhook_password === 'string' && !!p.webhook_password,
  async handle(req, p, ctx) {
    if (!basicMatches(req, p.webhook_username as string, p.webhook_password as string)) return refuse(401, 'bad credentials');
    const body = parseJson(req.body);
    if (!isObject(body)) return refuse(400, 'expected a JSON object');
    return accept(normaliseAll([toRaw(body, ctx.now())], p.id));
  },
};
