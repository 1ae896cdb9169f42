// Group commit: writes that arrive in the same event-loop turn share one transaction, so a burst of
// concurrent sends costs one WAL commit instead of one each. Every caller still waits for the commit.
import type { Db } from './database.js';

/** Work around every transaction of the batch: `begin` before its writes, `beforeCommit` after them, inside it. */
export interface TransactionHooks {
  begin(): void;
  beforeCommit(): void;
}

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: any) => void;
  readonly reject: (err: unknown) => void;
}

export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;

  private readonly hooks: TransactionHooks[] = [];

  constructor(private readonly db: Db) {}

  /** Hooks run around every transaction this group commit opens (a rolled-back one's work is redone in the retry). */
  around(hooks: TransactionHooks): void {
    this.hooks.push(hooks);
  }

  private inTransaction<T>(work: () => T): T {
    for (const h of this.hooks) h.begin();
    const result = work();
    for (const h of this.hooks) h.beforeCommit();
    return result;
  }

  /** Runs `work` inside the next shared transaction; resolves once that transaction has committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves once every write handed in so far has committed (for close). */
  async idle(): Promise<void> {
    if (this.scheduled) await this.run(() => undefined);
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    const results: unknown[] = [];
    try {
      // IMMEDIATE: take the write lock up front, so another connection on the file waits (busy_timeout)
      // instead of failing the upgrade from a read.
      this.db.transaction(() => this.inTransaction(() => {
        for (const p of batch) results.push(p.work());
      })).immediate();
    } catch {
      // One failing write rolled the batch back: run each alone so only the faulty one fails.
      for (const p of batch) {
        try {
          p.resolve(this.db.transaction(() => this.inTransaction(p.work)).immediate());
        } catch (err) {
          p.reject(err);
        }
      }
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]));
  }
}
