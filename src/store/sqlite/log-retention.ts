// LogRetention on SQLite: each call deletes one batch of final records in its own short transaction.
import type { Statement } from 'better-sqlite3';
import { FINAL_STATUSES } from '../../core/email-log.js';
import type { LogRetention } from '../log-retention.js';
import type { Db } from './database.js';
import type { SearchIndexer } from './search-index.js';

const FINAL = `status IN (${FINAL_STATUSES.map((s) => `'${s}'`).join(', ')})`;

export class SqliteLogRetention implements LogRetention {
  private readonly deleteUpTo: (edge: number, batch: number) => number;
  private readonly bounds: Statement;
  private readonly firstFrom: Statement;
  private readonly edgeBeyond: Statement;

  constructor(db: Db, search: SearchIndexer) {
    const doomed = `SELECT id FROM emails WHERE id <= ? AND ${FINAL} ORDER BY id LIMIT ?`;
    const unindex = db.prepare(`DELETE FROM emails_fts WHERE rowid IN (${doomed})`);
    const del = db.prepare(`DELETE FROM emails WHERE id IN (${doomed})`);
    // The search rows go in the same transaction as their emails: the index never names a deleted record.
    const step = db.transaction((edge: number, batch: number) => (unindex.run(edge, batch), del.run(edge, batch).changes));
    this.deleteUpTo = (edge, batch) => {
      search.catchUp(); // so no deleted row's index entry is left behind, and no id SQLite reuses looks indexed
      return step.immediate(edge, batch);
    };
    this.bounds = db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM emails');
    this.firstFrom = db.prepare('SELECT id, created_at FROM emails WHERE id >= ? ORDER BY id LIMIT 1');
    this.edgeBeyond = db.prepare('SELECT id FROM emails ORDER BY id DESC LIMIT 1 OFFSET ?').pluck();
  }

  async pruneOlderThan(cutoff: string, batch: number): Promise<number> {
    const edge = this.lastIdBefore(cutoff);
    return edge === undefined ? 0 : this.deleteUpTo(edge, batch);
  }

  async pruneBeyond(keep: number, batch: number): Promise<number> {
    // Rows past the newest `keep`: everything up to the id of the (keep+1)-th newest.
    const edge = this.edgeBeyond.get(keep) as number | undefined;
    return edge === undefined ? 0 : this.deleteUpTo(edge, batch);
  }

  /** The newest id created before `cutoff`. Ids grow with time, so a binary search over ids finds it without an index. */
  private lastIdBefore(cutoff: string): number | undefined {
    const bounds = this.bounds.get() as { lo: number | null; hi: number | null };
    if (bounds.lo === null || bounds.hi === null) return undefined;
    let lo = bounds.lo;
    let hi = bounds.hi;
    let found: number | undefined;
    while (lo <= hi) {
      const row = this.firstFrom.get(Math.floor((lo + hi) / 2)) as { id: number; created_at: string } | undefined;
      if (!row || row.id > hi) hi = Math.floor((lo + hi) / 2) - 1;
      else if (row.created_at < cutoff) (found = row.id), (lo = row.id + 1);
      else hi = row.id - 1;
    }
    return found;
  }
}
