// The one dispatch path: HTTP send, SMTP ingress, release and the queue all end here: route → send → record.
import { randomUUID } from 'node:crypto';
import type { Message } from './core/message.js';
import type { ProviderConfig } from './core/provider.js';
import type { ConfigStore } from './config/store.js';
import type { AppConfig } from './config/types.js';
import { planAttempts, type Random } from './routing/strategies.js';
import type { DeliveryResult, RoutingEngine } from './routing/engine.js';
import type { AttemptRecord, EmailStore, ProviderRef, Source } from './store/email-store.js';

export interface ProviderError {
  readonly provider_id: string;
  readonly provider_name: string;
  readonly error: string;
}

export type DispatchResult =
  | { kind: 'sandbox'; logId: number; processingTimeMs: number }
  | { kind: 'queued'; logId: number }
  | { kind: 'scheduled'; logId: number; sendAt: Date }
  | { kind: 'success'; logId: number; processingTimeMs: number; provider: ProviderRef; messageId: string | null; attempts: AttemptRecord[] }
  | { kind: 'failed'; logId: number; processingTimeMs: number; attempts: AttemptRecord[]; errors: ProviderError[]; transient: boolean }
  | { kind: 'unavailable' };

export interface SubmitOptions {
  readonly source: Source;
  /** what submitted it: a key's name, "AUTH_TOKEN", or null when no auth is configured */
  readonly apiKey: string | null;
  readonly idempotencyKey?: string;
  /** store as `queued` and return at once; the queue worker delivers it */
  readonly async?: boolean;
  /** store as `scheduled` (whatever the routing, sandbox included: it applies at delivery); the queue sends it then */
  readonly sendAt?: Date;
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

  constructor(
    private readonly config: ConfigStore,
    private readonly store: EmailStore,
    private readonly engine: RoutingEngine,
    private readonly random: Random = Math.random,
    private readonly health?: Availability,
  ) {}

  /** Sandbox mode is on now: nothing would leave the machine. */
  sandboxed(): boolean {
    return this.config.current().routing.sandbox;
  }

  /** The providers routing would try for this message now (rules, breaker, mode). */
  plan(message: Message, cfg: AppConfig = this.config.current()): ProviderConfig[] {
    return planAttempts(cfg.providers, cfg.routing, message, { random: this.random, available: this.health && ((id) => this.health!.available(id)) });
  }

  async submit(message: Message, o: SubmitOptions): Promise<DispatchResult> {
    const t0 = performance.now();
    if (o.sendAt) return this.schedule(message, o.sendAt, o);
    const cfg = this.config.current();
    if (cfg.routing.sandbox) {
      const processingTimeMs = elapsedSince(t0);
      const logId = await this.store.record({ source: o.source, apiKey: o.apiKey, status: 'sandbox', message, idempotencyKey: o.idempotencyKey, processingTimeMs });
      o.onStored?.(logId);
      return { kind: 'sandbox', logId, processingTimeMs };
    }
    const plan = this.plan(message, cfg);
    if (!plan.length) return { kind: 'unavailable' };
    // What providers deduplicate on: the client's key, else one of our own, kept with the record for retries.
    const deliveryKey = o.idempotencyKey ?? randomUUID();
    const stored = { source: o.source, apiKey: o.apiKey, message, idempotencyKey: o.idempotencyKey, deliveryKey };
    if (o.async) {
      const logId = await this.store.record({ ...stored, status: 'queued', nextAttemptAt: Date.now() });
      o.onStored?.(logId);
      this.queue?.wake();
      return { kind: 'queued', logId };
    }
    // Stored as `sending` first: if the process dies mid-send, the queue picks it up on restart.
    const logId = await this.store.record({ ...stored, status: 'sending' });
    o.onStored?.(logId);
    return this.deliver(logId, message, plan, t0, deliveryKey);
  }

  private async schedule(message: Message, sendAt: Date, o: SubmitOptions): Promise<DispatchResult> {
    const deliveryKey = o.idempotencyKey ?? randomUUID();
    const logId = await this.store.record({
      source: o.source,
      apiKey: o.apiKey,
      status: 'scheduled',
      message,
      idempotencyKey: o.idempotencyKey,
      deliveryKey,
      sendAt,
      nextAttemptAt: sendAt.getTime(),
    });
    o.onStored?.(logId);
    this.queue?.wake();
    return { kind: 'scheduled', logId, sendAt };
  }

  /** A scheduled email that has not started yet becomes `canceled`. Atomic against the queue's claim. */
  async cancel(logId: number): Promise<'canceled' | 'not_found' | 'not_scheduled'> {
    if (await this.store.transition(logId, 'scheduled', 'canceled')) return 'canceled';
    return (await this.store.summary(logId)) ? 'not_scheduled' : 'not_found';
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
  async deliver(logId: number, message: Message, plan: readonly ProviderConfig[], t0: number, idempotencyKey?: string): Promise<DispatchResult> {
    const result = await this.engine.deliver(message, plan, { idempotencyKey });
    const processingTimeMs = elapsedSince(t0);
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
      transient: result.failures.some((f) => f.error.class === 'transient'),
    };
  }
}
