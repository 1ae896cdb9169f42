// SendLog on PostgreSQL: every write is one statement (data-modifying CTEs keep an outcome and its attempts
// atomic). Concurrent new emails share one multi-row INSERT and concurrent transitions one transaction, and each
// resolves only after its commit is durable.
import { statsFromCounters } from '../stats.js';
import { likeSubstring } from '../event-rows.js';
import type { EmailStatus, LogDetail, LogFilter, LogSummary, Stats } from '../../core/email-log.js';
import type { NewEmail, SendLog, StoredMessage, Transition } from '../send-log.js';
import { deserializeMessage, toDetail, toSummary, type AttemptRow, type SummaryRow } from '../sqlite/log-rows.js';
import type { Sql } from './connect.js';
import type { Changes } from './changes.js';
import { NEW_EMAIL_COLUMN_COUNT, NEW_EMAIL_COLUMNS, newEmailRow } from '../new-email-row.js';
import { ATTEMPT_COLUMNS, SUMMARY_COLUMNS } from './rows.js';
import { TurnBatch } from './turn-batch.js';

/** The most emails one INSERT carries (17 × 50 parameters). */
const RECORD_BATCH = 50;

/** The most transitions one transaction carries. */
const TRANSITION_BATCH = 50;

// The guards make it a compare-and-set; the attempts are inserted only when the update applied.
const TRANSITION_SQL = `WITH u AS (
    UPDATE emails SET status = $2, provider_id = coalesce($5, provider_id), provider_name = coalesce($6, provider_name),
      provider_type = coalesce($7, provider_type), processing_time_ms = coalesce($8, processing_time_ms),
      message_id = coalesce($9, message_id), error_message = $10, attempt_count = attempt_count + $11,
      next_attempt_at = $12, delivery_rounds = delivery_rounds + $13, lease_owner = $14, lease_until = $15,
      pinned_provider = CASE WHEN $17::boolean THEN $18::text ELSE pinned_provider END
    WHERE id = $1 AND ($3::text[] IS NULL OR status = ANY($3::text[])) AND ($4::text IS NULL OR lease_owner = $4)
    RETURNING *
  ), a AS (
    INSERT INTO attempts (email_id, provider_id, provider_name, provider_type, started_at, duration_ms, ok, error, error_class)
    SELECT u.id, x.a->>'provider_id', x.a->>'provider_name', x.a->>'provider_type', x.a->>'started_at',
      (x.a->>'duration_ms')::double precision, (x.a->>'ok')::boolean, x.a->>'error', x.a->>'error_class'
    FROM u, jsonb_array_elements($16::text::jsonb) WITH ORDINALITY AS x(a, n)
    ORDER BY x.n
  )
  SELECT ${SUMMARY_COLUMNS} FROM u`;

function transitionParams(id: number, t: Transition): unknown[] {
  const attempts = t.attempts ?? [];
  const leased = t.to === 'sending' && t.lease;
  return [
    id,
    t.to,
    t.from ? [...t.from] : null,
    t.holder ?? null,
    t.provider?.id ?? null,
    t.provider?.name ?? null,
    t.provider?.type ?? null,
    t.processingTimeMs ?? null,
    t.messageId ?? null,
    t.errorMessage ?? null,
    attempts.length,
    t.nextAttemptAt ?? null,
    t.countRound ? 1 : 0,
    leased ? t.lease!.owner : null,
    leased ? Date.now() + t.lease!.ms : null,
    JSON.stringify(attempts),
    t.pinnedProvider !== undefined,
    t.pinnedProvider ?? null,
  ];
}

export class PgSendLog implements SendLog {
  constructor(
    private readonly sql: Sql,
    private readonly changes: Changes,
  ) {}

  /**
   * Records made in the same event-loop turn share one multi-row INSERT: one round trip and one durable commit
   * for a burst of concurrent sends instead of one each.
   */
  private readonly records = new TurnBatch((rows: readonly unknown[][]) => this.insertRows(rows), RECORD_BATCH);

  async record(e: NewEmail): Promise<number> {
    const row = await this.records.add(newEmailRow(e));
    this.changes.announce(row, true);
    return row.id;
  }

  /** One INSERT of these rows; RETURNING gives them back in VALUES order (PostgreSQL inserts a VALUES list in order). */
  private async insertRows(rows: readonly unknown[][]): Promise<SummaryRow[]> {
    const values = rows.map((_, r) => `(${Array.from({ length: NEW_EMAIL_COLUMN_COUNT }, (_, c) => `$${r * NEW_EMAIL_COLUMN_COUNT + c + 1}`).join(', ')})`).join(', ');
    const inserted = await this.sql.unsafe<SummaryRow[]>(
      `INSERT INTO emails (${NEW_EMAIL_COLUMNS}) VALUES ${values} RETURNING ${SUMMARY_COLUMNS}`,
      rows.flat() as never[],
      { prepare: rows.length === 1 },
    );
    if (inserted.length !== rows.length) throw new Error(`inserted ${inserted.length} of ${rows.length} emails`);
    return inserted;
  }

