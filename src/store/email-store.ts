// The send log: one record per accepted email with its attempts. Emits `log` on every new or changed
// record; imports nothing from HTTP. Promise-returning so another backend can sit behind the same shape.
import { EventEmitter } from 'node:events';
import type { Statement } from 'better-sqlite3';
import { formatAddress, type Message } from '../core/message.js';
import type { ErrorClass } from '../core/receipt.js';
import type { Db } from './sqlite.js';
import { GroupCommit } from './group-commit.js';
import { toFtsQuery } from './search.js';
import { partsOf } from '../smtp/parse.js';

/**
 * A search walks at most this many of the newest matching records: the page and `total` both come from
 * them, so a term found in every record costs the same as a rare one. `total` is therefore capped here.
 */
export const SEARCH_SCAN_CAP = 1_000;

export type EmailStatus = 'queued' | 'sending' | 'success' | 'failed' | 'sandbox' | 'scheduled' | 'canceled';
export const SOURCES = ['api', 'smtp', 'resend', 'sendgrid', 'postmark'] as const;
export type Source = (typeof SOURCES)[number];

export interface ProviderRef {
  readonly id: string;
  readonly name: string;
  readonly type: string;
}

export interface AttemptRecord {
  readonly provider_id: string;
  readonly provider_name: string;
  readonly provider_type: string;
  readonly started_at: string;
  readonly duration_ms: number;
  readonly ok: boolean;
  readonly error: string | null;
  readonly error_class: ErrorClass | null;
}

export interface NewEmail {
  readonly source: Source;
  /** the credential that submitted it (key name or "AUTH_TOKEN"); null without auth */
  readonly apiKey?: string | null;
  readonly status: EmailStatus;
  readonly message: Message;
  readonly idempotencyKey?: string;
  /** the key providers deduplicate on (Resend's Idempotency-Key): the client's key or a random one */
  readonly deliveryKey?: string;
  readonly processingTimeMs?: number;
  /** epoch ms when the queue should pick it up */
  readonly nextAttemptAt?: number;
  /** a scheduled send's time (status `scheduled`; the queue claims it at `nextAttemptAt`) */
  readonly sendAt?: Date;
}

export interface Outcome {
  readonly status: EmailStatus;
  readonly provider?: ProviderRef;
  readonly processingTimeMs?: number;
  readonly messageId?: string | null;
  readonly errorMessage?: string | null;
  readonly attempts: readonly AttemptRecord[];
  readonly nextAttemptAt?: number | null;
  /** the queue finished one more delivery round */
  readonly countRound?: boolean;
}

/** A queued email claimed by the worker. */
export interface ClaimedEmail {
  readonly id: number;
  readonly message: Message;
  readonly deliveryKey: string | null;
  /** delivery rounds already made */
  readonly rounds: number;
  readonly createdAt: string;
}

export interface LogSummary {
  id: number;
  timestamp: string;
  from_address: string;
  to_addresses: string[];
  subject: string;
  provider_id: string | null;
  provider_name: string | null;
  provider_type: string | null;
  status: EmailStatus;
  processing_time_ms: number | null;
  message_id: string | null;
  error_message: string | null;
  source: Source;
  attempt_count: number;
  api_key: string | null;
  send_at: string | null;
}

export interface LogDetail extends LogSummary {
  cc: string[];
  bcc: string[];
  reply_to: string | null;
  body_text: string | null;
  body_html: string | null;
  headers: Record<string, string>;
  tags: Record<string, string>;
  attachments: { filename: string; content_type: string; size: number }[];
  attempts: AttemptRecord[];
}

export interface LogFilter {
  readonly limit: number;
  readonly offset: number;
  readonly status?: string;
  readonly provider?: string;
  readonly q?: string;
  readonly source?: string;
  readonly apiKey?: string;
}

export interface Stats {
  total: number;
  total_sent: number;
  total_failed: number;
  total_sandbox: number;
  total_queued: number;
  total_scheduled: number;
  avg_processing_time_ms: number;
  by_provider: Record<string, { sent: number; failed: number }>;
}

