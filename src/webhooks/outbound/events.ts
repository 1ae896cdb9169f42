// What becomes an outbound webhook event: our own outcome of a send (email.sent / email.failed, from
// the store's status changes) and the provider-derived events the inbound path stores.
import type { FastifyBaseLogger } from 'fastify';
import type { ChangeFeed } from '../../store/change-feed.js';
import type { StoredEvent } from '../../store/delivery-events.js';
import type { IntakeObserver } from '../inbound/intake.js';
import type { OutboundEvent, WebhookSender } from './sender.js';

const FROM_PROVIDER: Partial<Record<StoredEvent['type'], OutboundEvent>> = {
  delivered: 'email.delivered',
  deferred: 'email.deferred',
  bounced: 'email.bounced',
  complained: 'email.complained',
  opened: 'email.opened',
  clicked: 'email.clicked',
};

const eventData = (e: StoredEvent) => ({
  log_id: e.log_id,
  message_id: e.message_id,
  provider_id: e.provider_id,
  recipient: e.recipient,
  occurred_at: e.occurred_at,
  bounce_type: e.bounce_type,
  detail: e.detail,
  url: e.url,
});

/** A failure to store a delivery is logged; it never fails the request that caused the event. */
const publish = (sender: WebhookSender, logger: FastifyBaseLogger, event: OutboundEvent, data: Record<string, unknown>) =>
  sender.publish(event, data).catch((err) => logger.error({ err, event }, 'webhook delivery could not be stored'));

export function outboundObserver(sender: WebhookSender, logger: FastifyBaseLogger): IntakeObserver {
  return {
    onStored(e) {
      const event = FROM_PROVIDER[e.type];
      if (event) void publish(sender, logger, event, eventData(e));
    },
    onSuppressed(e) {
      void publish(sender, logger, 'email.suppressed', { ...eventData(e), reason: e.type === 'complained' ? 'complaint' : 'hard_bounce' });
    },
  };
}

/**
 * email.sent / email.failed when an email reaches its final status (a synchronous send, the queue, a release).
 * Only this process's own transitions: in PostgreSQL mode the instance that sent it publishes it, once.
 */
export function publishOutcomes(changes: ChangeFeed, sender: WebhookSender, logger: FastifyBaseLogger): void {
  changes.subscribe((c) => {
    if (!c.local || !c.transitioned || (c.status !== 'success' && c.status !== 'failed')) return;
    const event: OutboundEvent = c.status === 'success' ? 'email.sent' : 'email.failed';
    if (!sender.mayWant(event)) return; // the common case: no endpoint, so no read of the record
    // Read at once: the record as of this change.
    const read = c.summary();
    void (async () => {
      if (!(await sender.wants(event))) return;
      const s = await read;
      if (!s) return;
      await publish(sender, logger, event, {
        log_id: s.id,
        message_id: s.message_id,
        provider_id: s.provider_id,
        recipient: s.to_addresses[0] ?? null,
        to_addresses: s.to_addresses,
        subject: s.subject,
        error: s.error_message,
      });
    })().catch((err) => logger.error({ err }, 'email outcome webhook failed'));
  });
}
