// DeliveryQueue on SQLite. A claim is one UPDATE … RETURNING statement, so two connections on the file (or two
// processes) can never claim the same row: SQLite runs write statements one at a time.
import type { Statement } from 'better-sqlite3';
import type { ClaimedEmail, DeliveryQueue } from '../delivery-queue.js';
import type { Db } from './database.js';
import type { Announcer } from './announcer.js';
import type { SqliteSendLog } from './send-log.js';
import { deserializeMessage } from './log-rows.js';

interface ClaimedRow {
  id: number;
  message: string;
  raw: Buffer | null;
  delivery_key: string | null;
  delivery_rounds: number;
  pinned_provider: string | null;
  created_at: string;
}

/**
 * Due queued or scheduled email and orphaned in-flight email (lease expired, or none: written before leases
 * existed). A scheduled email's next_attempt_at is its send_at; claimed, it is `sending` under a lease like any other.
 */
const CLAIMABLE = `SELECT id FROM (
    SELECT id, next_attempt_at AS due FROM emails WHERE status IN ('queued', 'scheduled') AND next_attempt_at <= @now
    UNION ALL
    SELECT id, coalesce(lease_until, 0) AS due FROM emails WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= @now)
  ) ORDER BY due LIMIT @limit`;

export class SqliteDeliveryQueue implements DeliveryQueue {
  private readonly claimStmt: Statement;
  private readonly renewStmt: Statement;
  private readonly nextDueStmt: Statement;
  private readonly holdersStmt: Statement;
  private readonly expireStmt: Statement;

  constructor(
    db: Db,
    private readonly log: SqliteSendLog,
    private readonly changes: Announcer,
  ) {
    this.claimStmt = db.prepare(`UPDATE emails SET status = 'sending', lease_owner = @owner, lease_until = @until
      WHERE id IN (${CLAIMABLE}) RETURNING id, message, raw, delivery_key, delivery_rounds, created_at, pinned_provider`);
    this.renewStmt = db.prepare(`UPDATE emails SET lease_until = @until
      WHERE id IN (SELECT value FROM json_each(@ids)) AND status = 'sending' AND lease_owner = @owner RETURNING id`);
    this.nextDueStmt = db.prepare(`SELECT min(due) FROM (
      SELECT min(next_attempt_at) AS due FROM emails WHERE status IN ('queued', 'scheduled')
      UNION ALL SELECT min(coalesce(lease_until, 0)) FROM emails WHERE status = 'sending')`).pluck();
    this.holdersStmt = db.prepare(`SELECT DISTINCT lease_owner FROM emails WHERE status = 'sending' AND lease_until > ? AND lease_owner IS NOT NULL`).pluck();
    this.expireStmt = db.prepare(`UPDATE emails SET lease_until = 0 WHERE status = 'sending' AND lease_owner = ? AND lease_until > 0`);
  }

  async claim(owner: string, leaseMs: number, limit: number, now = Date.now()): Promise<ClaimedEmail[]> {
    const rows = this.claimStmt.all({ owner, until: now + leaseMs, now, limit }) as ClaimedRow[];
    rows.sort((a, b) => a.id - b.id);
    for (const r of rows) this.changes.announce(r.id, 'sending', null, true);
    return rows.map((r) => ({ id: r.id, message: deserializeMessage(r.message, r.raw), deliveryKey: r.delivery_key, rounds: r.delivery_rounds, pinnedProvider: r.pinned_provider, createdAt: r.created_at }));
  }

  async renew(owner: string, ids: readonly number[], leaseMs: number, now = Date.now()): Promise<number[]> {
    if (!ids.length) return [];
    return (this.renewStmt.all({ owner, ids: JSON.stringify(ids), until: now + leaseMs }) as { id: number }[]).map((r) => r.id);
  }

  async release(owner: string, id: number, dueAt: number): Promise<boolean> {
    return this.log.transition(id, { to: 'queued', from: ['sending'], holder: owner, nextAttemptAt: dueAt });
  }

  async nextDueAt(): Promise<number | undefined> {
    return (this.nextDueStmt.get() as number | null) ?? undefined;
  }

  async leaseHolders(now = Date.now()): Promise<string[]> {
    return this.holdersStmt.all(now) as string[];
  }

  async expireLeases(owner: string): Promise<number> {
    return this.expireStmt.run(owner).changes;
  }

  async depth(): Promise<number> {
    return this.log.counter('status:queued') + this.log.counter('status:sending');
  }
}
