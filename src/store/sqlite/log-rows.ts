// Row ↔ domain shapes for the emails and attempts tables.
import { formatAddress, type Message } from '../../core/message.js';
import type { AttemptRecord, LogDetail, LogSummary } from '../../core/email-log.js';

export const SUMMARY_COLUMNS = `id, created_at, from_address, to_addresses, subject, provider_id, provider_name, provider_type,
  status, processing_time_ms, message_id, error_message, source, attempt_count, api_key, delivery_status, send_at`;

/** A summary as stored: the timestamp is created_at, the recipients a JSON array. */
export type SummaryRow = Omit<LogSummary, 'timestamp' | 'to_addresses'> & { created_at: string; to_addresses: string };

export type AttemptRow = Omit<AttemptRecord, 'ok'> & { ok: number };

export const toSummary = (r: SummaryRow): LogSummary => ({
  id: r.id,
  timestamp: r.created_at,
  from_address: r.from_address,
  to_addresses: JSON.parse(r.to_addresses),
  subject: r.subject,
  provider_id: r.provider_id,
  provider_name: r.provider_name,
  provider_type: r.provider_type,
  status: r.status,
  processing_time_ms: r.processing_time_ms,
  message_id: r.message_id,
  error_message: r.error_message,
  source: r.source,
  attempt_count: r.attempt_count,
  delivery_status: r.delivery_status,
  api_key: r.api_key,
  send_at: r.send_at,
});

/** `m`: the stored Message with its parts (derived from the raw source when it has one). */
export function toDetail(row: SummaryRow & { suppressed?: string | null }, m: Message, attempts: readonly AttemptRow[]): LogDetail {
  return {
    ...toSummary(row),
    cc: m.cc.map(formatAddress),
    bcc: m.bcc.map(formatAddress),
    reply_to: m.replyTo ? formatAddress(m.replyTo) : null,
    body_text: m.text ?? null,
    body_html: m.html ?? null,
    headers: { ...m.headers },
    tags: { ...m.tags },
    attachments: m.attachments.map((a) => ({ filename: a.filename, content_type: a.contentType, size: a.size })),
    attempts: attempts.map((a) => ({ ...a, ok: a.ok === 1 })),
    suppressed: row.suppressed ? (JSON.parse(row.suppressed) as string[]) : [],
  };
}

/**
 * A Message as stored: everything but the raw source, which has its own column. With a raw source the
 * body parts are not stored again (as JSON and base64): readers derive them from it (`partsOf`).
 */
export const serializeMessage = (m: Message): string =>
  JSON.stringify(m.raw ? { ...m, raw: undefined, text: undefined, html: undefined, attachments: [] } : m);

export function deserializeMessage(json: string, raw: Buffer | null): Message {
  const m = JSON.parse(json) as Message;
  return raw ? { ...m, raw } : m;
}
