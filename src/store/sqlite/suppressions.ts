// SQLite Suppressions: keyed by the lower-cased address, the address kept as first seen.
import type { Statement } from 'better-sqlite3';
import { suppressionKey, type Suppression, type SuppressionFilter, type Suppressions } from '../suppressions.js';
import { likeSubstring, SUPPRESSION_COLUMNS as COLUMNS } from '../event-rows.js';
import type { Db } from './database.js';

export class SqliteSuppressions implements Suppressions {
  private readonly insert: Statement;
  private readonly del: Statement;
  private readonly lookup: Statement;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(`INSERT INTO suppressions (email_key, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email_key) DO NOTHING`);
    this.del = db.prepare('DELETE FROM suppressions WHERE email_key = ?');
    // json_each: one statement for any number of recipients.
    this.lookup = db.prepare('SELECT email_key FROM suppressions WHERE email_key IN (SELECT value FROM json_each(?))');
  }

  async add(e: Omit<Suppression, 'created_at'>): Promise<boolean> {
    return this.insert.run(suppressionKey(e.email), e.email.trim(), e.reason, e.provider_id, e.log_id, new Date().toISOString()).changes === 1;
  }

  async get(email: string): Promise<Suppression | undefined> {
    return this.db.prepare(`SELECT ${COLUMNS} FROM suppressions WHERE email_key = ?`).get(suppressionKey(email)) as Suppression | undefined;
  }

  async remove(email: string): Promise<boolean> {
    return this.del.run(suppressionKey(email)).changes === 1;
  }

  async list(f: SuppressionFilter): Promise<{ suppressions: Suppression[]; total: number }> {
    const where = f.q ? `WHERE email_key LIKE ? ESCAPE '\\'` : '';
    const args = f.q ? [likeSubstring(suppressionKey(f.q))] : [];
    const suppressions = this.db.prepare(`SELECT ${COLUMNS} FROM suppressions ${where} ORDER BY created_at DESC, email_key LIMIT ? OFFSET ?`).all(...args, f.limit, f.offset) as Suppression[];
    const total = (this.db.prepare(`SELECT count(*) AS n FROM suppressions ${where}`).get(...args) as { n: number }).n;
    return { suppressions, total };
  }

  async suppressedAmong(addresses: readonly string[]): Promise<Set<string>> {
    if (!addresses.length) return new Set();
    const hits = new Set((this.lookup.all(JSON.stringify(addresses.map(suppressionKey))) as { email_key: string }[]).map((r) => r.email_key));
    return new Set(addresses.filter((a) => hits.has(suppressionKey(a))));
  }
}
