// LogRetention on PostgreSQL: each call deletes one batch of final records in its own short statement.
import { FINAL_STATUSES } from '../../core/email-log.js';
import type { LogRetention } from '../log-retention.js';
import type { Sql } from './connect.js';

/** Records in these statuses never change again: only they are pruned. */
const FINAL = [...FINAL_STATUSES];

export class PgLogRetention implements LogRetention {
  constructor(private readonly sql: Sql) {}

  async pruneOlderThan(cutoff: string, batch: number): Promise<number> {
    const r = await this.sql`DELETE FROM emails WHERE id IN (SELECT id FROM emails
      WHERE created_at < ${cutoff}::timestamptz AND status = ANY(${FINAL}::text[]) ORDER BY id LIMIT ${batch})`;
    return r.count;
  }

  async pruneBeyond(keep: number, batch: number): Promise<number> {
    // Rows past the newest `keep`: everything up to the id of the (keep+1)-th newest.
    const [edge] = await this.sql<{ id: number }[]>`SELECT id FROM emails ORDER BY id DESC LIMIT 1 OFFSET ${keep}`;
    if (!edge) return 0;
    const r = await this.sql`DELETE FROM emails WHERE id IN (SELECT id FROM emails
      WHERE id <= ${edge.id} AND status = ANY(${FINAL}::text[]) ORDER BY id LIMIT ${batch})`;
    return r.count;
  }
}
