// The one dispatch path: HTTP send, SMTP ingress, release and the queue all end here: route → send → record.
// Callers differ only in how an email enters (record, or a claim) and, for the queue, the retry decision.
import { randomUUID } from 'node:crypto';
import type { Message } from './core/message.js';
import type { ProviderConfig } from './core/provider.js';
import type { AttemptRecord, ProviderRef, Source } from './core/email-log.js';
import type { ConfigStore } from './config/store.js';
import type { AppConfig } from './config/types.js';
import { planAttempts, uncertainPolicyFor, type Random } from './routing/strategies.js';
import type { DeliveryResult, RoutingEngine } from './routing/engine.js';
import type { SendLog } from './store/send-log.js';
import type { DeliveryQueue } from './store/delivery-queue.js';
import { keepRenewed, type Lease } from './store/lease.js';
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
  | ({ kind: 'scheduled'; logId: number; sendAt: Date } & Screened)
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
  /** store as `scheduled` (whatever the routing, sandbox included: it applies at delivery); the queue sends it then */
  readonly sendAt?: Date;
  /** called with the log id once the email is stored, before delivery starts */
  readonly onStored?: (logId: number) => void;
}

export interface Availability {
  available(id: string): boolean;
}

/** Why a delivery round failed, for the queue's retry decision. */
export interface RoundFailure {
  readonly transient: boolean;
  /** no provider was active, so none was tried */
  readonly noProviders: boolean;
  /** cut short by shutdown: not a real round */
  readonly aborted: boolean;
}

/** When to try again (epoch ms, and whether this round counts), or null: the failure is final. */
export type RetryDecision = (failure: RoundFailure) => { readonly at: number; readonly countRound: boolean } | null;

/** An email already stored and held under this instance's lease, ready to go out. */
export interface HeldEmail {
  readonly id: number;
  readonly message: Message;
  readonly deliveryKey?: string | null;
  /** set after an uncertain failure with on_uncertain `retry`: only this provider is tried (when still enabled) */
  readonly pinnedProvider?: string | null;
}

export interface DeliverOptions {
  /** started when the request or claim began (processing time counts from here) */
  readonly t0?: number;
  /** the providers to try; planned now when absent */
  readonly plan?: readonly ProviderConfig[];
  /** the config that plan came from (one snapshot per email); read now when absent */
  readonly cfg?: AppConfig;
  /** sandbox turned on while it waited: capture it instead (the queue) */
  readonly honourSandbox?: boolean;
  /** without it a failure is final (synchronous sends, release) */
  readonly retry?: RetryDecision;
  readonly signal?: AbortSignal;
}

export interface DispatcherDeps {
  readonly config: ConfigStore;
  readonly log: SendLog;
  readonly queue: Pick<DeliveryQueue, 'renew'>;
  readonly engine: RoutingEngine;
  /** this instance's lease on what it sends (owner = instance id, ms = QUEUE_LEASE_MS) */
  readonly lease: Lease;
  readonly random?: Random;
  readonly health?: Availability;
  /** the suppression list: suppressed recipients are removed before routing */
  readonly suppressions?: Suppressions;
  /** how long an uncertain email with on_uncertain `retry` waits for the queue (the queue's first delay) */
  readonly uncertainRetryMs?: number;
}

export const NO_PROVIDERS = 'No active email providers configured';

export const failureSummary = (errors: readonly ProviderError[]) =>
  errors.map((e) => `${e.provider_name}: ${e.error}`).join('; ') || 'no provider attempted';

export const elapsedSince = (t0: number) => Math.round((performance.now() - t0) * 100) / 100;

const refOf = (p: ProviderConfig): ProviderRef => ({ id: p.id, name: p.name, type: p.type });

export class Dispatcher {
  constructor(private readonly d: DispatcherDeps) {}

  /** Which of these addresses are on the suppression list (SMTP refuses them at RCPT TO). */
  async suppressedAmong(addresses: readonly string[]): Promise<Set<string>> {
    return this.d.suppressions ? this.d.suppressions.suppressedAmong(addresses) : new Set();
  }

