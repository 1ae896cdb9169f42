// The one dispatch path: HTTP send, SMTP ingress, release and the queue all end here: route → send → record.
import { randomUUID } from 'node:crypto';
import type { Message } from './core/message.js';
import type { ProviderConfig } from './core/provider.js';
import type { ConfigStore } from './config/store.js';
import type { AppConfig, OnUncertain } from './config/types.js';
import { planAttempts, uncertainPolicyFor, type Random } from './routing/strategies.js';
import type { DeliveryResult, RoutingEngine } from './routing/engine.js';
import type { AttemptRecord, EmailStore, ProviderRef, Source } from './store/email-store.js';
import type { Suppressions } from './store/suppressions.js';

export interface ProviderError {
  readonly provider_id: string;
  readonly provider_name: string;
  readonly error: string;
}

/** Recipients removed before routing because they are on the suppression list (absent when none). */
interface Screened {
  suppressed?: string[];
}

export type DispatchResult =
  | ({ kind: 'sandbox'; logId: number; processingTimeMs: number } & Screened)
  | ({ kind: 'queued'; logId: number } & Screened)
  | ({ kind: 'success'; logId: number; processingTimeMs: number; provider: ProviderRef; messageId: string | null; attempts: AttemptRecord[] } & Screened)
  | ({ kind: 'failed'; logId: number; processingTimeMs: number; attempts: AttemptRecord[]; errors: ProviderError[]; transient: boolean } & Screened)
  | { kind: 'unavailable' }
  /** every recipient is suppressed: nothing stored, nothing sent */
  | { kind: 'suppressed'; suppressed: string[] };

export interface SubmitOptions {
  readonly source: Source;
  /** what submitted it: a key's name, "AUTH_TOKEN", or null when no auth is configured */
  readonly apiKey: string | null;
  readonly idempotencyKey?: string;
  /** store as `queued` and return at once; the queue worker delivers it */
  readonly async?: boolean;
  /** called with the log id once the email is stored, before delivery starts */
  readonly onStored?: (logId: number) => void;
}

export interface Availability {
  available(id: string): boolean;
}

export interface QueueSignal {
  /** a new email is queued: look for due work now */
  wake(): void;
}

export const failureSummary = (errors: readonly ProviderError[]) =>
  errors.map((e) => `${e.provider_name}: ${e.error}`).join('; ') || 'no provider attempted';

export const elapsedSince = (t0: number) => Math.round((performance.now() - t0) * 100) / 100;

export class Dispatcher {
  queue?: QueueSignal;
  /** how long an uncertain email with on_uncertain `retry` waits for the queue (the queue's first delay) */
  uncertainRetryMs?: number;

  constructor(
    private readonly config: ConfigStore,
    private readonly store: EmailStore,
    private readonly engine: RoutingEngine,
    private readonly random: Random = Math.random,
    private readonly health?: Availability,
    private readonly suppressions?: Suppressions,
  ) {}

  /** Which of these addresses are on the suppression list (SMTP refuses them at RCPT TO). */
  async suppressedAmong(addresses: readonly string[]): Promise<Set<string>> {
    return this.suppressions ? this.suppressions.suppressedAmong(addresses) : new Set();
  }

  /** The message without its suppressed recipients (to, cc, bcc and the SMTP envelope), and who was removed. */
  private async screen(message: Message): Promise<{ message: Message; suppressed: string[] }> {
    if (!this.suppressions) return { message, suppressed: [] };
    const all = [...message.to, ...message.cc, ...message.bcc].map((a) => a.address).concat(message.envelope?.to ?? []);
    const hit = await this.suppressions.suppressedAmong(all);
    if (!hit.size) return { message, suppressed: [] };
    const keep = (a: { address: string }) => !hit.has(a.address);
    const screened: Message = {
      ...message,
      to: message.to.filter(keep),
      cc: message.cc.filter(keep),
      bcc: message.bcc.filter(keep),
      ...(message.envelope ? { envelope: { ...message.envelope, to: message.envelope.to.filter((a) => !hit.has(a)) } } : {}),
    };
    return { message: screened, suppressed: [...new Set([...hit].map((a) => a.toLowerCase()))] };
  }

  /** The providers routing would try for this message now (rules, breaker, mode). */
  plan(message: Message, cfg: AppConfig = this.config.current()): ProviderConfig[] {
    return planAttempts(cfg.providers, cfg.routing, message, { random: this.random, available: this.health && ((id) => this.health!.available(id)) });
  }

  async submit(input: Message, o: SubmitOptions): Promise<DispatchResult> {
    const t0 = performance.now();
    const { message, suppressed } = await this.screen(input);
    const left = message.envelope ? message.envelope.to.length : message.to.length + message.cc.length + message.bcc.length;
    if (suppressed.length && !left) return { kind: 'suppressed', suppressed };
    const screened: Screened = suppressed.length ? { suppressed } : {};
    const result = await this.route(message, o, t0, suppressed);
    return result.kind === 'unavailable' || result.kind === 'suppressed' ? result : { ...result, ...screened };
  }

