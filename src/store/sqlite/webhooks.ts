// SQLite Webhooks and WebhookDeliveries. The lease columns make a claim exclusive until it expires.
import type { ClaimedDelivery, DeliveryAttempt, WebhookDeliveries, WebhookEndpoint, Webhooks } from '../webhooks.js';
import { WEBHOOK_ATTEMPT_COLUMNS, CLAIMED_COLUMNS, toClaimed, toEndpoint, toEndpointWithSecret, type ClaimedRow, type EndpointRow } from '../event-rows.js';
import type { Db } from './database.js';

export class SqliteWebhooks implements Webhooks {
  constructor(private readonly db: Db) {}

  async create(e: WebhookEndpoint & { secret: string }): Promise<void> {
    this.db.prepare('INSERT INTO webhooks (id, url, events, description, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(e.id, e.url, JSON.stringify(e.events), e.description, e.secret, e.created_at);
  }

  async list(): Promise<WebhookEndpoint[]> {
    return (this.db.prepare('SELECT * FROM webhooks ORDER BY created_at, id').all() as EndpointRow[]).map(toEndpoint);
  }

  async get(id: string): Promise<(WebhookEndpoint & { secret: string }) | undefined> {
    const row = this.db.prepare('SELECT * FROM webhooks WHERE id = ?').get(id) as EndpointRow | undefined;
    return row && toEndpointWithSecret(row);
  }

  async delete(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM webhooks WHERE id = ?').run(id).changes === 1;
  }
}

export class SqliteWebhookDeliveries implements WebhookDeliveries {
  constructor(private readonly db: Db) {}

  async enqueue(items: readonly { webhookId: string; msgId: string; event: string; payload: string }[], at: number): Promise<void> {
    const insert = this.db.prepare(`INSERT INTO webhook_deliveries (webhook_id, msg_id, event, payload, status, next_attempt_at, created_at)
      VALUES (?, ?, ?, ?, 'pending', ?, ?)`);
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const i of items) insert.run(i.webhookId, i.msgId, i.event, i.payload, at, now);
    })();
  }

  async claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows = this.db
      .prepare(`UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ? WHERE id IN
        (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
         ORDER BY next_attempt_at LIMIT ?)
        RETURNING ${CLAIMED_COLUMNS}`)
      .all(owner, now + leaseMs, now, now, limit) as ClaimedRow[];
    return rows.map(toClaimed);
  }

  async finishAttempt(owner: string, id: number, a: Omit<DeliveryAttempt, 'event' | 'msg_id'>, nextAttemptAt: number | null): Promise<boolean> {
    return this.db.transaction(() => {
      const row = this.db
        .prepare(`UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL
          WHERE id = ? AND lease_owner = ? RETURNING webhook_id`)
        .get(nextAttemptAt === null ? a.outcome : 'pending', nextAttemptAt, id, owner) as { webhook_id: string } | undefined;
      if (!row) return false;
      this.db.prepare('INSERT INTO webhook_attempts (delivery_id, webhook_id, attempted_at, status_code, duration_ms, error, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, row.webhook_id, a.attempted_at, a.status_code, a.duration_ms, a.error, a.outcome);
      return true;
    })();
  }

  async releaseLeases(): Promise<void> {
    this.db.prepare(`UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL WHERE status = 'pending' AND lease_until IS NOT NULL`).run();
  }

  async leaseHolders(now = Date.now()): Promise<string[]> {
    return this.db.prepare(`SELECT DISTINCT lease_owner FROM webhook_deliveries WHERE status = 'pending' AND lease_until > ? AND lease_owner IS NOT NULL`).pluck().all(now) as string[];
  }

  async expireLeases(owner: string): Promise<number> {
    return this.db.prepare(`UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL WHERE status = 'pending' AND lease_owner = ?`).run(owner).changes;
  }

  async nextDueAt(): Promise<number | undefined> {
    const row = this.db.prepare(`SELECT min(max(next_attempt_at, coalesce(lease_until, 0))) AS at FROM webhook_deliveries WHERE status = 'pending'`).get() as { at: number | null };
    return row.at ?? undefined;
  }

  async recent(webhookId: string, limit: number): Promise<DeliveryAttempt[]> {
    return this.db
      .prepare(`SELECT ${WEBHOOK_ATTEMPT_COLUMNS} FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
        WHERE a.webhook_id = ? ORDER BY a.id DESC LIMIT ?`)
      .all(webhookId, limit) as DeliveryAttempt[];
  }
}