  /** The message without its suppressed recipients (to, cc, bcc and the SMTP envelope), and who was removed. */
  private async screen(message: Message): Promise<{ message: Message; suppressed: string[] }> {
    if (!this.d.suppressions) return { message, suppressed: [] };
    const all = [...message.to, ...message.cc, ...message.bcc].map((a) => a.address).concat(message.envelope?.to ?? []);
    const hit = await this.d.suppressions.suppressedAmong(all);
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

  /** Sandbox mode is on now: nothing would leave the machine. */
  sandboxed(): boolean {
    return this.d.config.current().routing.sandbox;
  }

  /** The providers routing would try for this message now (rules, breaker, mode). */
  plan(message: Message, cfg: AppConfig = this.d.config.current()): ProviderConfig[] {
    const health = this.d.health;
    return planAttempts(cfg.providers, cfg.routing, message, { random: this.d.random ?? Math.random, available: health && ((id) => health.available(id)) });
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
    if (o.sendAt) return this.schedule(message, o.sendAt, o);
    const cfg = this.d.config.current();
    if (cfg.routing.sandbox) {
      const processingTimeMs = elapsedSince(t0);
      const logId = await this.d.log.record({ source: o.source, apiKey: o.apiKey, status: 'sandbox', message, idempotencyKey: o.idempotencyKey, processingTimeMs, suppressed });
      o.onStored?.(logId);
      return { kind: 'sandbox', logId, processingTimeMs };
    }
    const plan = this.plan(message, cfg);
    if (!plan.length) return { kind: 'unavailable' };
    // What providers deduplicate on: the client's key, else one of our own, kept with the record for retries.
    const deliveryKey = o.idempotencyKey ?? randomUUID();
    const stored = { source: o.source, apiKey: o.apiKey, message, idempotencyKey: o.idempotencyKey, deliveryKey, suppressed };
    if (o.async) {
      // The queue hears of it on the change feed.
      const logId = await this.d.log.record({ ...stored, status: 'queued', nextAttemptAt: Date.now() });
      o.onStored?.(logId);
      return { kind: 'queued', logId };
    }
    // Stored as `sending` under our lease: if this process dies mid-send, the queue delivers it once the lease expires.
    const id = await this.d.log.record({ ...stored, status: 'sending', lease: this.d.lease });
    o.onStored?.(id);
    return this.deliver({ id, message, deliveryKey }, { t0, plan, cfg });
  }

  private async schedule(message: Message, sendAt: Date, o: SubmitOptions): Promise<DispatchResult> {
    const deliveryKey = o.idempotencyKey ?? randomUUID();
    // The queue hears of it on the change feed and claims it at send_at (DeliveryQueue.claim, under a lease).
    const logId = await this.d.log.record({
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
    return { kind: 'scheduled', logId, sendAt };
  }

  /** A scheduled email that has not started yet becomes `canceled`. Atomic against the queue's claim. */
  async cancel(logId: number): Promise<'canceled' | 'not_found' | 'not_scheduled'> {
    if (await this.d.log.transition(logId, { to: 'canceled', from: ['scheduled'] })) return 'canceled';
    return (await this.d.log.summary(logId)) ? 'not_scheduled' : 'not_found';
  }

  /** Sends a sandbox-captured email for real through the current routing; its record moves on from `sandbox`. */
  async release(logId: number): Promise<DispatchResult | 'not_found' | 'not_sandbox'> {
    const t0 = performance.now();
    const stored = await this.d.log.message(logId);
    if (!stored) return 'not_found';
    if (stored.status !== 'sandbox') return 'not_sandbox';
    const plan = this.plan(stored.message);
    if (!plan.length) return { kind: 'unavailable' };
    // Claimed atomically: two concurrent releases cannot both send it. Like every send it gets a key providers
    // deduplicate on, stored with the record so a retry after a crash reuses it.
    const deliveryKey = randomUUID();
    if (!(await this.d.log.transition(logId, { to: 'sending', from: ['sandbox'], lease: this.d.lease, deliveryKey }))) return 'not_sandbox';
    return this.deliver({ id: logId, message: stored.message, deliveryKey }, { t0, plan });
  }

  /**
   * Delivers an email this instance holds under its lease (renewed while the attempts run) and records the
   * outcome on its log record: success, a retry (when `retry` says so) or failed.
   */
  async deliver(email: HeldEmail, o: DeliverOptions = {}): Promise<DispatchResult> {
    const t0 = o.t0 ?? performance.now();
    const { log, lease } = this.d;
    const holder = lease.owner;
    const cfg = o.cfg ?? this.d.config.current();
    if (o.honourSandbox && cfg.routing.sandbox) {
      const processingTimeMs = elapsedSince(t0);
      await log.transition(email.id, { to: 'sandbox', holder, processingTimeMs, nextAttemptAt: null });
      return { kind: 'sandbox', logId: email.id, processingTimeMs };
    }
    // After an uncertain failure with on_uncertain `retry`, only that provider (it may deduplicate on the key).
    const pinned = email.pinnedProvider ? cfg.providers.find((p) => p.id === email.pinnedProvider && p.enabled) : undefined;
    const plan = o.plan ?? (pinned ? [pinned] : this.plan(email.message, cfg));
    const onUncertain = pinned ? 'retry' : uncertainPolicyFor(cfg.routing, email.message);
    const stopRenewing = keepRenewed(lease, () => this.d.queue.renew(holder, [email.id], lease.ms));
    let result: DeliveryResult;
    try {
      result = await this.d.engine.deliver(email.message, plan, { idempotencyKey: email.deliveryKey ?? undefined, signal: o.signal, onUncertain });
    } finally {
      stopRenewing();
    }
    const processingTimeMs = elapsedSince(t0);
    if (result.delivered) {
      const { provider, messageId } = result.delivered;
      const ref = refOf(provider);
      await log.transition(email.id, { to: 'success', holder, provider: ref, processingTimeMs, messageId, attempts: result.attempts, nextAttemptAt: null, countRound: true });
      return { kind: 'success', logId: email.id, processingTimeMs, provider: ref, messageId, attempts: result.attempts };
    }
    const failed = this.describeFailure(result);
    const last = result.failures[result.failures.length - 1]?.provider;
    const errorMessage = plan.length ? failureSummary(failed.errors) : NO_PROVIDERS;
    // It may have been accepted: later rounds go to that provider only, with the same key.
    const pin = result.uncertain?.policy === 'retry' ? { pinnedProvider: result.uncertain.provider.id } : {};
    const outcome = { holder, provider: last && refOf(last), errorMessage, attempts: failed.attempts, ...pin };
    if (!o.retry && result.uncertain?.policy === 'retry') {
      // A synchronous send or release: no other provider now; the queue retries this one under its lease.
      const at = Date.now() + (this.d.uncertainRetryMs ?? 30_000);
      await log.transition(email.id, { ...outcome, provider: refOf(result.uncertain.provider), to: 'queued', processingTimeMs, nextAttemptAt: at });
      return { kind: 'queued', logId: email.id };
    }
    const retry = o.retry?.({ transient: failed.transient, noProviders: !plan.length, aborted: o.signal?.aborted ?? false });
    if (retry) {
      await log.transition(email.id, { ...outcome, to: 'queued', processingTimeMs: retry.countRound ? processingTimeMs : undefined, nextAttemptAt: retry.at, countRound: retry.countRound });
      return { kind: 'queued', logId: email.id };
    }
    await log.transition(email.id, { ...outcome, to: 'failed', processingTimeMs, nextAttemptAt: null, countRound: true });
    return { kind: 'failed', logId: email.id, processingTimeMs, ...failed };
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
