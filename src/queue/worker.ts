// The delivery queue's worker: claims due (or orphaned) emails under its lease, hands each to the one dispatch
// path, and decides only about retries (exponential backoff with jitter); on shutdown the rest stays queued.
import type { FastifyBaseLogger } from 'fastify';
import type { Dispatcher } from '../dispatch.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { ClaimedEmail, DeliveryQueue } from '../store/delivery-queue.js';
import type { Lease } from '../store/lease.js';

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

  private unsubscribe?: () => void;

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly changes: ChangeFeed,
    private readonly dispatcher: Dispatcher,
    private readonly lease: Lease,
    private readonly log: FastifyBaseLogger,
    private readonly o: QueueOptions,
  ) {}

  /** Nothing is taken over at start: work left by a dead process is claimed once its lease expires. */
  async start(): Promise<void> {
    // A newly queued email: look now rather than at the next poll.
    this.unsubscribe = this.changes.subscribe((c) => {
      if (c.transitioned && c.status === 'queued') this.schedule(0);
    });
    this.schedule(0);
  }

  /** Looks at the queue now (email was just handed over from an instance that is gone). */
  poke(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
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
      const claimed = await this.queue.claim(this.lease.owner, this.lease.ms, free);
      if (claimed.length) this.log.debug({ claimed: claimed.map((e) => e.id) }, 'queue claimed');
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
        const next = await this.queue.nextDueAt();
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
    const { retryDelaysMs, random } = this.o;
    const round = email.rounds + 1;
    await this.dispatcher.deliver(email, {
      honourSandbox: true,
      signal: this.shutdown.signal,
      retry: ({ transient, noProviders, aborted }) => {
        // Cut short by shutdown: not a real round; it stays queued for the next start (or another instance).
        if (aborted) return { at: Date.now(), countRound: false };
        if ((transient || noProviders) && round <= retryDelaysMs.length) return { at: Date.now() + backoffDelay(retryDelaysMs, round - 1, random), countRound: true };
        return null;
      },
    });
  }
}
