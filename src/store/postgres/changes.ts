// The change feed across instances. Local changes are published at once with the row the write returned;
// they are also sent to the other instances in batched NOTIFYs (one per event-loop turn, each under the 8000-byte
// payload limit), and the LISTEN side publishes theirs with `local: false`. A notification is sent after its
// commit, so a listener never sees a change that could still roll back.
import { randomUUID } from 'node:crypto';
import type { EmailStatus, LogSummary } from '../../core/email-log.js';
import { LocalChangeFeed } from '../change-feed.js';
import { toSummary, type SummaryRow } from '../sqlite/log-rows.js';
import type { Sql } from './connect.js';
import { SUMMARY_COLUMNS } from './rows.js';

export const LOG_CHANNEL = 'protopost_log';
const PAYLOAD_LIMIT = 7900;

interface Wire {
  /** sender */
  readonly i: string;
  /** `t: 0`: the change edited the record without a status transition (a delivery event) */
  readonly c: readonly { readonly id: number; readonly s?: LogSummary; readonly st?: EmailStatus; readonly p?: string | null; readonly t?: 0 }[];
}

export class Changes {
  readonly feed = new LocalChangeFeed();
  /** tells this process's notifications from the others' */
  readonly source = randomUUID();
  /** how each of this process's notifications begins (its own come back to it: skipped before parsing) */
  private readonly ownHead = `{"i":${JSON.stringify(this.source)},"c":[`;
  private outbox: { readonly text: string; readonly bytes: number }[] = [];
  private flushing = false;
  private stopped = false;

  constructor(
    private readonly sql: Sql,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Subscribes to the other instances' changes; resolves once LISTEN is in place (re-established on reconnect). */
  async listen(): Promise<void> {
    await this.sql.listen(LOG_CHANNEL, (payload) => this.receive(payload));
  }

  /** A committed change made here: publish it now and queue it for the others. */
  announce(row: SummaryRow, transitioned: boolean): void {
    const summary = toSummary(row);
    if (this.feed.listening) {
      const read = Promise.resolve(summary);
      this.feed.publish({ id: row.id, status: row.status, provider: row.provider_name, transitioned, local: true, summary: () => read });
    }
    const t = transitioned ? undefined : 0;
    const entry = JSON.stringify({ id: row.id, s: summary, t });
    // A summary too big for one notification travels as its id; the receiver reads it.
    const text = Buffer.byteLength(entry) < PAYLOAD_LIMIT - 100 ? entry : JSON.stringify({ id: row.id, st: row.status, p: row.provider_name, t });
    this.outbox.push({ text, bytes: Buffer.byteLength(text) });
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Sends what is queued (best effort: a lost notification costs another dashboard one live row, never data). */
  async flush(): Promise<void> {
    while (this.outbox.length && !this.stopped) {
      const head = this.ownHead;
      let body = '';
      let bytes = Buffer.byteLength(head) + 3;
      let n = 0;
      while (n < this.outbox.length && bytes + this.outbox[n].bytes < PAYLOAD_LIMIT) {
        body += (n ? ',' : '') + this.outbox[n].text;
        bytes += this.outbox[n].bytes + 1;
        n++;
      }
      this.outbox = this.outbox.slice(n);
      try {
        await this.sql`SELECT pg_notify(${LOG_CHANNEL}, ${`${head}${body}]}`})`;
      } catch (err) {
        this.onError(err);
      }
    }
    this.flushing = false;
  }

  stop(): void {
    this.stopped = true;
  }

  private receive(payload: string): void {
    if (payload.startsWith(this.ownHead)) return;
    let wire: Wire;
    try {
      wire = JSON.parse(payload) as Wire;
    } catch {
      return;
    }
    if (wire.i === this.source || !Array.isArray(wire.c) || !this.feed.listening) return;
    for (const c of wire.c) {
      if (typeof c?.id !== 'number') continue;
      let read: Promise<LogSummary | undefined> | undefined = c.s && Promise.resolve(c.s);
      const status = c.s?.status ?? c.st;
      if (!status) continue;
      this.feed.publish({
        id: c.id,
        status,
        provider: c.s?.provider_name ?? c.p ?? null,
        transitioned: c.t !== 0,
        local: false,
        summary: () => (read ??= this.readSummary(c.id)),
      });
    }
  }

  private async readSummary(id: number): Promise<LogSummary | undefined> {
    const [row] = await this.sql.unsafe<SummaryRow[]>(`SELECT ${SUMMARY_COLUMNS} FROM emails WHERE id = $1`, [id], { prepare: true });
    return row && toSummary(row);
  }
}
