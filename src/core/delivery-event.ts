// The one event model every provider's webhook is normalised into (SPEC section 12).

export const EVENT_TYPES = ['sent', 'delivered', 'deferred', 'bounced', 'complained', 'opened', 'clicked', 'unsubscribed', 'rejected'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The types that say where a message ended up; the latest of them is the email's `delivery_status`. */
export const DELIVERY_STATUSES: readonly EventType[] = ['delivered', 'deferred', 'bounced', 'complained', 'rejected'];

export type BounceType = 'hard' | 'soft';

/** One provider event for one recipient, as stored on its email and returned by the log API. */
export interface DeliveryEvent {
  readonly type: EventType;
  readonly bounce_type: BounceType | null;
  readonly recipient: string;
  /** ISO 8601 UTC, the provider's own time for the event */
  readonly occurred_at: string;
  readonly provider_id: string;
  /** the provider's reason or SMTP response, cut to 300 characters */
  readonly detail: string | null;
  /** the clicked link */
  readonly url: string | null;
}

/** A verified inbound event before it is matched to an email: the message key it names, and how to dedupe it. */
export interface InboundEvent extends DeliveryEvent {
  /** the provider message id, normalised the way the send's message id is (see messageKey) */
  readonly message_key: string;
  /** the same provider event delivered twice has the same key */
  readonly dedupe_key: string;
}

/**
 * Provider message ids in one comparable form, applied to the id a send returned and to the id an event
 * names: whitespace and angle brackets stripped (Mailgun and Brevo answer `<…>`; Mailgun's events omit them).
 */
export function messageKey(id: string): string {
  const k = id.trim();
  return k.startsWith('<') && k.endsWith('>') ? k.slice(1, -1).trim() : k;
}