const SUMMARY_COLUMNS = `id, created_at, from_address, to_addresses, subject, provider_id, provider_name, provider_type,
  status, processing_time_ms, message_id, error_message, source, attempt_count, api_key, send_at`;

interface SummaryRow {
  id: number;
  created_at: string;
  from_address: string;
  to_addresses: string;
  subject: string;
  provider_id: string | null;
  provider_name: string | null;
  provider_type: string | null;
  status: EmailStatus;
  processing_time_ms: number | null;
  message_id: string | null;
  error_message: string | null;
  source: Source;
  attempt_count: number;
  api_key: string | null;
  send_at: string | null;
}

const toSummary = (r: SummaryRow): LogSummary => ({
  id: r.id,
  timestamp: r.created_at,
  from_address: r.from_address,
  to_addresses: JSON.parse(r.to_addresses),
  subject: r.subject,
  provider_id: r.provider_id,
  provider_name: r.provider_name,
  provider_type: r.provider_type,
  status: r.status,
  processing_time_ms: r.processing_time_ms,
  message_id: r.message_id,
  error_message: r.error_message,
  source: r.source,
  attempt_count: r.attempt_count,
  api_key: r.api_key,
  send_at: r.send_at,
});

/**
 * A Message as stored: everything but the raw source, which has its own column. With a raw source the
 * body parts are not stored again (as JSON and base64): readers derive them from it (`partsOf`).
 */
const serializeMessage = (m: Message): string =>
  JSON.stringify(m.raw ? { ...m, raw: undefined, text: undefined, html: undefined, attachments: [] } : m);

export function deserializeMessage(json: string, raw: Buffer | null): Message {
  const m = JSON.parse(json) as Message;
  return raw ? { ...m, raw } : m;
}

export class EmailStore extends EventEmitter {
  private readonly statements = new Map<string, Statement>();
  private readonly insertEmail: Statement;
  private readonly insertSearch: Statement;
  private readonly insertAttempt: Statement;
  private readonly updateOutcome: Statement;
  private readonly selectSummary: Statement;
  private readonly writes: GroupCommit;

