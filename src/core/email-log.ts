// The send log's domain shapes: what an email record, its attempts and the read API's views look like.
// Backend-neutral: the store interfaces, dispatch, HTTP and the dashboard all speak these.
import type { ErrorClass } from './receipt.js';

/** `scheduled` waits for its send_at (the queue claims it then); `canceled` was scheduled and canceled before. */
export type EmailStatus = 'queued' | 'sending' | 'success' | 'failed' | 'sandbox' | 'scheduled' | 'canceled';
/** `api`, `smtp`, or the drop-in API it came through (SPEC section 13). */
export const SOURCES = ['api', 'smtp', 'resend', 'sendgrid', 'postmark'] as const;
export type Source = (typeof SOURCES)[number];

/** Statuses an email never leaves by itself (retention may prune these). */
export const FINAL_STATUSES: readonly EmailStatus[] = ['success', 'failed', 'sandbox', 'canceled'];

export interface ProviderRef {
  readonly id: string;
  readonly name: string;
  readonly type: string;
}

export interface AttemptRecord {
  readonly provider_id: string;
  readonly provider_name: string;
  readonly provider_type: string;
  readonly started_at: string;
  readonly duration_ms: number;
  readonly ok: boolean;
  readonly error: string | null;
  readonly error_class: ErrorClass | null;
}

/** SPEC section 6: one entry of GET /api/logs. */
export interface LogSummary {
  id: number;
  timestamp: string;
  from_address: string;
  to_addresses: string[];
  subject: string;
  provider_id: string | null;
  provider_name: string | null;
  provider_type: string | null;
  status: EmailStatus;
  processing_time_ms: number | null;
  message_id: string | null;
  error_message: string | null;
  source: Source;
  attempt_count: number;
  /** what submitted it: an API key's name, "AUTH_TOKEN", or null when no auth is configured */
  /** the latest of delivered/deferred/bounced/complained/rejected by the provider's occurred_at */
  delivery_status: string | null;
  api_key: string | null;
  /** a scheduled send's time (ISO 8601), null for any other email */
  send_at: string | null;
}

/** SPEC section 6: GET /api/logs/{id}. */
export interface LogDetail extends LogSummary {
  cc: string[];
  bcc: string[];
  reply_to: string | null;
  body_text: string | null;
  body_html: string | null;
  headers: Record<string, string>;
  tags: Record<string, string>;
  attachments: { filename: string; content_type: string; size: number }[];
  attempts: AttemptRecord[];
  /** recipients removed before routing because they are on the suppression list */
  suppressed: string[];
}

export interface LogFilter {
  readonly limit: number;
  readonly offset: number;
  readonly status?: string;
  readonly provider?: string;
  readonly q?: string;
  readonly source?: string;
  readonly delivery_status?: string;
  /** an API key name, or AUTH_TOKEN */
  readonly apiKey?: string;
}

/** SPEC section 6: GET /api/stats. */
export interface Stats {
  total: number;
  total_sent: number;
  total_failed: number;
  total_sandbox: number;
  total_queued: number;
  /** scheduled now (waiting for their send_at) */
  total_scheduled: number;
  avg_processing_time_ms: number;
  by_provider: Record<string, { sent: number; failed: number }>;
}
