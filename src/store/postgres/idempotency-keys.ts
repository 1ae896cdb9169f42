// IdempotencyKeys on PostgreSQL. `begin` is one conditional upsert on the unique key: concurrent begins for one
// key from any connection or instance queue on that key's row, and exactly one inserts or takes it over.
import { IDEMPOTENCY_TTL_MS, type Begin, type IdempotencyKeys } from '../idempotency-keys.js';
import type { Lease } from '../lease.js';
import type { Sql } from './connect.js';

interface Row {
  request_hash: string;
  status_code: number | null;
  response: string | null;
}

export class PgIdempotencyKeys implements IdempotencyKeys {
  constructor(private readonly sql: Sql) {}

  async begin(key: string, requestHash: string, lease: Lease, now = Date.now()): Promise<Begin> {
    // Inserts the key, or takes over one that is expired or whose request died before storing an email.
    const taken = await this.sql`INSERT INTO idempotency AS i (key, request_hash, created_at, lease_owner, lease_until)
      VALUES (${key}, ${requestHash}, ${now}, ${lease.owner}, ${now + lease.ms})
      ON CONFLICT (key) DO UPDATE SET request_hash = excluded.request_hash, created_at = excluded.created_at, log_id = NULL,
        status_code = NULL, response = NULL, lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
      WHERE i.created_at <= ${now - IDEMPOTENCY_TTL_MS}
        OR (i.response IS NULL AND i.log_id IS NULL AND coalesce(i.lease_until, 0) <= ${now})
      RETURNING 1`;
    if (taken.length === 1) return { kind: 'new' };
    // A request that died after storing its email: the queue delivers that email, so the answer is the async one
    // (the same bytes SQLite's json_object writes). Settling twice writes the same answer.
    const [row] = await this.sql<Row[]>`WITH settled AS (
        UPDATE idempotency SET status_code = 202, response = '{"status":"queued","log_id":' || log_id || '}',
          lease_owner = NULL, lease_until = NULL
        WHERE key = ${key} AND response IS NULL AND log_id IS NOT NULL AND coalesce(lease_until, 0) <= ${now}
        RETURNING request_hash, status_code, response
      )
      SELECT request_hash, status_code, response FROM settled
      UNION ALL SELECT request_hash, status_code, response FROM idempotency WHERE key = ${key} AND NOT EXISTS (SELECT 1 FROM settled)`;
    // Released between the two statements: it is free, so try once more.
    if (!row) return this.begin(key, requestHash, lease, now);
    if (row.request_hash !== requestHash) return { kind: 'conflict', reason: 'different_body' };
    if (row.response === null || row.status_code === null) return { kind: 'conflict', reason: 'in_flight' };
    return { kind: 'replay', status: row.status_code, body: row.response };
  }

  async renew(key: string, lease: Lease, now = Date.now()): Promise<boolean> {
    const rows = await this.sql`UPDATE idempotency SET lease_until = ${now + lease.ms}
      WHERE key = ${key} AND lease_owner = ${lease.owner} AND response IS NULL RETURNING 1`;
    return rows.length === 1;
  }

  async attachLog(key: string, logId: number): Promise<void> {
    await this.sql`UPDATE idempotency SET log_id = ${logId} WHERE key = ${key}`;
  }

  async finish(key: string, status: number, body: string): Promise<void> {
    await this.sql`UPDATE idempotency SET status_code = ${status}, response = ${body}, lease_owner = NULL, lease_until = NULL WHERE key = ${key}`;
  }

  async release(key: string): Promise<void> {
    await this.sql`DELETE FROM idempotency WHERE key = ${key} AND response IS NULL`;
  }

  async expireLeases(owner: string): Promise<number> {
    return (await this.sql`UPDATE idempotency SET lease_until = 0 WHERE lease_owner = ${owner} AND response IS NULL AND lease_until > 0`).count;
  }

  async prune(now = Date.now()): Promise<number> {
    return (await this.sql`DELETE FROM idempotency WHERE created_at < ${now - IDEMPOTENCY_TTL_MS}`).count;
  }
}
