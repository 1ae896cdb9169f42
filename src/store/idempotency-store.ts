// Idempotency-Key bookkeeping: the first answer to a key is kept 24 h and replayed byte for byte.
import type { Statement } from 'better-sqlite3';
import type { Db } from './sqlite.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type Begin =
  | { readonly kind: 'new' }
  | { readonly kind: 'replay'; readonly status: number; readonly body: string }
  | { readonly kind: 'conflict'; readonly reason: 'different_body' | 'in_flight' };

interface Row {
  request_hash: string;
  created_at: number;
  status_code: number | null;
  response: string | null;
}

export class IdempotencyStore {
  private readonly select: Statement;
  private readonly claim: Statement;
  private readonly attach: Statement;
  private readonly finishStmt: Statement;
  private readonly releaseStmt: Statement;

  constructor(private readonly db: Db) {
    this.select = db.prepare('SELECT request_hash, created_at, status_code, response FROM idempotency WHERE key = ?');
    this.claim = db.prepare('INSERT OR REPLACE INTO idempotency (key, request_hash, created_at) VALUES (?, ?, ?)');
    this.attach = db.prepare('UPDATE idempotency SET log_id = ? WHERE key = ?');
    this.finishStmt = db.prepare('UPDATE idempotency SET status_code = ?, response = ? WHERE key = ?');
    this.releaseStmt = db.prepare('DELETE FROM idempotency WHERE key = ? AND response IS NULL');
  }

  /** Claims the key for this request, or says why not. Atomic: one connection, one synchronous transaction. */
  async begin(key: string, requestHash: string, now = Date.now()): Promise<Begin> {
    return this.db.transaction((): Begin => {
      const row = this.select.get(key) as Row | undefined;
      if (row && now - row.created_at < IDEMPOTENCY_TTL_MS) {
        if (row.request_hash !== requestHash) return { kind: 'conflict', reason: 'different_body' };
        if (row.response === null || row.status_code === null) return { kind: 'conflict', reason: 'in_flight' };
        return { kind: 'replay', status: row.status_code, body: row.response };
      }
      this.claim.run(key, requestHash, now);
      return { kind: 'new' };
    })();
  }

  /** The email behind the key is stored: a crash from here on still leaves an answer to replay. */
  async attachLog(key: string, logId: number): Promise<void> {
    this.attach.run(logId, key);
  }

  async finish(key: string, status: number, body: string): Promise<void> {
    this.finishStmt.run(status, body, key);
  }

  /** The request ended without an answer worth keeping (4xx, 503, 500): the key may be used again. */
  async release(key: string): Promise<void> {
    this.releaseStmt.run(key);
  }

  /**
   * At start: a key whose request died with the process. If its email was stored, the queue delivers it,
   * so the answer is the async one (202 queued); if not, nothing was accepted and the key is free.
   */
  async recoverInterrupted(): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare(`UPDATE idempotency SET status_code = 202, response = json_object('status', 'queued', 'log_id', log_id)
        WHERE response IS NULL AND log_id IS NOT NULL`).run();
      this.db.prepare('DELETE FROM idempotency WHERE response IS NULL').run();
    })();
  }

  async prune(now = Date.now()): Promise<number> {
    return this.db.prepare('DELETE FROM idempotency WHERE created_at < ?').run(now - IDEMPOTENCY_TTL_MS).changes;
  }
}
