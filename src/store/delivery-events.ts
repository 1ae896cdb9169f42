// Provider delivery events stored on their emails (SPEC section 12). Backend-neutral: implemented in
// sqlite/ and postgres/.
import type { DeliveryEvent, InboundEvent } from '../core/delivery-event.js';

/** An event that was new and matched an email. */
export interface StoredEvent extends DeliveryEvent {
  readonly log_id: number;
  /** the email's provider message id as the send returned it */
  readonly message_id: string;
}

export interface RecordResult {
  /** new events, each on its email */
  readonly stored: readonly StoredEvent[];
  /** events already stored (a provider's retry) */
  readonly duplicates: number;
  /** events naming a message id no email of this provider has */
  readonly unknown: readonly InboundEvent[];
}

export interface DeliveryEvents {
  /**
   * Stores verified events of provider `providerId` on the emails that provider sent with their message
   * ids, once each (deduplicated by the database on (provider, dedupe key), so the same event recorded by two
   * instances at once is stored by one), moves each email's delivery_status on to its latest delivery-status
   * event (never back to an earlier occurred_at), and announces each email that gained an event.
   */
  record(providerId: string, events: readonly InboundEvent[]): Promise<RecordResult>;
  /** An email's events in order of the provider's occurred_at. */
  forEmail(logId: number): Promise<DeliveryEvent[]>;
}
