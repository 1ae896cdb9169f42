// Background pruning (LOG_RETENTION_DAYS, LOG_MAX_ROWS) in small batches, so sends never wait behind it.
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from './sqlite.js';
import type { IdempotencyStore } from './idempotency-store.js';

export interface RetentionOptions {
  readonly retentionDays?: number;
  readonly maxRows?: number;
  readonly intervalMs?: number;
  readonly batch?: number;
}

const FINAL = `status IN ('success', 'failed', 'sandbox')`;

export class Retention {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly idempotency: IdempotencyStore,
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
    await this.idempotency.prune(now);
    if (this.o.retentionDays) {
      const cutoff = new Date(now - this.o.retentionDays * 86_400_000).toISOString();
      const del = this.db.prepare(`DELETE FROM emails WHERE id IN (SELECT id FROM emails WHERE created_at < ? AND ${FINAL} ORDER BY created_at LIMIT ?)`);
      removed += await this.inBatches(() => del.run(cutoff, batch).changes, batch);
    }
    if (this.o.maxRows) {
      // Rows past the newest maxRows: everything below the id of the maxRows-th newest.
      const edge = this.db.prepare('SELECT id FROM emails ORDER BY id DESC LIMIT 1 OFFSET ?').pluck().get(this.o.maxRows) as number | undefined;
      if (edge !== undefined) {
        const del = this.db.prepare(`DELETE FROM emails WHERE id IN (SELECT id FROM emails WHERE id <= ? AND ${FINAL} ORDER BY id LIMIT ?)`);
        removed += await this.inBatches(() => del.run(edge, batch).changes, batch);
      }
    }
    if (removed) this.log.info({ removed }, 'retention pruned old log records');
    return removed;
  }

  private async inBatches(step: () => number, batch: number): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.stopped) return total;
      const n = step();
      total += n;
      if (n < batch) return total;
      await new Promise((r) => setImmediate(r));
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pruneOnce()
        .catch((err) => this.log.error({ err }, 'retention pass failed'))
        .then(() => this.schedule(this.o.intervalMs ?? 60_000));
    }, delay);
    this.timer.unref();
  }
}