  constructor(readonly db: Db) {
    super();
    this.writes = new GroupCommit(db);
    this.insertEmail = db.prepare(`INSERT INTO emails
      (created_at, source, status, from_address, to_addresses, subject, processing_time_ms, message, raw, idempotency_key, next_attempt_at, delivery_key, api_key, send_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertSearch = db.prepare('INSERT INTO emails_fts(rowid, subject, addresses) VALUES (?, ?, ?)');
    this.insertAttempt = db.prepare(`INSERT INTO attempts
      (email_id, provider_id, provider_name, provider_type, started_at, duration_ms, ok, error, error_class)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.updateOutcome = db.prepare(`UPDATE emails SET status = ?, provider_id = coalesce(?, provider_id),
      provider_name = coalesce(?, provider_name), provider_type = coalesce(?, provider_type),
      processing_time_ms = coalesce(?, processing_time_ms), message_id = coalesce(?, message_id), error_message = ?,
      attempt_count = attempt_count + ?, next_attempt_at = ?, delivery_rounds = delivery_rounds + ? WHERE id = ?`);
    this.selectSummary = db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM emails WHERE id = ?`);
  }

  /** Stores a new email (durably, before any response) and returns its id. */
  async record(e: NewEmail): Promise<number> {
    const m = e.message;
    const row = [
      new Date().toISOString(),
      e.source,
      e.status,
      formatAddress(m.from),
      JSON.stringify(m.envelope ? m.envelope.to : m.to.map(formatAddress)),
      m.subject,
      e.processingTimeMs ?? null,
      serializeMessage(m),
      m.raw ?? null,
      e.idempotencyKey ?? null,
      e.nextAttemptAt ?? null,
      e.deliveryKey ?? null,
      e.apiKey ?? null,
      e.sendAt?.toISOString() ?? null,
    ];
    // The search row joins the same group-commit transaction: FTS5 buffers it with the batch's others.
    const addresses = `${row[3]} ${row[4]}`;
    const id = await this.writes.run(() => {
      const id = Number(this.insertEmail.run(...row).lastInsertRowid);
      this.insertSearch.run(id, m.subject, addresses);
      return id;
    });
    this.emit('status', e.status, null);
    this.announce(id);
    return id;
  }

  /** Appends attempts and sets the status (and provider, timing, ids) in one transaction. */
  async complete(id: number, o: Outcome): Promise<void> {
    await this.writes.run(() => {
      for (const a of o.attempts) {
        this.insertAttempt.run(id, a.provider_id, a.provider_name, a.provider_type, a.started_at, a.duration_ms, a.ok ? 1 : 0, a.error, a.error_class);
      }
      this.updateOutcome.run(
        o.status,
        o.provider?.id ?? null,
        o.provider?.name ?? null,
        o.provider?.type ?? null,
        o.processingTimeMs ?? null,
        o.messageId ?? null,
        o.errorMessage ?? null,
        o.attempts.length,
        o.nextAttemptAt ?? null,
        o.countRound ? 1 : 0,
        id,
      );
    });
    this.emit('status', o.status, o.provider?.name ?? null);
    this.announce(id);
  }

  /** Moves a record from one status to another only if it is still in the first (setting its delivery key when given); false otherwise. */
  async transition(id: number, from: EmailStatus, to: EmailStatus, set: { readonly deliveryKey?: string } = {}): Promise<boolean> {
    const changed =
      this.prepared('UPDATE emails SET status = ?, delivery_key = coalesce(?, delivery_key) WHERE id = ? AND status = ?').run(to, set.deliveryKey ?? null, id, from).changes === 1;
    if (changed) this.announce(id);
    return changed;
  }

  /**
   * Claims up to `limit` due queued emails: they become `sending` with a lease, so a crash leaves them
   * to `requeueInterrupted` at the next start.
   */
  async claimDue(now: number, limit: number): Promise<ClaimedEmail[]> {
    const rows = this.prepared(`UPDATE emails SET status = 'sending' WHERE id IN
      (SELECT id FROM emails WHERE status IN ('queued', 'scheduled') AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?)
      RETURNING id, message, raw, delivery_key, delivery_rounds, created_at`).all(now, limit) as {
      id: number;
      message: string;
      raw: Buffer | null;
      delivery_key: string | null;
      delivery_rounds: number;
      created_at: string;
    }[];
    for (const r of rows) this.announce(r.id);
    return rows.map((r) => ({ id: r.id, message: deserializeMessage(r.message, r.raw), deliveryKey: r.delivery_key, rounds: r.delivery_rounds, createdAt: r.created_at }));
  }

  /** When the next queued or scheduled email falls due (epoch ms), or undefined when none waits. */
  async nextDueAt(): Promise<number | undefined> {
    const row = this.prepared(`SELECT min(next_attempt_at) AS at FROM emails WHERE status IN ('queued', 'scheduled')`).get() as { at: number | null };
    return row.at ?? undefined;
  }

  /** At start nothing is in flight: whatever was `sending` when the process died goes back to the queue. */
  async requeueInterrupted(now: number): Promise<number> {
    return this.prepared(`UPDATE emails SET status = 'queued', next_attempt_at = ? WHERE status = 'sending'`).run(now).changes;
  }

  /** Emails waiting or in flight, from the counters (no scan). */
  async queueDepth(): Promise<number> {
    return this.counter('status:queued') + this.counter('status:sending');
  }

  async summary(id: number): Promise<LogSummary | undefined> {
    const row = this.selectSummary.get(id) as SummaryRow | undefined;
    return row && toSummary(row);
  }

  async get(id: number): Promise<LogDetail | undefined> {
    const row = this.prepared(`SELECT ${SUMMARY_COLUMNS}, message, raw FROM emails WHERE id = ?`).get(id) as
      | (SummaryRow & { message: string; raw: Buffer | null })
      | undefined;
    if (!row) return undefined;
    const stored = JSON.parse(row.message) as Message;
    const m = row.raw ? { ...stored, ...(await partsOf(row.raw, false)) } : stored;
    const attempts = (this.prepared(`SELECT provider_id, provider_name, provider_type, started_at, duration_ms, ok, error, error_class
      FROM attempts WHERE email_id = ? ORDER BY id`).all(id) as (Omit<AttemptRecord, 'ok'> & { ok: number })[]).map((a) => ({ ...a, ok: a.ok === 1 }));
    return {
      ...toSummary(row),
      cc: m.cc.map(formatAddress),
      bcc: m.bcc.map(formatAddress),
      reply_to: m.replyTo ? formatAddress(m.replyTo) : null,
      body_text: m.text ?? null,
      body_html: m.html ?? null,
      headers: { ...m.headers },
      tags: { ...m.tags },
      attachments: m.attachments.map((a) => ({ filename: a.filename, content_type: a.contentType, size: a.size })),
      attempts,
    };
  }

  /** The stored Message (with raw source when it came over SMTP), for raw view, release and the queue. */
  async message(id: number): Promise<{ message: Message; status: EmailStatus; source: Source } | undefined> {
    const row = this.prepared('SELECT message, raw, status, source FROM emails WHERE id = ?').get(id) as
      | { message: string; raw: Buffer | null; status: EmailStatus; source: Source }
      | undefined;
    return row && { message: deserializeMessage(row.message, row.raw), status: row.status, source: row.source };
  }

  async list(f: LogFilter): Promise<{ logs: LogSummary[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.q !== undefined && f.q !== '') {
      const match = toFtsQuery(f.q);
      if (match === undefined) return { logs: [], total: 0 };
      // The newest SEARCH_SCAN_CAP matches, straight from the index in rowid order: bounded whatever the text.
      where.push(`id IN (SELECT rowid FROM emails_fts WHERE emails_fts MATCH ? ORDER BY rowid DESC LIMIT ${SEARCH_SCAN_CAP})`);
      args.push(match);
    }
    if (f.status) where.push('status = ?'), args.push(f.status);
    if (f.provider) where.push('provider_id = ?'), args.push(f.provider);
    if (f.source) where.push('source = ?'), args.push(f.source);
    if (f.apiKey) where.push('api_key = ?'), args.push(f.apiKey);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.prepared(`SELECT ${SUMMARY_COLUMNS} FROM emails ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`).all(
      ...args,
      f.limit,
      f.offset,
    ) as SummaryRow[];
    return { logs: rows.map(toSummary), total: this.count(f, clause, args) };
  }

  /** Counters answer the unfiltered and status-only totals without a scan; a search counts within its cap. */
  private count(f: LogFilter, clause: string, args: unknown[]): number {
    if (!f.provider && !f.source && !f.q && !f.apiKey) return this.counter(f.status ? `status:${f.status}` : 'total');
    return (this.prepared(`SELECT count(*) AS n FROM emails ${clause}`).get(...args) as { n: number }).n;
  }

  private counter(key: string): number {
    const row = this.prepared('SELECT value FROM counters WHERE key = ?').get(key) as { value: number } | undefined;
    return row?.value ?? 0;
  }

  async stats(): Promise<Stats> {
    const rows = this.prepared('SELECT key, value FROM counters').all() as { key: string; value: number }[];
    const c = new Map(rows.map((r) => [r.key, r.value]));
    const byProvider: Stats['by_provider'] = {};
    for (const [key, value] of c) {
      const m = /^(sent|failed):(.*)$/s.exec(key);
      if (!m || value === 0) continue;
      byProvider[m[2]] ??= { sent: 0, failed: 0 };
      byProvider[m[2]][m[1] as 'sent' | 'failed'] = value;
    }
    const n = c.get('time_n') ?? 0;
    return {
      total: c.get('total') ?? 0,
      total_sent: c.get('status:success') ?? 0,
      total_failed: c.get('status:failed') ?? 0,
      total_sandbox: c.get('status:sandbox') ?? 0,
      total_queued: (c.get('status:queued') ?? 0) + (c.get('status:sending') ?? 0),
      total_scheduled: c.get('status:scheduled') ?? 0,
      avg_processing_time_ms: n > 0 ? Math.round(((c.get('time_sum') ?? 0) / n) * 100) / 100 : 0,
      by_provider: byProvider,
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private announce(id: number): void {
    if (this.listenerCount('log') === 0) return;
    const row = this.selectSummary.get(id) as SummaryRow | undefined;
    if (row) this.emit('log', toSummary(row));
  }

  private prepared(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }
}
