// The stored form of a newly recorded email: the same columns and values on both backends.
import { formatAddress } from '../core/message.js';
import type { NewEmail } from './send-log.js';
import { serializeMessage } from './sqlite/log-rows.js';

export const NEW_EMAIL_COLUMNS =
  'created_at, source, status, from_address, to_addresses, subject, processing_time_ms, message, raw, idempotency_key, next_attempt_at, delivery_key, lease_owner, lease_until, api_key, suppressed, send_at';
/** how many values newEmailRow gives */
export const NEW_EMAIL_COLUMN_COUNT = 17;

/** The values for NEW_EMAIL_COLUMNS, in order. */
export function newEmailRow(e: NewEmail): unknown[] {
  const m = e.message;
  const leased = e.status === 'sending' && e.lease;
  return [
    new Date().toISOString(),
    e.source,
    e.status,
    formatAddress(m.from),
    JSON.stringify(m.envelope ? m.envelope.to : m.to.map(formatAddress)),
    m.subject,
    e.processingTimeMs ?? null,
    serializeMessage(m),
    m.raw ?? null,
    e.idempotencyKey ?? null,
    e.nextAttemptAt ?? null,
    e.deliveryKey ?? null,
    leased ? e.lease!.owner : null,
    leased ? Date.now() + e.lease!.ms : null,
    e.apiKey ?? null,
    e.suppressed?.length ? JSON.stringify(e.suppressed) : null,
    e.sendAt?.toISOString() ?? null,
  ];
}
