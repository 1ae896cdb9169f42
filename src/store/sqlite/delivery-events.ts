// SQLite DeliveryEvents: events on their emails, deduplicated by (provider, dedupe key); the email's
// `delivery_status` follows its latest delivery-status event by occurred_at.
import type { Statement } from 'better-sqlite3';
import { DELIVERY_STATUSES, type DeliveryEvent, type InboundEvent } from '../../core/delivery-event.js';
import type { DeliveryEvents, RecordResult, StoredEvent } from '../delivery-events.js';
import { EVENT_COLUMNS } from '../event-rows.js';
import type { Db } from './database.js';

export class SqliteDeliveryEvents implements DeliveryEvents {
  private readonly findEmail: Statement;
  private readonly insert: Statement;
  private readonly advanceStatus: Statement;
  private readonly select: Statement;

  /** `changed` announces an email whose record (delivery_status, events) changed. */
  constructor(private readonly db: Db, private readonly changed: (logId: number) => void = () => {}) {
    // Latest email of this provider with this message key: message_key is generated from message_id.
    this.findEmail = db.prepare('SELECT id, message_id FROM emails WHERE message_key = ? AND provider_id = ? ORDER BY id DESC LIMIT 1');
    this.insert = db.prepare(`INSERT INTO delivery_events (email_id, provider_id, type, bounce_type, recipient, occurred_at, detail, url, dedupe_key)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider_id, dedupe_key) DO NOTHING`);
    this.advanceStatus = db.prepare(`UPDATE emails SET delivery_status = ?, delivery_status_at = ?
      WHERE id = ? AND (delivery_status_at IS NULL OR delivery_status_at <= ?)`);
    this.select = db.prepare(`SELECT ${EVENT_COLUMNS} FROM delivery_events WHERE email_id = ? ORDER BY occurred_at, id`);
  }

  async record(providerId: string, events: readonly InboundEvent[]): Promise<RecordResult> {
    const stored: StoredEvent[] = [];
    const unknown: InboundEvent[] = [];
    let duplicates = 0;
    this.db.transaction(() => {
      for (const e of events) {
        const email = this.findEmail.get(e.message_key, providerId) as { id: number; message_id: string } | undefined;
        if (!email) {
          unknown.push(e);
          continue;
        }
        const r = this.insert.run(email.id, providerId, e.type, e.bounce_type, e.recipient, e.occurred_at, e.detail, e.url, e.dedupe_key);
        if (r.changes === 0) {
          duplicates++;
          continue;
        }
        if (DELIVERY_STATUSES.includes(e.type)) this.advanceStatus.run(e.type, e.occurred_at, email.id, e.occurred_at);
        const { message_key: _k, dedupe_key: _d, ...event } = e;
        stored.push({ ...event, log_id: email.id, message_id: email.message_id });
      }
    })();
    for (const id of new Set(stored.map((s) => s.log_id))) this.changed(id);
    return { stored, duplicates, unknown };
  }

  async forEmail(logId: number): Promise<DeliveryEvent[]> {
    return this.select.all(logId) as DeliveryEvent[];
  }
}
