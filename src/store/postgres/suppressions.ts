// Suppressions on PostgreSQL: one list shared by every instance, keyed by the lower-cased address (the address
// kept as first seen). suppressedAmong is on every send's path: one indexed query for the recipients of every
// send made in the same event-loop turn.
import { suppressionKey, type Suppression, type SuppressionFilter, type Suppressions } from '../suppressions.js';
import { likeSubstring, SUPPRESSION_COLUMNS } from '../event-rows.js';
import type { Sql } from './connect.js';
import { TurnBatch } from './turn-batch.js';

/** The most sends one lookup answers. */
const LOOKUP_BATCH = 100;

export class PgSuppressions implements Suppressions {
  constructor(private readonly sql: Sql) {}

  async add(e: Omit<Suppression, 'created_at'>): Promise<boolean> {
    const rows = await this.sql`INSERT INTO suppressions (email_key, email, reason, provider_id, log_id, created_at)
      VALUES (${suppressionKey(e.email)}, ${e.email.trim()}, ${e.reason}, ${e.provider_id}, ${e.log_id}, ${new Date().toISOString()})
      ON CONFLICT (email_key) DO NOTHING RETURNING 1`;
    return rows.length === 1;
  }

  async get(email: string): Promise<Suppression | undefined> {
    const [row] = await this.sql.unsafe<Suppression[]>(`SELECT ${SUPPRESSION_COLUMNS} FROM suppressions WHERE email_key = $1`, [suppressionKey(email)], { prepare: true });
    return row;
  }

  async remove(email: string): Promise<boolean> {
    return (await this.sql`DELETE FROM suppressions WHERE email_key = ${suppressionKey(email)}`).count === 1;
  }

  async list(f: SuppressionFilter): Promise<{ suppressions: Suppression[]; total: number }> {
    const where = f.q ? `WHERE email_key LIKE $1 ESCAPE '\\'` : '';
    const args = f.q ? [likeSubstring(suppressionKey(f.q))] : [];
    const n = args.length;
    const [suppressions, [{ total }]] = await Promise.all([
      this.sql.unsafe<Suppression[]>(`SELECT ${SUPPRESSION_COLUMNS} FROM suppressions ${where} ORDER BY created_at DESC, email_key LIMIT $${n + 1} OFFSET $${n + 2}`, [...args, f.limit, f.offset] as never[], { prepare: true }),
      this.sql.unsafe<{ total: number }[]>(`SELECT count(*) AS total FROM suppressions ${where}`, args, { prepare: true }),
    ]);
    return { suppressions: [...suppressions], total };
  }

  async suppressedAmong(addresses: readonly string[]): Promise<Set<string>> {
    if (!addresses.length) return new Set();
    const keys = addresses.map(suppressionKey);
    const hits = await this.lookups.add(keys);
    return new Set(addresses.filter((_, i) => hits.has(keys[i])));
  }

  /** Each send gets the keys found among everyone's in its batch. */
  private readonly lookups = new TurnBatch(async (batch: readonly string[][]) => {
    const rows = await this.sql<{ email_key: string }[]>`SELECT email_key FROM suppressions WHERE email_key = ANY(${[...new Set(batch.flat())]}::text[])`;
    const hits = new Set(rows.map((r) => r.email_key));
    return batch.map(() => hits);
  }, LOOKUP_BATCH);
}
