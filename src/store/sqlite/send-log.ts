// SendLog on SQLite: writes share group commits; reads are single statements; counters summed per batch for new
// emails (counters.ts) and by triggers for status changes; the search index kept a little behind (search-index.ts).
import { statsFromCounters } from '../stats.js';
import type { Statement } from 'better-sqlite3';
import type { Message } from '../../core/message.js';
import type { LogDetail, LogFilter, LogSummary, Stats } from '../../core/email-log.js';
import type { NewEmail, SendLog, StoredMessage, Transition } from '../send-log.js';
import { statementCache, type Db } from './database.js';
import type { GroupCommit } from './group-commit.js';
import type { Announcer } from './announcer.js';
import { NEW_EMAIL_COLUMN_COUNT, NEW_EMAIL_COLUMNS, newEmailRow } from '../new-email-row.js';
import type { NewEmailCounters } from './counters.js';
import type { SearchIndexer } from './search-index.js';
import { partsOf } from '../../smtp/parse.js';
import { FILTER_SCAN_CAP, SEARCH_SCAN_CAP, toFtsQuery } from '../search.js';
import { deserializeMessage, SUMMARY_COLUMNS, toDetail, toSummary, type AttemptRow, type SummaryRow } from './log-rows.js';

export class SqliteSendLog implements SendLog {
  private readonly prepared: (sql: string) => Statement;
  private readonly insertEmail: Statement;
  private readonly insertAttempt: Statement;
  private readonly applyTransition: Statement;

