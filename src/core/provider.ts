// The one contract for sending. Every provider implements it; the routing engine consumes it.
import type { Message } from './message.js';
import type { Receipt } from './receipt.js';
import type { HttpClient } from './http-client.js';
import type { RecipientLimit } from './recipient-limit.js';

export interface SendOptions {
  /** aborted when the attempt times out or the process shuts down */
  readonly signal: AbortSignal;
  /** passed to APIs that deduplicate on it (Resend's Idempotency-Key) */
  readonly idempotencyKey?: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** what was checked, e.g. "SMTP connect + AUTH to smtp.example.com:587" */
  readonly checked: string;
  /** why it failed (no secret in it); absent on success */
  readonly error?: string;
}

export interface Provider {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  /** sends an SMTP message's raw source as it is, so it never needs the body parts derived from it */
  readonly relaysRaw?: boolean;
  send(message: Message, options: SendOptions): Promise<Receipt>;
  /** credentials/connectivity check that sends nothing */
  verify(signal: AbortSignal): Promise<VerifyResult>;
  /** release pooled connections */
  close?(): void;
  /** the API's recipient cap (from the definition); the engine refuses a bigger message before calling send */
  readonly recipientLimit?: RecipientLimit;
}

/** A field of a provider type's config, as forms and validation see it. */
export interface FieldSpec {
  readonly name: string;
  readonly kind: 'string' | 'integer' | 'boolean';
  readonly required?: boolean;
  /** never returned unmasked, may be written as `env:NAME` */
  readonly secret?: boolean;
  readonly default?: string | number | boolean;
  readonly label: string;
  readonly help?: string;
}

/** A provider config as stored in config.json, secrets resolved (`env:NAME` read) by the registry. */
export interface ProviderConfig {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly weight: number;
  readonly timeout_ms?: number;
  readonly base_url?: string;
  readonly [field: string]: unknown;
}

export interface ProviderContext {
  /** how HTTP providers send; injectable for tests (the global fetch fits) */
  readonly fetch: HttpClient;
  readonly userAgent: string;
}

/** One entry of the registry: a config `type`, its fields, and how to build it. */
export interface ProviderDefinition {
  readonly type: string;
  readonly label: string;
  /** default `base_url` for HTTP APIs; absent for SMTP types */
  readonly defaultBaseUrl?: string;
  readonly fields: readonly FieldSpec[];
  /** how many recipients one message may have (PROVIDERS.md); absent = no documented cap */
  readonly recipientLimit?: RecipientLimit;
  create(config: ProviderConfig, context: ProviderContext): Provider;
}
