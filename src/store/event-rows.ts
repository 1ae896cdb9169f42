// Rows of the section-12 tables (delivery events, suppressions, webhooks and their deliveries) ↔ the domain
// shapes. Both backends store them with the same columns and types, so the column lists and mappers are one.
import type { ClaimedDelivery, WebhookEndpoint } from './webhooks.js';

/** A DeliveryEvent as selected from delivery_events. */
export const EVENT_COLUMNS = 'type, bounce_type, recipient, occurred_at, provider_id, detail, url';

export const SUPPRESSION_COLUMNS = 'email, reason, provider_id, log_id, created_at';

/** A DeliveryAttempt: columns of webhook_attempts `a` joined to its webhook_deliveries `d`. */
export const WEBHOOK_ATTEMPT_COLUMNS = 'd.event, d.msg_id, a.attempted_at, a.status_code, a.duration_ms, a.error, a.outcome';

/** `%q%` for `LIKE … ESCAPE '\'`: the text matches as a literal substring. */
export const likeSubstring = (q: string) => `%${q.replace(/[\\%_]/g, '\\$&')}%`;

/** webhooks as stored: the subscribed events a JSON array */
export interface EndpointRow {
  readonly id: string;
  readonly url: string;
  readonly events: string;
  readonly description: string | null;
  readonly created_at: string;
  readonly secret: string;
}

export const toEndpoint = ({ secret: _s, ...r }: EndpointRow): WebhookEndpoint => ({ ...r, events: JSON.parse(r.events) });

export const toEndpointWithSecret = (r: EndpointRow): WebhookEndpoint & { secret: string } => ({ ...toEndpoint(r), secret: r.secret });

/** What a claim returns of a webhook_deliveries row. */
export const CLAIMED_COLUMNS = 'id, webhook_id, msg_id, event, payload, attempts';

export interface ClaimedRow {
  readonly id: number;
  readonly webhook_id: string;
  readonly msg_id: string;
  readonly event: string;
  readonly payload: string;
  readonly attempts: number;
}

export const toClaimed = (r: ClaimedRow): ClaimedDelivery => ({ id: r.id, webhookId: r.webhook_id, msgId: r.msg_id, event: r.event, payload: r.payload, attempts: r.attempts });