  constructor(
    db: Db,
    private readonly writes: GroupCommit,
    private readonly changes: Announcer,
    private readonly counters: NewEmailCounters,
    private readonly search: SearchIndexer,
  ) {
    this.prepared = statementCache(db);
    this.insertEmail = db.prepare(`INSERT INTO emails (${NEW_EMAIL_COLUMNS}) VALUES (${Array(NEW_EMAIL_COLUMN_COUNT).fill('?').join(', ')})`);
    this.insertAttempt = db.prepare(`INSERT INTO attempts
      (email_id, provider_id, provider_name, provider_type, started_at, duration_ms, ok, error, error_class)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    // The guards make it a compare-and-set: it applies only while the status and lease holder are as expected.
    this.applyTransition = db.prepare(`UPDATE emails SET status = @to, provider_id = coalesce(@provider_id, provider_id),
      provider_name = coalesce(@provider_name, provider_name), provider_type = coalesce(@provider_type, provider_type),
      processing_time_ms = coalesce(@time, processing_time_ms), message_id = coalesce(@message_id, message_id), error_message = @error,
      attempt_count = attempt_count + @attempts, next_attempt_at = @next, delivery_rounds = delivery_rounds + @round,
      lease_owner = @lease_owner, lease_until = @lease_until, delivery_key = coalesce(@delivery_key, delivery_key),
      pinned_provider = CASE WHEN @pin THEN @pinned ELSE pinned_provider END
      WHERE id = @id AND (@from IS NULL OR status IN (SELECT value FROM json_each(@from))) AND (@holder IS NULL OR lease_owner = @holder)`);
  }

  async record(e: NewEmail): Promise<number> {
    const row = newEmailRow(e);
    const id = await this.writes.run(() => {
      const id = Number(this.insertEmail.run(...row).lastInsertRowid);
      this.counters.count(e.status, e.processingTimeMs ?? null);
      return id;
    });
    this.search.added();
    this.changes.announce(id, e.status, null, true);
    return id;
  }

  async transition(id: number, t: Transition): Promise<boolean> {
    const attempts = t.attempts ?? [];
    const leased = t.to === 'sending' && t.lease;
    const params = {
      id,
      to: t.to,
      from: t.from ? JSON.stringify(t.from) : null,
      holder: t.holder ?? null,
      provider_id: t.provider?.id ?? null,
      provider_name: t.provider?.name ?? null,
      provider_type: t.provider?.type ?? null,
      time: t.processingTimeMs ?? null,
      message_id: t.messageId ?? null,
      error: t.errorMessage ?? null,
      attempts: attempts.length,
      next: t.nextAttemptAt ?? null,
      round: t.countRound ? 1 : 0,
      lease_owner: leased ? t.lease!.owner : null,
      lease_until: leased ? Date.now() + t.lease!.ms : null,
      delivery_key: t.deliveryKey ?? null,
      pin: t.pinnedProvider !== undefined ? 1 : 0,
      pinned: t.pinnedProvider ?? null,
    };
    const applied = await this.writes.run(() => {
      if (this.applyTransition.run(params).changes !== 1) return false;
      for (const a of attempts) {
        this.insertAttempt.run(id, a.provider_id, a.provider_name, a.provider_type, a.started_at, a.duration_ms, a.ok ? 1 : 0, a.error, a.error_class);
      }
      return true;
    });
    if (applied) this.changes.announce(id, t.to, t.provider?.name ?? null, true);
    return applied;
  }

  async summary(id: number): Promise<LogSummary | undefined> {
    return this.changes.readSummary(id);
  }

  async get(id: number): Promise<LogDetail | undefined> {
    const row = this.prepared(`SELECT ${SUMMARY_COLUMNS}, message, raw, suppressed FROM emails WHERE id = ?`).get(id) as
      | (SummaryRow & { message: string; raw: Buffer | null; suppressed: string | null })
      | undefined;
    if (!row) return undefined;
    const stored = JSON.parse(row.message) as Message;
    const m = row.raw ? { ...stored, ...(await partsOf(row.raw, false)) } : stored;
    const attempts = this.prepared(`SELECT provider_id, provider_name, provider_type, started_at, duration_ms, ok, error, error_class
      FROM attempts WHERE email_id = ? ORDER BY id`).all(id) as AttemptRow[];
    return toDetail(row, m, attempts);
  }

  async message(id: number): Promise<StoredMessage | undefined> {
    const row = this.prepared('SELECT message, raw, status, source, delivery_key FROM emails WHERE id = ?').get(id) as
      | { message: string; raw: Buffer | null; status: StoredMessage['status']; source: StoredMessage['source']; delivery_key: string | null }
      | undefined;
    return row && { message: deserializeMessage(row.message, row.raw), status: row.status, source: row.source, deliveryKey: row.delivery_key };
  }

  async list(f: LogFilter): Promise<{ logs: LogSummary[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.q !== undefined && f.q !== '') {
      const match = toFtsQuery(f.q);
      if (match === undefined) return { logs: [], total: 0 };
      this.search.catchUp();
      // The newest SEARCH_SCAN_CAP matches, straight from the index in rowid order: bounded whatever the text.
      where.push(`id IN (SELECT rowid FROM emails_fts WHERE emails_fts MATCH ? ORDER BY rowid DESC LIMIT ${SEARCH_SCAN_CAP})`);
      args.push(match);
    }
    if (f.status) where.push('status = ?'), args.push(f.status);
    if (f.provider) where.push('provider_id = ?'), args.push(f.provider);
    if (f.source) where.push('source = ?'), args.push(f.source);
    if (f.apiKey) where.push('api_key = ?'), args.push(f.apiKey);
    if (f.delivery_status) where.push('delivery_status = ?'), args.push(f.delivery_status);
    const window = f.q ? undefined : filterWindow(f);
    if (window) where.unshift(window.clause), args.unshift(...window.args);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.prepared(`SELECT ${SUMMARY_COLUMNS} FROM emails ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`).all(
      ...args,
      f.limit,
      f.offset,
    ) as SummaryRow[];
    return { logs: rows.map(toSummary), total: this.count(f, clause, args) };
  }

  /**
   * Counters answer the unfiltered and status-only totals without a scan; one indexed filter alone counts over
   * its index; a search counts within its cap, and any other combination within its window (filterWindow).
   */
  private count(f: LogFilter, clause: string, args: unknown[]): number {
    if (!f.provider && !f.source && !f.q && !f.apiKey && !f.delivery_status) return this.counter(f.status ? `status:${f.status}` : 'total');
    return (this.prepared(`SELECT count(*) AS n FROM emails ${clause}`).get(...args) as { n: number }).n;
  }

  async changed(id: number): Promise<void> {
    const s = this.changes.readSummary(id);
    if (s) this.changes.announce(id, s.status, s.provider_name, false);
  }

  counter(key: string): number {
    const row = this.prepared('SELECT value FROM counters WHERE key = ?').get(key) as { value: number } | undefined;
    return row?.value ?? 0;
  }

  async stats(): Promise<Stats> {
    const rows = this.prepared('SELECT key, value FROM counters').all() as { key: string; value: number }[];
    return statsFromCounters(rows);
  }

}

/**
 * A filter that no single index answers (`source`, or two conditions at once) would otherwise scan until it found
 * a page, every row when few match, and count every match: seconds at 1 M records, on the event loop. It reads
 * instead at most the newest FILTER_SCAN_CAP emails of its most selective indexed condition (or the newest
 * overall), so page and `total` come from them and `total` is capped there, as a search's is.
 */
function filterWindow(f: LogFilter): { clause: string; args: unknown[] } | undefined {
  const conditions = [f.status, f.provider, f.source, f.apiKey, f.delivery_status].filter((v) => v !== undefined && v !== '').length;
  const indexedAlone = conditions === 1 && !f.source;
  if (conditions === 0 || indexedAlone) return undefined;
  const [column, value] = f.provider ? ['provider_id', f.provider] : f.apiKey ? ['api_key', f.apiKey] : f.delivery_status ? ['delivery_status', f.delivery_status] : f.status ? ['status', f.status] : [];
  const inner = column ? `WHERE ${column} = ? ` : '';
  return { clause: `id IN (SELECT id FROM emails ${inner}ORDER BY id DESC LIMIT ${FILTER_SCAN_CAP})`, args: column ? [value] : [] };
}
