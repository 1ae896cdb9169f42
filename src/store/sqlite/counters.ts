// The counters behind /api/stats for new emails, summed per group-commit transaction: one upsert per key
// touched in a batch instead of an insert trigger firing two statements for every row. (Status changes and
// deletions are rarer and keep their triggers: migrations 1 and 8.)
import type { Statement } from 'better-sqlite3';
import type { EmailStatus } from '../../core/email-log.js';
import type { Db } from './database.js';
import type { TransactionHooks } from './group-commit.js';

/** Statuses whose processing time counts towards the average (what the triggers count too). */
const TIMED: ReadonlySet<EmailStatus> = new Set(['success', 'failed', 'sandbox']);

export class NewEmailCounters implements TransactionHooks {
  private readonly upsert: Statement;
  private deltas = new Map<string, number>();

  constructor(db: Db) {
    this.upsert = db.prepare('INSERT INTO counters(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = value + excluded.value');
  }

  /** A row inserted in the open transaction with this status and processing time (the provider is set later). */
  count(status: EmailStatus, processingTimeMs: number | null): void {
    this.add('total', 1);
    this.add(`status:${status}`, 1);
    if (processingTimeMs !== null && TIMED.has(status)) {
      this.add('time_sum', processingTimeMs);
      this.add('time_n', 1);
    }
  }

  begin(): void {
    this.deltas.clear();
  }

  /** Inside the transaction, after its writes: the batch's sums land with its rows or not at all. */
  beforeCommit(): void {
    for (const [key, value] of this.deltas) this.upsert.run(key, value);
    this.deltas.clear();
  }

  private add(key: string, n: number): void {
    this.deltas.set(key, (this.deltas.get(key) ?? 0) + n);
  }
}
