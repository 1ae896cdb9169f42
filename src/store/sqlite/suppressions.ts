// SQLite Suppressions: keyed by the lower-cased address, the address kept as first seen. The keys are also held
// in memory, so the check on every send costs no query (even a point read costs ~5–10 µs right after a commit).
// Connections of this process on one file share that copy; another process's changes (SQLite files are one
// process's, SPEC 11, but tools may write) are picked up within a second through `PRAGMA data_version`.
import type { Statement } from 'better-sqlite3';
import { suppressionKey, type Suppression, type SuppressionFilter, type Suppressions } from '../suppressions.js';
import { likeSubstring, SUPPRESSION_COLUMNS as COLUMNS } from '../event-rows.js';
import type { Db } from './database.js';

/** How often another process's writes are looked for (ms). */
const RECHECK_MS = 1000;

/** The suppressed keys of each file this process has open, one set shared by its connections on it. */
const mirrors = new Map<unknown, Set<string>>();
/** a file by its path; an in-memory database is its own connection's */
const fileOf = (db: Db): unknown => (db.memory ? db : db.name);

export class SqliteSuppressions implements Suppressions {
  private readonly insert: Statement;
  private readonly del: Statement;
  private readonly allKeys: Statement;
  private readonly dataVersion: Statement;
  private seenVersion: unknown;
  private checkedAt = 0;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(`INSERT INTO suppressions (email_key, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email_key) DO NOTHING`);
    this.del = db.prepare('DELETE FROM suppressions WHERE email_key = ?');
    this.allKeys = db.prepare('SELECT email_key FROM suppressions').pluck();
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.reload(); // an open reads the file as it is now
  }

  /** The shared copy, read again at most once a second when another connection has committed since. */
  private mirror(): Set<string> {
    const now = Date.now();
    if (now - this.checkedAt >= RECHECK_MS) {
      this.checkedAt = now;
      if (this.dataVersion.get() !== this.seenVersion) this.reload();
    }
    return mirrors.get(fileOf(this.db))!;
  }

  private reload(): void {
    this.seenVersion = this.dataVersion.get();
    this.checkedAt = Date.now();
    const keys = mirrors.get(fileOf(this.db)) ?? new Set<string>();
    keys.clear();
    for (const k of this.allKeys.all() as string[]) keys.add(k);
    mirrors.set(fileOf(this.db), keys);
  }

  async add(e: Omit<Suppression, 'created_at'>): Promise<boolean> {
    const key = suppressionKey(e.email);
    const added = this.insert.run(key, e.email.trim(), e.reason, e.provider_id, e.log_id, new Date().toISOString()).changes === 1;
    this.mirror().add(key);
    return added;
  }

  async get(email: string): Promise<Suppression | undefined> {
    return this.db.prepare(`SELECT ${COLUMNS} FROM suppressions WHERE email_key = ?`).get(suppressionKey(email)) as Suppression | undefined;
  }

  async remove(email: string): Promise<boolean> {
    const key = suppressionKey(email);
    const removed = this.del.run(key).changes === 1;
    this.mirror().delete(key);
    return removed;
  }

  async list(f: SuppressionFilter): Promise<{ suppressions: Suppression[]; total: number }> {
    const where = f.q ? `WHERE email_key LIKE ? ESCAPE '\\'` : '';
    const args = f.q ? [likeSubstring(suppressionKey(f.q))] : [];
    const suppressions = this.db.prepare(`SELECT ${COLUMNS} FROM suppressions ${where} ORDER BY created_at DESC, email_key LIMIT ? OFFSET ?`).all(...args, f.limit, f.offset) as Suppression[];
    const total = (this.db.prepare(`SELECT count(*) AS n FROM suppressions ${where}`).get(...args) as { n: number }).n;
    return { suppressions, total };
  }

  async suppressedAmong(addresses: readonly string[]): Promise<Set<string>> {
    const keys = this.mirror();
    const hits = new Set<string>();
    if (keys.size) for (const a of addresses) if (keys.has(suppressionKey(a))) hits.add(a);
    return hits;
  }
}
