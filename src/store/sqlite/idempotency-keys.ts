// IdempotencyKeys on SQLite. `begin` is one conditional upsert (the key is unique), settled and read back inside
// an IMMEDIATE transaction: the database's write lock, not the connection, makes it atomic across processes.
import type { Statement } from 'better-sqlite3';
import { IDEMPOTENCY_TTL_MS, type Begin, type IdempotencyKeys } from '../idempotency-keys.js';
import type { Lease } from '../lease.js';
import type { Db } from './database.js';

interface Row {
  request_hash: string;
  status_code: number | null;
  response: string | null;
}

export class SqliteIdempotencyKeys implements IdempotencyKeys {
  private readonly take: Statement;
  private readonly settleOrphan: Statement;
  private readonly select: Statement;
  private readonly renewStmt: Statement;
  private readonly attach: Statement;
  private readonly finishStmt: Statement;
  private readonly releaseStmt: Statement;
  private readonly pruneStmt: Statement;
  private readonly expireStmt: Statement;

  constructor(private readonly db: Db) {
    // Inserts the key, or takes over one that is expired or whose request died before storing an email.
    this.take = db.prepare(`INSERT INTO idempotency (key, request_hash, created_at, lease_owner, lease_until)
      VALUES (@key, @hash, @now, @owner, @until)
      ON CONFLICT(key) DO UPDATE SET request_hash = excluded.request_hash, created_at = excluded.created_at, log_id = NULL,
        status_code = NULL, response = NULL, lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
      WHERE idempotency.created_at <= @expired
        OR (idempotency.response IS NULL AND idempotency.log_id IS NULL AND coalesce(idempotency.lease_until, 0) <= @now)`);
    // A request that died after storing its email: the queue delivers that email, so the answer is the async one.
    this.settleOrphan = db.prepare(`UPDATE idempotency SET status_code = 202, response = json_object('status', 'queued', 'log_id', log_id),
      lease_owner = NULL, lease_until = NULL
      WHERE key = @key AND response IS NULL AND log_id IS NOT NULL AND coalesce(lease_until, 0) <= @now`);
    this.select = db.prepare('SELECT request_hash, status_code, response FROM idempotency WHERE key = ?');
    this.renewStmt = db.prepare('UPDATE idempotency SET lease_until = @until WHERE key = @key AND lease_owner = @owner AND response IS NULL');
    this.attach = db.prepare('UPDATE idempotency SET log_id = ? WHERE key = ?');
    this.finishStmt = db.prepare('UPDATE idempotency SET status_code = ?, response = ?, lease_owner = NULL, lease_until = NULL WHERE key = ?');
    this.releaseStmt = db.prepare('DELETE FROM idempotency WHERE key = ? AND response IS NULL');
    this.pruneStmt = db.prepare('DELETE FROM idempotency WHERE created_at < ?');
    this.expireStmt = db.prepare('UPDATE idempotency SET lease_until = 0 WHERE lease_owner = ? AND response IS NULL AND lease_until > 0');
  }

  async begin(key: string, requestHash: string, lease: Lease, now = Date.now()): Promise<Begin> {
    return this.db.transaction((): Begin => {
      const params = { key, hash: requestHash, now, owner: lease.owner, until: now + lease.ms, expired: now - IDEMPOTENCY_TTL_MS };
      if (this.take.run(params).changes === 1) return { kind: 'new' };
      this.settleOrphan.run({ key, now });
      const row = this.select.get(key) as Row;
      if (row.request_hash !== requestHash) return { kind: 'conflict', reason: 'different_body' };
      if (row.response === null || row.status_code === null) return { kind: 'conflict', reason: 'in_flight' };
      return { kind: 'replay', status: row.status_code, body: row.response };
    }).immediate();
  }

  async renew(key: string, lease: Lease, now = Date.now()): Promise<boolean> {
    return this.renewStmt.run({ key, owner: lease.owner, until: now + lease.ms }).changes === 1;
  }

  async attachLog(key: string, logId: number): Promise<void> {
    this.attach.run(logId, key);
  }

  async finish(key: string, status: number, body: string): Promise<void> {
    this.finishStmt.run(status, body, key);
  }

  async release(key: string): Promise<void> {
    this.releaseStmt.run(key);
  }

  async expireLeases(owner: string): Promise<number> {
    return this.expireStmt.run(owner).changes;
  }

  async prune(now = Date.now()): Promise<number> {
    return this.pruneStmt.run(now - IDEMPOTENCY_TTL_MS).changes;
  }
}
