// SendLog on PostgreSQL: data-modifying CTEs keep an outcome and its attempts atomic in one statement.
// Concurrent new emails share one multi-row INSERT and concurrent transitions one UPDATE (one transaction of
// several when an email has more than one), and each resolves only after its commit is durable.
import { statsFromCounters } from '../stats.js';
import { likeSubstring } from '../event-rows.js';
import type postgres from 'postgres';
import type { AttemptRecord, EmailStatus, LogDetail, LogFilter, LogSummary, Stats } from '../../core/email-log.js';
import type { NewEmail, SendLog, StoredMessage, Transition } from '../send-log.js';
import { deserializeMessage, toDetail, toSummary, type AttemptRow, type SummaryRow } from '../sqlite/log-rows.js';
import type { Sql } from './connect.js';
import type { Changes } from './changes.js';
import { NEW_EMAIL_COLUMN_COUNT, NEW_EMAIL_COLUMNS, newEmailRow } from '../new-email-row.js';
import { ATTEMPT_COLUMNS, SUMMARY_COLUMNS, summaryColumns } from './rows.js';
import { TurnBatch } from './turn-batch.js';

/** The most emails one INSERT carries (17 × 50 parameters). */
const RECORD_BATCH = 50;

/** The INSERT of n new emails, built once per n (and prepared on each connection, like every statement here). */
const insertSql = (() => {
  const texts: string[] = [];
  return (n: number) =>
    (texts[n] ??= `INSERT INTO emails (${NEW_EMAIL_COLUMNS}) VALUES ${Array.from({ length: n }, (_, r) =>
      `(${Array.from({ length: NEW_EMAIL_COLUMN_COUNT }, (_, c) => `$${r * NEW_EMAIL_COLUMN_COUNT + c + 1}`).join(', ')})`).join(', ')} RETURNING ${SUMMARY_COLUMNS}`);
})();

/** The most transitions one statement carries. */
const TRANSITION_BATCH = 50;

/** One transition as the statement reads it (a JSON record; `n` is its place in the batch). */
interface TransitionItem {
  readonly n: number;
  readonly id: number;
  readonly to: string;
  readonly from: readonly string[] | null;
  readonly holder: string | null;
  readonly provider_id: string | null;
  readonly provider_name: string | null;
  readonly provider_type: string | null;
  readonly processing_time_ms: number | null;
  readonly message_id: string | null;
  readonly error_message: string | null;
  readonly attempts: readonly AttemptRecord[];
  readonly next_attempt_at: number | null;
  readonly rounds: number;
  readonly lease_owner: string | null;
  readonly lease_until: number | null;
  readonly set_pinned: boolean;
  readonly pinned_provider: string | null;
}

/**
 * Applies a batch of transitions of distinct emails in one statement: one plan, one run of the counter trigger,
 * one commit. The guards make each a compare-and-set; attempts are inserted only for updates that applied.
 */
const TRANSITIONS_SQL = `WITH t AS (
    SELECT * FROM jsonb_to_recordset($1::text::jsonb) AS t(n int, id bigint, "to" text, "from" text[], holder text,
      provider_id text, provider_name text, provider_type text, processing_time_ms float8, message_id text,
      error_message text, attempts jsonb, next_attempt_at bigint, rounds int, lease_owner text, lease_until bigint,
      set_pinned boolean, pinned_provider text)
  ), u AS (
    UPDATE emails e SET status = t."to", provider_id = coalesce(t.provider_id, e.provider_id),
      provider_name = coalesce(t.provider_name, e.provider_name), provider_type = coalesce(t.provider_type, e.provider_type),
      processing_time_ms = coalesce(t.processing_time_ms, e.processing_time_ms), message_id = coalesce(t.message_id, e.message_id),
      error_message = t.error_message, attempt_count = e.attempt_count + jsonb_array_length(t.attempts),
      next_attempt_at = t.next_attempt_at, delivery_rounds = e.delivery_rounds + t.rounds, lease_owner = t.lease_owner,
      lease_until = t.lease_until, pinned_provider = CASE WHEN t.set_pinned THEN t.pinned_provider ELSE e.pinned_provider END
    FROM t
    WHERE e.id = t.id AND (t."from" IS NULL OR e.status = ANY(t."from")) AND (t.holder IS NULL OR e.lease_owner = t.holder)
    RETURNING t.n, ${summaryColumns('e.')}
  ), a AS (
    INSERT INTO attempts (email_id, provider_id, provider_name, provider_type, started_at, duration_ms, ok, error, error_class)
    SELECT t.id, x.a->>'provider_id', x.a->>'provider_name', x.a->>'provider_type', x.a->>'started_at',
      (x.a->>'duration_ms')::double precision, (x.a->>'ok')::boolean, x.a->>'error', x.a->>'error_class'
    FROM u JOIN t USING (n), jsonb_array_elements(t.attempts) WITH ORDINALITY AS x(a, k)
    ORDER BY n, x.k
  )
  SELECT * FROM u`;

