// Background pruning (LOG_RETENTION_DAYS, LOG_MAX_ROWS) in small batches, so sends never wait behind it.
// Backend-neutral: the batches are LogRetention calls.
import type { FastifyBaseLogger } from 'fastify';
import type { Stores } from './stores.js';

export interface RetentionOptions {
  readonly retentionDays?: number;
  readonly maxRows?: number;
  readonly intervalMs?: number;
  readonly batch?: number;
}

export class Retention {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly stores: Pick<Stores, 'retention' | 'idempotency' | 'leads'>,
    private readonly log: FastifyBaseLogger,
    private readonly o: RetentionOptions,
  ) {}

  async start(): Promise<void> {
    this.schedule(1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One full pass; each batch is its own short transaction with a yield to the event loop between. */
  async pruneOnce(now = Date.now()): Promise<number> {
    const batch = this.o.batch ?? 500;
    let removed = 0;
    await this.stores.idempotency.prune(now);
    const { retentionDays, maxRows } = this.o;
    if (retentionDays) {
      const cutoff = new Date(now - retentionDays * 86_400_000).toISOString();
      removed += await this.inBatches(() => this.stores.retention.pruneOlderThan(cutoff, batch), batch);
    }
    if (maxRows) removed += await this.inBatches(() => this.stores.retention.pruneBeyond(maxRows, batch), batch);
    if (removed) this.log.info({ removed }, 'retention pruned old log records');
    return removed;
  }

  private async inBatches(step: () => Promise<number>, batch: number): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.stopped) return total;
      const n = await step();
      total += n;
      if (n < batch) return total;
      await new Promise((r) => setImmediate(r));
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      // One instance at a time prunes (PostgreSQL: whoever holds the advisory lock).
      this.running = this.stores
        .leads('retention')
        .then((leader) => (leader ? this.pruneOnce() : 0))
        .catch((err) => this.log.error({ err }, 'retention pass failed'))
        .then(() => this.schedule(this.o.intervalMs ?? 60_000));
    }, delay);
    this.timer.unref();
  }
}
