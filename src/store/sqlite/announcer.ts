// Publishes this connection's changes on the change feed. The summary is read only when a listener asks, and
// synchronously, so a listener that asks at once sees the record as of that change.
import type { Statement } from 'better-sqlite3';
import type { EmailStatus, LogSummary } from '../../core/email-log.js';
import { LocalChangeFeed } from '../change-feed.js';
import type { Db } from './database.js';
import { SUMMARY_COLUMNS, toSummary, type SummaryRow } from './log-rows.js';

export class Announcer {
  readonly feed = new LocalChangeFeed();
  private readonly selectSummary: Statement;

  constructor(db: Db) {
    this.selectSummary = db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM emails WHERE id = ?`);
  }

  readSummary(id: number): LogSummary | undefined {
    const row = this.selectSummary.get(id) as SummaryRow | undefined;
    return row && toSummary(row);
  }

  announce(id: number, status: EmailStatus, provider: string | null, transitioned: boolean): void {
    if (!this.feed.listening) return;
    let read: Promise<LogSummary | undefined> | undefined;
    this.feed.publish({ id, status, provider, transitioned, local: true, summary: () => (read ??= Promise.resolve(this.readSummary(id))) });
  }
}