  private async route(message: Message, o: SubmitOptions, t0: number, suppressed: string[]): Promise<DispatchResult> {
    const cfg = this.config.current();
    if (cfg.routing.sandbox) {
      const processingTimeMs = elapsedSince(t0);
      const logId = await this.store.record({ source: o.source, apiKey: o.apiKey, status: 'sandbox', message, idempotencyKey: o.idempotencyKey, processingTimeMs, suppressed });
      o.onStored?.(logId);
      return { kind: 'sandbox', logId, processingTimeMs };
    }
    const plan = this.plan(message, cfg);
    if (!plan.length) return { kind: 'unavailable' };
    // What providers deduplicate on: the client's key, else one of our own, kept with the record for retries.
    const deliveryKey = o.idempotencyKey ?? randomUUID();
    const stored = { source: o.source, apiKey: o.apiKey, message, idempotencyKey: o.idempotencyKey, deliveryKey, suppressed };
    if (o.async) {
      const logId = await this.store.record({ ...stored, status: 'queued', nextAttemptAt: Date.now() });
      o.onStored?.(logId);
      this.queue?.wake();
      return { kind: 'queued', logId };
    }
    // Stored as `sending` first: if the process dies mid-send, the queue picks it up on restart.
    const logId = await this.store.record({ ...stored, status: 'sending' });
    o.onStored?.(logId);
    return this.deliver(logId, message, plan, t0, deliveryKey, uncertainPolicyFor(cfg.routing, message));
  }

  /** Sends a sandbox-captured email for real through the current routing; its record moves on from `sandbox`. */
  async release(logId: number): Promise<DispatchResult | 'not_found' | 'not_sandbox'> {
    const t0 = performance.now();
    const stored = await this.store.message(logId);
    if (!stored) return 'not_found';
    if (stored.status !== 'sandbox') return 'not_sandbox';
    const plan = this.plan(stored.message);
    if (!plan.length) return { kind: 'unavailable' };
    // Claimed atomically: two concurrent releases cannot both send it. Like every send it gets a key providers
    // deduplicate on, stored with the record so a retry after a crash reuses it.
    const deliveryKey = randomUUID();
    if (!(await this.store.transition(logId, 'sandbox', 'sending', { deliveryKey }))) return 'not_sandbox';
    return this.deliver(logId, stored.message, plan, t0, deliveryKey);
  }

  /** Delivers an already-stored email through `plan` and records the outcome on its log record. */
  async deliver(logId: number, message: Message, plan: readonly ProviderConfig[], t0: number, idempotencyKey?: string, onUncertain?: OnUncertain): Promise<DispatchResult> {
    const result = await this.engine.deliver(message, plan, { idempotencyKey, onUncertain });
    const processingTimeMs = elapsedSince(t0);
    if (result.uncertain?.policy === 'retry') {
      // It may have been accepted: no other provider; the queue retries this one with the same key.
      const { provider } = result.uncertain;
      const failed = this.describeFailure(result);
      await this.store.complete(logId, {
        status: 'queued',
        provider: { id: provider.id, name: provider.name, type: provider.type },
        processingTimeMs,
        errorMessage: failureSummary(failed.errors),
        attempts: failed.attempts,
        nextAttemptAt: Date.now() + (this.uncertainRetryMs ?? 30_000),
        pinnedProvider: provider.id,
      });
      this.queue?.wake();
      return { kind: 'queued', logId };
    }
    if (result.delivered) {
      const { provider, messageId } = result.delivered;
      const ref = { id: provider.id, name: provider.name, type: provider.type };
      await this.store.complete(logId, { status: 'success', provider: ref, processingTimeMs, messageId, attempts: result.attempts, nextAttemptAt: null });
      return { kind: 'success', logId, processingTimeMs, provider: ref, messageId, attempts: result.attempts };
    }
    const failed = this.describeFailure(result);
    const last = result.failures[result.failures.length - 1]?.provider;
    await this.store.complete(logId, {
      status: 'failed',
      provider: last && { id: last.id, name: last.name, type: last.type },
      processingTimeMs,
      errorMessage: failureSummary(failed.errors),
      attempts: failed.attempts,
      nextAttemptAt: null,
    });
    return { kind: 'failed', logId, processingTimeMs, ...failed };
  }

  /** Failure details (error text already cleaned of secrets by the engine). */
  describeFailure(result: DeliveryResult): { attempts: AttemptRecord[]; errors: ProviderError[]; transient: boolean } {
    return {
      attempts: result.attempts,
      errors: result.failures.map((f) => ({ provider_id: f.provider.id, provider_name: f.provider.name, error: f.error.message })),
      // An uncertain failure is worth retrying (the provider may deduplicate on the key).
      transient: result.failures.some((f) => f.error.class !== 'permanent'),
    };
  }
}
