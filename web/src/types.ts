// Shapes of the public HTTP API (SPEC section 6), as the dashboard reads them.

export type LogStatus = 'queued' | 'sending' | 'success' | 'failed' | 'sandbox' | 'scheduled' | 'canceled';
export const LOG_STATUSES: readonly LogStatus[] = ['queued', 'sending', 'success', 'failed', 'sandbox', 'scheduled', 'canceled'];

export interface LogSummary {
  readonly id: string | number;
  readonly timestamp: string;
  readonly from_address: string;
  readonly to_addresses: readonly string[];
  readonly subject: string;
  readonly provider_id: string | null;
  readonly provider_name: string | null;
  readonly provider_type: string | null;
  readonly status: LogStatus;
  readonly processing_time_ms: number | null;
  readonly message_id: string | null;
  readonly error_message: string | null;
  readonly source: 'api' | 'smtp' | 'resend' | 'sendgrid' | 'postmark';
  readonly attempt_count: number;
  /** the latest delivered/deferred/bounced/complained/rejected provider event, or null */
  readonly delivery_status?: string | null;
  /** what submitted it: an API key's name, "AUTH_TOKEN", or null without auth */
  readonly api_key?: string | null;
  /** when a scheduled email is (or was) due */
  readonly send_at?: string | null;
}

/** A provider delivery event (SPEC section 12). */
export interface DeliveryEvent {
  readonly type: string;
  readonly bounce_type: 'hard' | 'soft' | null;
  readonly recipient: string;
  readonly occurred_at: string;
  readonly provider_id: string;
  readonly detail: string | null;
  readonly url: string | null;
}

export interface Suppression {
  readonly email: string;
  readonly reason: 'hard_bounce' | 'complaint' | 'manual';
  readonly provider_id: string | null;
  readonly log_id: number | null;
  readonly created_at: string;
}

export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string | null;
  readonly created_at: string;
}

export interface WebhookAttempt {
  readonly event: string;
  readonly msg_id: string;
  readonly attempted_at: string;
  readonly status_code: number | null;
  readonly duration_ms: number;
  readonly error: string | null;
  readonly outcome: 'delivered' | 'retrying' | 'failed';
}

export interface ApiKey {
  readonly id: number;
  readonly name: string;
  readonly scope: 'send' | 'read' | 'admin';
  readonly prefix: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
}

export interface Attempt {
  readonly provider_id: string | null;
  readonly provider_name: string | null;
  readonly provider_type: string | null;
  readonly started_at: string;
  readonly duration_ms: number | null;
  readonly ok: boolean;
  readonly error: string | null;
  readonly error_class: 'transient' | 'permanent' | 'uncertain' | null;
}

export interface LogDetail extends LogSummary {
  readonly cc: readonly string[] | null;
  readonly bcc: readonly string[] | null;
  readonly reply_to: string | null;
  readonly body_text: string | null;
  readonly body_html: string | null;
  readonly headers: Readonly<Record<string, string>> | null;
  readonly tags: Readonly<Record<string, string>> | null;
  readonly attachments: readonly { filename: string; content_type: string | null; size: number }[] | null;
  readonly attempts: readonly Attempt[] | null;
  readonly events?: readonly DeliveryEvent[];
  readonly suppressed?: readonly string[];
}

export interface LogPage {
  readonly logs: LogSummary[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

export interface Stats {
  readonly total: number;
  readonly total_sent: number;
  readonly total_failed: number;
  readonly total_sandbox: number;
  readonly total_queued: number;
  readonly total_scheduled?: number;
  readonly avg_processing_time_ms: number | null;
  readonly by_provider?: Record<string, { sent: number; failed: number }>;
}

export interface Provider {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly weight: number;
  readonly timeout_ms?: number;
  readonly base_url?: string;
  readonly [field: string]: unknown;
}

export interface RuleMatch {
  to_domain?: string;
  from_domain?: string;
  tag?: Record<string, string>;
}

export interface Rule {
  match: RuleMatch;
  providers: string[];
}

export type RoutingMode = 'smart' | 'manual';

export interface Routing {
  readonly mode: RoutingMode;
  readonly sandbox: boolean;
  readonly rules?: readonly Rule[];
}

export interface AppConfig {
  readonly providers: readonly Provider[];
  readonly routing: Routing;
  readonly version: number;
}

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface ProviderHealth {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly state: CircuitState;
  readonly consecutive_failures: number;
  readonly last_error: string | null;
  readonly last_success_at: string | null;
  readonly last_failure_at: string | null;
}

export interface TypeField {
  readonly name: string;
  readonly kind: 'string' | 'integer' | 'boolean';
  readonly required?: boolean;
  readonly secret?: boolean;
  readonly default?: string | number | boolean;
  readonly label: string;
  readonly help?: string;
}

export interface ProviderType {
  readonly type: string;
  readonly label: string;
  readonly default_base_url?: string;
  readonly fields: readonly TypeField[];
}

export interface Health {
  readonly status: string;
  readonly version: string;
  readonly db_connected: boolean;
  readonly config_error: string | null;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly checked?: string;
  readonly error?: string;
}

/** 422 body: one entry per problem, `loc` names the field. */
export interface ValidationIssue {
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly type: string;
}
