// Webhooks and WebhookDeliveries on PostgreSQL, leased like the delivery queue: a claim locks due rows with
// FOR UPDATE SKIP LOCKED, so concurrent claims from any instance take disjoint deliveries, and READ COMMITTED
// rechecks each locked row, so one leased a moment ago is not taken again until its lease expires.
import type { ClaimedDelivery, DeliveryAttempt, WebhookDeliveries, WebhookEndpoint, Webhooks } from '../webhooks.js';
import { CLAIMED_COLUMNS, toClaimed, toEndpoint, toEndpointWithSecret, WEBHOOK_ATTEMPT_COLUMNS, type ClaimedRow, type EndpointRow } from '../event-rows.js';
import type { Sql } from './connect.js';

export class PgWebhooks implements Webhooks {
  constructor(private readonly sql: Sql) {}

  async create(e: WebhookEndpoint & { secret: string }): Promise<void> {
    await this.sql`INSERT INTO webhooks (id, url, events, description, secret, created_at)
      VALUES (${e.id}, ${e.url}, ${JSON.stringify(e.events)}, ${e.description}, ${e.secret}, ${e.created_at})`;
  }

  async list(): Promise<WebhookEndpoint[]> {
    return (await this.sql<EndpointRow[]>`SELECT * FROM webhooks ORDER BY created_at, id`).map(toEndpoint);
  }

  async get(id: string): Promise<(WebhookEndpoint & { secret: string }) | undefined> {
    const [row] = await this.sql<EndpointRow[]>`SELECT * FROM webhooks WHERE id = ${id}`;
    return row && toEndpointWithSecret(row);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM webhooks WHERE id = ${id}`).count === 1;
  }
}

export class PgWebhookDeliveries implements WebhookDeliveries {
  constructor(private readonly sql: Sql) {}

  async enqueue(items: readonly { webhookId: string; msgId: string; event: string; payload: string }[], at: number): Promise<void> {
    if (!items.length) return;
    // One statement for every endpoint; one deleted since it was listed gets nothing (rather than failing them all).
    await this.sql`INSERT INTO webhook_deliveries (webhook_id, msg_id, event, payload, status, next_attempt_at, created_at)
      SELECT i.webhook_id, i.msg_id, i.event, i.payload, 'pending', ${at}::bigint, ${new Date().toISOString()}::text
      FROM unnest(${items.map((i) => i.webhookId)}::text[], ${items.map((i) => i.msgId)}::text[], ${items.map((i) => i.event)}::text[],
        ${items.map((i) => i.payload)}::text[]) AS i(webhook_id, msg_id, event, payload)
      JOIN webhooks w ON w.id = i.webhook_id`;
  }

  async claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows = await this.sql.unsafe<ClaimedRow[]>(
      `WITH due AS (
        SELECT id FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
        ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED
      )
      UPDATE webhook_deliveries SET lease_owner = $3, lease_until = $4 WHERE id IN (SELECT id FROM due)
      RETURNING ${CLAIMED_COLUMNS}`,
      [now, limit, owner, now + leaseMs] as never[],
      { prepare: true },
    );
    return rows.sort((a, b) => a.id - b.id).map(toClaimed);
  }

  async finishAttempt(owner: string, id: number, a: Omit<DeliveryAttempt, 'event' | 'msg_id'>, nextAttemptAt: number | null): Promise<boolean> {
    // The update is the guard: the attempt row is written only when `owner` still held the lease.
    const rows = await this.sql`WITH d AS (
        UPDATE webhook_deliveries SET attempts = attempts + 1, status = ${nextAttemptAt === null ? a.outcome : 'pending'},
          next_attempt_at = ${nextAttemptAt}, lease_owner = NULL, lease_until = NULL
        WHERE id = ${id} AND lease_owner = ${owner}
        RETURNING id, webhook_id
      )
      INSERT INTO webhook_attempts (delivery_id, webhook_id, attempted_at, status_code, duration_ms, error, outcome)
      SELECT id, webhook_id, ${a.attempted_at}::text, ${a.status_code}::integer, ${a.duration_ms}::double precision, ${a.error}::text, ${a.outcome}::text
      FROM d
      RETURNING 1`;
    return rows.length === 1;
  }

  /** Shared by instances: a lease may belong to a live worker elsewhere, so it is left to expire. */
  async releaseLeases(): Promise<void> {}

  async leaseHolders(now = Date.now()): Promise<string[]> {
    const rows = await this.sql<{ owner: string }[]>`SELECT DISTINCT lease_owner AS owner FROM webhook_deliveries
      WHERE status = 'pending' AND lease_until > ${now} AND lease_owner IS NOT NULL`;
    return rows.map((r) => r.owner);
  }

  async expireLeases(owner: string): Promise<number> {
    return (await this.sql`UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL WHERE status = 'pending' AND lease_owner = ${owner}`).count;
  }

  async nextDueAt(): Promise<number | undefined> {
    const [{ at }] = await this.sql<{ at: number | null }[]>`SELECT min(greatest(next_attempt_at, coalesce(lease_until, 0))) AS at
      FROM webhook_deliveries WHERE status = 'pending'`;
    return at ?? undefined;
  }

  async recent(webhookId: string, limit: number): Promise<DeliveryAttempt[]> {
    return [...(await this.sql.unsafe<DeliveryAttempt[]>(
      `SELECT ${WEBHOOK_ATTEMPT_COLUMNS} FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
      WHERE a.webhook_id = $1 ORDER BY a.id DESC LIMIT $2`,
      [webhookId, limit] as never[],
      { prepare: true },
    ))];
  }
}
