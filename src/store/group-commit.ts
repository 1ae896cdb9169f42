// Group commit: writes that arrive in the same event-loop turn share one transaction, so a burst of
// concurrent sends costs one WAL commit instead of one each. Every caller still waits for the commit.
import type { Db } from './sqlite.js';

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: any) => void;
  readonly reject: (err: unknown) => void;
}

export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly db: Db) {}

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

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    const results: unknown[] = [];
    try {
      this.db.transaction(() => {
        for (const p of batch) results.push(p.work());
      })();
    } catch {
      // One failing write rolled the batch back: run each alone so only the faulty one fails.
      for (const p of batch) {
        try {
          p.resolve(this.db.transaction(p.work)());
        } catch (err) {
          p.reject(err);
        }
      }
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]));
  }
}
