// Resend signs with Svix, which is Standard Webhooks v1: base64 HMAC-SHA256 of `id.timestamp.body` under
// the base64 key after `whsec_`, in `svix-id/-timestamp/-signature` (resend-node src/webhooks/webhooks.ts
// maps these onto `webhook-*` and calls the standardwebhooks package, as we do). One event per POST:
// {type, created_at, data:{email_id, to[], bounce?, click?}} (resend-node webhook-event.interface.ts).
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { ProviderConfig } from '../../core/provider.js';
import { accept, header, isObject, isoTime, memo, normaliseAll, refuse, secretField, type InboundScheme, type RawEvent } from './scheme.js';

type Kind = Pick<RawEvent, 'type' | 'bounceType' | 'detail' | 'url'>;

function kindOf(type: unknown, data: Record<string, any>): Kind | undefined {
  switch (type) {
    case 'email.sent': return { type: 'sent' };
    case 'email.delivered': return { type: 'delivered' };
    case 'email.delivery_delayed': return { type: 'deferred' };
    case 'email.bounced': {
      const b = isObject(data.bounce) ? data.bounce : {};
      // A bounce because the address is on a suppression list never reached a mailbox: rejected.
      if (b.subType === 'Suppressed' || b.subType === 'OnAccountSuppressionList') return { type: 'rejected', detail: b.message };
      return { type: 'bounced', bounceType: b.type === 'Permanent' ? 'hard' : 'soft', detail: b.message };
    }
    case 'email.complained': return { type: 'complained' };
    case 'email.opened': return { type: 'opened' };
    case 'email.clicked': return { type: 'clicked', url: isObject(data.click) ? data.click.link : undefined };
    case 'email.failed': return { type: 'rejected', detail: isObject(data.failed) ? data.failed.reason : undefined };
    case 'email.suppressed': return { type: 'rejected', detail: isObject(data.suppressed) ? data.suppressed.message : undefined };
    default: return undefined;
  }
}

// One verifier per secret: the key is decoded once.
const verifiers = new Map<string, Webhook | null>();
const verifier = (secret: string) => memo(verifiers, secret, (s) => new Webhook(s));

export const resendInbound: InboundScheme = {
  type: 'resend',
  fields: [secretField('webhook_secret', 'Webhook signing secret', 'whsec_… shown on the webhook\'s page in Resend (Webhooks → your endpoint).')],
  configured: (p: ProviderConfig) => typeof p.webhook_secret === 'string' && p.webhook_secret !== '',
  async handle(req, p, ctx) {
    const wh = verifier(p.webhook_secret as string);
    const headers = {
      'webhook-id': header(req, 'svix-id') ?? header(req, 'webhook-id') ?? '',
      'webhook-timestamp': header(req, 'svix-timestamp') ?? header(req, 'webhook-timestamp') ?? '',
      'webhook-signature': header(req, 'svix-signature') ?? header(req, 'webhook-signature') ?? '',
    };
    if (!wh) return refuse(401, 'webhook_secret is not a whsec_ secret');
    let body: unknown;
    try {
      body = wh.verify(req.body.toString('utf8'), headers);
    } catch (err) {
      return err instanceof WebhookVerificationError ? refuse(401, err.message) : refuse(400, 'body is not JSON');
    }
    if (!isObject(body) || !isObject(body.data)) return refuse(400, 'expected {type, data}');
    const data = body.data;
    const kind = kindOf(body.type, data);
    if (!kind) return accept([], `ignored ${String(body.type).slice(0, 50)}`);
    const occurredAt = isoTime(kind.type === 'clicked' && isObject(data.click) ? data.click.timestamp : body.created_at, ctx.now());
    const to: unknown[] = Array.isArray(data.to) ? data.to : [data.to];
    return accept(normaliseAll(to.map((recipient) => ({ ...kind, recipient, messageId: data.email_id, occurredAt, eventId: headers['webhook-id'] })), p.id));
  },
};