/** A transition before it has its place in a batch. */
type PendingTransition = Omit<TransitionItem, 'n'>;

function transitionItem(id: number, t: Transition): PendingTransition {
  const leased = t.to === 'sending' && t.lease;
  return {
    id,
    to: t.to,
    from: t.from ?? null,
    holder: t.holder ?? null,
    provider_id: t.provider?.id ?? null,
    provider_name: t.provider?.name ?? null,
    provider_type: t.provider?.type ?? null,
    processing_time_ms: t.processingTimeMs ?? null,
    message_id: t.messageId ?? null,
    error_message: t.errorMessage ?? null,
    attempts: t.attempts ?? [],
    next_attempt_at: t.nextAttemptAt ?? null,
    rounds: t.countRound ? 1 : 0,
    lease_owner: leased ? t.lease!.owner : null,
    lease_until: leased ? Date.now() + t.lease!.ms : null,
    set_pinned: t.pinnedProvider !== undefined,
    pinned_provider: t.pinnedProvider ?? null,
  };
}

/**
 * Splits a batch so no statement names an email twice (an UPDATE … FROM applies one change per row): the k-th
 * transition of an email goes to statement k, so each email's transitions apply in call order.
 */
function distinctRounds(batch: readonly PendingTransition[]): TransitionItem[][] {
  const rounds: TransitionItem[][] = [];
  const seen = new Map<number, number>();
  batch.forEach((item, n) => {
    const round = (seen.get(item.id) ?? -1) + 1;
    seen.set(item.id, round);
    (rounds[round] ??= []).push({ ...item, n });
  });
  return rounds;
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
    const inserted = await this.sql.unsafe<SummaryRow[]>(insertSql(rows.length), rows.flat() as never[], { prepare: true });
    if (inserted.length !== rows.length) throw new Error(`inserted ${inserted.length} of ${rows.length} emails`);
    return inserted;
  }

  /**
   * Transitions made in the same event-loop turn share one statement (one transaction when an email has more
   * than one), so a burst of outcomes costs one commit instead of one each. Batches are sorted by id, the order
   * delivery events lock emails in.
   */
  private readonly transitions = new TurnBatch((batch: readonly PendingTransition[]) => this.applyTransitions(batch), TRANSITION_BATCH, (a, b) => a.id - b.id);

  async transition(id: number, t: Transition): Promise<boolean> {
    const row = await this.transitions.add(transitionItem(id, t));
    if (!row) return false;
    this.changes.announce(row, true);
    return true;
  }

  /** The updated row for each transition that applied, undefined for each whose guard did not hold. */
  private async applyTransitions(batch: readonly PendingTransition[]): Promise<(SummaryRow | undefined)[]> {
    const rounds = distinctRounds(batch);
    const run = (sql: Sql | postgres.TransactionSql<{ int8: number }>, items: TransitionItem[]) =>
      sql.unsafe<(SummaryRow & { n: number })[]>(TRANSITIONS_SQL, [JSON.stringify(items)], { prepare: true });
    const results = rounds.length === 1 ? [await run(this.sql, rounds[0])] : await this.sql.begin((tx) => rounds.map((items) => run(tx, items)));
    const out: (SummaryRow | undefined)[] = new Array(batch.length).fill(undefined);
    for (const rows of results as (SummaryRow & { n: number })[][]) for (const { n, ...row } of rows) out[n] = row;
    return out;
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
