// DeliveryQueue on PostgreSQL. A claim locks candidate rows with FOR UPDATE SKIP LOCKED, so concurrent claims
// from any instance take disjoint rows without waiting on each other; READ COMMITTED rechecks each locked row,
// so one claimed a moment ago (now `sending` under a live lease) is never taken again.
import type { ClaimedEmail, DeliveryQueue } from '../delivery-queue.js';
import { deserializeMessage, type SummaryRow } from '../sqlite/log-rows.js';
import type { Sql } from './connect.js';
import type { Changes } from './changes.js';
import type { PgSendLog } from './send-log.js';
import { summaryColumns } from './rows.js';

interface ClaimedRow {
  id: number;
  message: string;
  raw: Buffer | null;
  delivery_key: string | null;
  delivery_rounds: number;
  pinned_provider: string | null;
}

export class PgDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly sql: Sql,
    private readonly log: PgSendLog,
    private readonly changes: Changes,
  ) {}

  async claim(owner: string, leaseMs: number, limit: number, now = Date.now()): Promise<ClaimedEmail[]> {
    // Each side is a range scan of its partial index; orphaned work (its sender died) goes first: it waited longest.
    // A scheduled email is due at its send_at (its next_attempt_at) and is claimed under a lease like queued email.
    const rows = await this.sql.unsafe<(ClaimedRow & SummaryRow)[]>(
      `WITH due AS (
        SELECT id FROM emails WHERE status IN ('queued', 'scheduled') AND next_attempt_at <= $3
        ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED
      ), orphaned AS (
        SELECT id FROM emails WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= $3)
        ORDER BY lease_until NULLS FIRST LIMIT $4 FOR UPDATE SKIP LOCKED
      )
      UPDATE emails e SET status = 'sending', lease_owner = $1, lease_until = $2
      FROM (SELECT id FROM orphaned UNION ALL SELECT id FROM due LIMIT $4) c
      WHERE e.id = c.id
      RETURNING e.message, e.raw, e.delivery_key, e.delivery_rounds, e.pinned_provider,
        ${summaryColumns('e.')}`,
      [owner, now + leaseMs, now, limit] as never[],
      { prepare: true },
    );
    rows.sort((a, b) => a.id - b.id);
    for (const r of rows) this.changes.announce(r, true);
    return rows.map((r) => ({
      id: r.id,
      message: deserializeMessage(r.message, r.raw),
      deliveryKey: r.delivery_key,
      rounds: r.delivery_rounds,
      pinnedProvider: r.pinned_provider,
      createdAt: r.created_at,
    }));
  }

  async renew(owner: string, ids: readonly number[], leaseMs: number, now = Date.now()): Promise<number[]> {
    if (!ids.length) return [];
    const rows = await this.sql<{ id: number }[]>`UPDATE emails SET lease_until = ${now + leaseMs}
      WHERE id = ANY(${[...ids]}::bigint[]) AND status = 'sending' AND lease_owner = ${owner} RETURNING id`;
    return rows.map((r) => r.id);
  }

  async release(owner: string, id: number, dueAt: number): Promise<boolean> {
    return this.log.transition(id, { to: 'queued', from: ['sending'], holder: owner, nextAttemptAt: dueAt });
  }

  async nextDueAt(): Promise<number | undefined> {
    const [{ due }] = await this.sql<{ due: number | null }[]>`SELECT least(
      (SELECT min(next_attempt_at) FROM emails WHERE status IN ('queued', 'scheduled')),
      (SELECT min(coalesce(lease_until, 0)) FROM emails WHERE status = 'sending')) AS due`;
    return due ?? undefined;
  }

  async leaseHolders(now = Date.now()): Promise<string[]> {
    const rows = await this.sql<{ owner: string }[]>`SELECT DISTINCT lease_owner AS owner FROM emails
      WHERE status = 'sending' AND lease_until > ${now} AND lease_owner IS NOT NULL`;
    return rows.map((r) => r.owner);
  }

  async expireLeases(owner: string): Promise<number> {
    return (await this.sql`UPDATE emails SET lease_until = 0 WHERE status = 'sending' AND lease_owner = ${owner} AND lease_until > 0`).count;
  }

  async depth(): Promise<number> {
    return this.log.counter('status:queued', 'status:sending');
  }
}
