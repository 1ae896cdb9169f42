// DeliveryEvents on PostgreSQL: one statement per batch matches each event to its email, inserts it with
// ON CONFLICT DO NOTHING on (provider, dedupe key) — so the same event posted to two instances at once is stored
// by exactly one — and moves delivery_status on, never back to an earlier occurred_at.
import { DELIVERY_STATUSES, type DeliveryEvent, type InboundEvent } from '../../core/delivery-event.js';
import type { DeliveryEvents, RecordResult, StoredEvent } from '../delivery-events.js';
import { EVENT_COLUMNS } from '../event-rows.js';
import type { Sql } from './connect.js';

interface OutcomeRow {
  /** the event's position in the batch, from 1 */
  n: number;
  /** the matched email, null when no email of this provider has that message id */
  email_id: number | null;
  message_id: string | null;
  /** the row inserted for the event's dedupe key by this statement, null when it was stored before */
  event_id: number | null;
}

export class PgDeliveryEvents implements DeliveryEvents {
  /** `changed` announces the emails whose record (delivery_status, events) changed, after the commit. */
  constructor(
    private readonly sql: Sql,
    private readonly changed: (ids: readonly number[]) => Promise<void>,
  ) {}

  async record(providerId: string, events: readonly InboundEvent[]): Promise<RecordResult> {
    if (!events.length) return { stored: [], duplicates: 0, unknown: [] };
    // An event matches the latest email of this provider with its message key (as in SQLite). Inserts go in
    // dedupe-key order and the emails are locked in id order, so two instances recording overlapping batches
    // wait for each other instead of deadlocking. Data-modifying CTEs run to completion even when unread.
    const rows = await this.sql.unsafe<OutcomeRow[]>(
      `WITH input AS (
        SELECT x.n, x.e->>'message_key' AS message_key, x.e->>'type' AS type, x.e->>'bounce_type' AS bounce_type,
          x.e->>'recipient' AS recipient, x.e->>'occurred_at' AS occurred_at, x.e->>'detail' AS detail, x.e->>'url' AS url,
          x.e->>'dedupe_key' AS dedupe_key
        FROM jsonb_array_elements($2::text::jsonb) WITH ORDINALITY AS x(e, n)
      ), matched AS (
        SELECT i.*, m.id AS email_id, m.message_id FROM input i
        CROSS JOIN LATERAL (
          SELECT id, message_id FROM emails
          WHERE message_id IS NOT NULL AND message_key(message_id) = i.message_key AND provider_id = $1
          ORDER BY id DESC LIMIT 1
        ) m
      ), ins AS (
        INSERT INTO delivery_events (email_id, provider_id, type, bounce_type, recipient, occurred_at, detail, url, dedupe_key)
        SELECT email_id, $1, type, bounce_type, recipient, occurred_at, detail, url, dedupe_key FROM matched ORDER BY dedupe_key, n
        ON CONFLICT (provider_id, dedupe_key) DO NOTHING
        RETURNING id, email_id, type, occurred_at, dedupe_key
      ), latest AS (
        SELECT DISTINCT ON (email_id) email_id, type, occurred_at FROM ins
        WHERE type = ANY($3::text[]) ORDER BY email_id, occurred_at DESC, id DESC
      ), locked AS MATERIALIZED (
        SELECT e.id FROM emails e JOIN latest l ON l.email_id = e.id ORDER BY e.id FOR NO KEY UPDATE OF e
      ), advanced AS (
        UPDATE emails e SET delivery_status = l.type, delivery_status_at = l.occurred_at
        FROM latest l JOIN locked k ON k.id = l.email_id
        WHERE e.id = l.email_id AND (e.delivery_status_at IS NULL OR e.delivery_status_at <= l.occurred_at)
      )
      SELECT i.n, m.email_id, m.message_id, s.id AS event_id
      FROM input i LEFT JOIN matched m ON m.n = i.n LEFT JOIN ins s ON s.dedupe_key = m.dedupe_key
      ORDER BY i.n`,
      [providerId, JSON.stringify(events), [...DELIVERY_STATUSES]] as never[],
      { prepare: true },
    );
    const stored: StoredEvent[] = [];
    const unknown: InboundEvent[] = [];
    const inserted = new Set<number>();
    let duplicates = 0;
    for (const r of rows) {
      const e = events[r.n - 1];
      if (r.email_id === null) unknown.push(e);
      // The same key twice in one batch: the first is the one stored.
      else if (r.event_id === null || inserted.has(r.event_id)) duplicates++;
      else {
        inserted.add(r.event_id);
        const { message_key: _k, dedupe_key: _d, ...event } = e;
        stored.push({ ...event, log_id: r.email_id, message_id: r.message_id! });
      }
    }
    if (stored.length) await this.changed([...new Set(stored.map((s) => s.log_id))]);
    return { stored, duplicates, unknown };
  }

  async forEmail(logId: number): Promise<DeliveryEvent[]> {
    // A plain array, not the driver's Result.
    return [...(await this.sql.unsafe<DeliveryEvent[]>(`SELECT ${EVENT_COLUMNS} FROM delivery_events WHERE email_id = $1 ORDER BY occurred_at, id`, [logId], { prepare: true }))];
  }
}
