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
    const edges: number[] = [];
    if (this.o.retentionDays) {
      const edge = this.lastIdBefore(new Date(now - this.o.retentionDays * 86_400_000).toISOString());
      if (edge !== undefined) edges.push(edge);
    }
    if (this.o.maxRows) {
      // Rows past the newest maxRows: everything up to the id of the (maxRows+1)-th newest.
      const edge = this.db.prepare('SELECT id FROM emails ORDER BY id DESC LIMIT 1 OFFSET ?').pluck().get(this.o.maxRows) as number | undefined;
      if (edge !== undefined) edges.push(edge);
    }
    if (edges.length) {
      const doomed = `SELECT id FROM emails WHERE id <= ? AND ${FINAL} ORDER BY id LIMIT ?`;
      const unindex = this.db.prepare(`DELETE FROM emails_fts WHERE rowid IN (${doomed})`);
      const del = this.db.prepare(`DELETE FROM emails WHERE id IN (${doomed})`);
      // The search rows go in the same transaction as their emails: the index never names a deleted record.
      const step = this.db.transaction((edge: number) => (unindex.run(edge, batch), del.run(edge, batch).changes));
      const edge = Math.max(...edges);
      removed += await this.inBatches(() => step(edge), batch);
    }
    if (removed) this.log.info({ removed }, 'retention pruned old log records');
    return removed;
  }

  /** The newest id created before `cutoff`. Ids grow with time, so a binary search over ids finds it without an index. */
  private lastIdBefore(cutoff: string): number | undefined {
    const bounds = this.db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM emails').get() as { lo: number | null; hi: number | null };
    if (bounds.lo === null || bounds.hi === null) return undefined;
    const at = this.db.prepare('SELECT id, created_at FROM emails WHERE id >= ? ORDER BY id LIMIT 1');
    let lo = bounds.lo;
    let hi = bounds.hi;
    let found: number | undefined;
    while (lo <= hi) {
      const row = at.get(Math.floor((lo + hi) / 2)) as { id: number; created_at: string } | undefined;
      if (!row || row.id > hi) hi = Math.floor((lo + hi) / 2) - 1;
      else if (row.created_at < cutoff) (found = row.id), (lo = row.id + 1);
      else hi = row.id - 1;
    }
    return found;
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