  /**
   * Transitions made in the same event-loop turn share one transaction: their statements are pipelined on one
   * connection and committed once. Rows are locked in id order, as delivery events lock them, so two
   * transactions never wait on each other in a cycle; transitions of one email keep their call order.
   */
  private readonly transitions = new TurnBatch(
    (batch: readonly unknown[][]) =>
      batch.length === 1
        ? this.sql.unsafe<SummaryRow[]>(TRANSITION_SQL, batch[0] as never[], { prepare: true }).then((rows) => [rows])
        : this.sql.begin((tx) => batch.map((params) => tx.unsafe<SummaryRow[]>(TRANSITION_SQL, params as never[], { prepare: true }))) as Promise<SummaryRow[][]>,
    TRANSITION_BATCH,
    (a, b) => (a[0] as number) - (b[0] as number),
  );

  async transition(id: number, t: Transition): Promise<boolean> {
    const rows = await this.transitions.add(transitionParams(id, t));
    if (!rows.length) return false;
    this.changes.announce(rows[0], true);
    return true;
  }

  async summary(id: number): Promise<LogSummary | undefined> {
    const [row] = await this.sql.unsafe<SummaryRow[]>(`SELECT ${SUMMARY_COLUMNS} FROM emails WHERE id = $1`, [id], { prepare: true });
    return row && toSummary(row);
  }

  async get(id: number): Promise<LogDetail | undefined> {
    const [row] = await this.sql.unsafe<(SummaryRow & { message: string; raw: Buffer | null; suppressed: string | null })[]>(`SELECT ${SUMMARY_COLUMNS}, message, raw, suppressed FROM emails WHERE id = $1`, [id], { prepare: true });
    if (!row) return undefined;
    const attempts = await this.sql.unsafe<AttemptRow[]>(`SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE email_id = $1 ORDER BY id`, [id], { prepare: true });
    return toDetail(row, deserializeMessage(row.message, row.raw), attempts);
  }

  async message(id: number): Promise<StoredMessage | undefined> {
    const [row] = await this.sql<{ message: string; raw: Buffer | null; status: EmailStatus; source: StoredMessage['source']; delivery_key: string | null }[]>`
      SELECT message, raw, status, source, delivery_key FROM emails WHERE id = ${id}`;
    return row && { message: deserializeMessage(row.message, row.raw), status: row.status, source: row.source, deliveryKey: row.delivery_key };
  }

  async list(f: LogFilter): Promise<{ logs: LogSummary[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => (args.push(v), `$${args.length}`);
    if (f.status) where.push(`status = ${arg(f.status)}`);
    if (f.provider) where.push(`provider_id = ${arg(f.provider)}`);
    if (f.source) where.push(`source = ${arg(f.source)}`);
    if (f.apiKey) where.push(`api_key = ${arg(f.apiKey)}`);
    if (f.delivery_status) where.push(`delivery_status = ${arg(f.delivery_status)}`);
    if (f.q) {
      // ILIKE: SQLite's LIKE is case-insensitive for ASCII; the same query finds the same records on both.
      const like = arg(likeSubstring(f.q));
      where.push(`(subject ILIKE ${like} OR from_address ILIKE ${like} OR to_addresses ILIKE ${like})`);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const filterArgs = [...args];
    const rows = await this.sql.unsafe<SummaryRow[]>(
      `SELECT ${SUMMARY_COLUMNS} FROM emails ${clause} ORDER BY id DESC LIMIT ${arg(f.limit)} OFFSET ${arg(f.offset)}`,
      args as never[],
      { prepare: true },
    );
    return { logs: rows.map(toSummary), total: await this.count(f, clause, filterArgs) };
  }

  /** Counters answer the unfiltered and status-only totals without a scan. */
  private async count(f: LogFilter, clause: string, args: unknown[]): Promise<number> {
    if (!f.provider && !f.source && !f.q && !f.apiKey && !f.delivery_status) return this.counter(f.status ? `status:${f.status}` : 'total');
    const [{ n }] = await this.sql.unsafe<{ n: number }[]>(`SELECT count(*) AS n FROM emails ${clause}`, args as never[], { prepare: true });
    return n;
  }

  async changed(id: number): Promise<void> {
    return this.changedMany([id]);
  }

  /** Announces records changed outside `transition` (to this instance's listeners and, by NOTIFY, the others'). */
  async changedMany(ids: readonly number[]): Promise<void> {
    const rows = await this.sql.unsafe<SummaryRow[]>(`SELECT ${SUMMARY_COLUMNS} FROM emails WHERE id = ANY($1::bigint[]) ORDER BY id`, [[...ids]] as never[], { prepare: true });
    for (const row of rows) this.changes.announce(row, false);
  }

  async counter(...keys: string[]): Promise<number> {
    const [{ n }] = await this.sql<{ n: number }[]>`SELECT coalesce(sum(value), 0)::float8 AS n FROM counters WHERE key = ANY(${keys}::text[])`;
    return n;
  }

  async stats(): Promise<Stats> {
    const rows = await this.sql<{ key: string; value: number }[]>`SELECT key, sum(value)::float8 AS value FROM counters GROUP BY key`;
    return statsFromCounters(rows);
  }
}
