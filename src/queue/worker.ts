// The delivery queue's worker: claims due emails from SQLite, delivers them by the routing rules,
// retries transient failures with exponential backoff and jitter, and leaves the rest queued on shutdown.
import type { FastifyBaseLogger } from 'fastify';
import type { ConfigStore } from '../config/store.js';
import { elapsedSince, failureSummary, type Dispatcher } from '../dispatch.js';
import { uncertainPolicyFor } from '../routing/strategies.js';
import type { RoutingEngine } from '../routing/engine.js';
import type { ClaimedEmail, EmailStore } from '../store/email-store.js';

export interface QueueOptions {
  /** waits between delivery rounds; rounds in all = delays + 1 */
  readonly retryDelaysMs: readonly number[];
  /** emails delivered at once */
  readonly concurrency?: number;
  /** longest sleep between looks at the queue */
  readonly pollMs?: number;
  /** how long stop() lets in-flight deliveries finish before aborting them */
  readonly graceMs?: number;
  readonly random?: () => number;
}

/** delay × (0.8 … 1.2): spreads retries so a recovering provider is not hit all at once. */
export function backoffDelay(delays: readonly number[], round: number, random: () => number = Math.random): number {
  const base = delays[Math.min(round, delays.length - 1)] ?? 0;
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class QueueWorker {
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private stopping = false;
  private ticking = false;
  private again = false;

  constructor(
    private readonly store: EmailStore,
    private readonly config: ConfigStore,
    private readonly dispatcher: Dispatcher,
    private readonly engine: RoutingEngine,
    private readonly log: FastifyBaseLogger,
    private readonly o: QueueOptions,
  ) {}

  async start(): Promise<void> {
    const requeued = await this.store.requeueInterrupted(Date.now());
    if (requeued) this.log.warn({ requeued }, 'emails interrupted by the last shutdown are queued again');
    this.schedule(0);
  }

  /** A new email was queued: look now rather than at the next poll. */
  wake(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.o.graceMs ?? 10_000).unref());
    await Promise.race([Promise.all(this.inFlight), grace]);
    if (this.inFlight.size) {
      this.shutdown.abort(new Error('shutting down'));
      await Promise.all(this.inFlight);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    try {
      const free = (this.o.concurrency ?? 8) - this.inFlight.size;
      if (free <= 0 || this.stopping) return; // a finishing delivery schedules the next look
      const claimed = await this.store.claimDue(Date.now(), free);
      for (const email of claimed) {
        const job: Promise<void> = this.process(email)
          .catch((err) => this.log.error({ err, log_id: email.id }, 'queue delivery failed unexpectedly'))
          .finally(() => {
            this.inFlight.delete(job);
            this.schedule(0);
          });
        this.inFlight.add(job);
      }
      if (claimed.length < free) {
        const next = await this.store.nextDueAt();
        const poll = this.o.pollMs ?? 1000;
        this.schedule(next === undefined ? poll : Math.min(poll, Math.max(0, next - Date.now())));
      }
    } catch (err) {
      this.log.error({ err }, 'queue poll failed');
      this.schedule(this.o.pollMs ?? 1000);
    } finally {
      this.ticking = false;
      if (this.again) {
        this.again = false;
        this.schedule(0);
      }
    }
  }

  private async process(email: ClaimedEmail): Promise<void> {
    const t0 = performance.now();
    const cfg = this.config.current();
    if (cfg.routing.sandbox) {
      // Sandbox turned on while it waited: nothing leaves the machine.
      await this.store.complete(email.id, { status: 'sandbox', processingTimeMs: elapsedSince(t0), attempts: [], nextAttemptAt: null });
      return;
    }
    // After an uncertain failure with on_uncertain `retry`, only that provider (it may deduplicate on the key).
    const pinned = email.pinnedProvider ? cfg.providers.find((p) => p.id === email.pinnedProvider && p.enabled) : undefined;
    const plan = pinned ? [pinned] : this.dispatcher.plan(email.message, cfg);
    const onUncertain = pinned ? 'retry' : uncertainPolicyFor(cfg.routing, email.message);
    const result = await this.engine.deliver(email.message, plan, { idempotencyKey: email.deliveryKey ?? undefined, signal: this.shutdown.signal, onUncertain });
    const processingTimeMs = elapsedSince(t0);
    if (result.delivered) {
      const { provider, messageId } = result.delivered;
      await this.store.complete(email.id, {
        status: 'success',
        provider: { id: provider.id, name: provider.name, type: provider.type },
        processingTimeMs,
        messageId,
        attempts: result.attempts,
        nextAttemptAt: null,
        countRound: true,
      });
      return;
    }
    const failed = this.dispatcher.describeFailure(result);
    const last = result.failures[result.failures.length - 1]?.provider;
    const provider = last && { id: last.id, name: last.name, type: last.type };
    const errorMessage = plan.length ? failureSummary(failed.errors) : 'No active email providers configured';
    if (this.shutdown.signal.aborted) {
      // Cut short by shutdown: not a real round; it stays queued for the next start.
      await this.store.complete(email.id, { status: 'queued', provider, errorMessage, attempts: failed.attempts, nextAttemptAt: Date.now() });
      return;
    }
    const round = email.rounds + 1;
    const retry = (failed.transient || !plan.length) && round <= this.o.retryDelaysMs.length;
    await this.store.complete(email.id, {
      status: retry ? 'queued' : 'failed',
      provider,
      processingTimeMs,
      errorMessage,
      attempts: failed.attempts,
      nextAttemptAt: retry ? Date.now() + backoffDelay(this.o.retryDelaysMs, round - 1, this.o.random) : null,
      countRound: true,
      ...(result.uncertain?.policy === 'retry' ? { pinnedProvider: result.uncertain.provider.id } : {}),
    });
  }
}
