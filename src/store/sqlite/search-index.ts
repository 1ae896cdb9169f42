// Keeps the search index (emails_fts) up with the emails table, in batches a little behind the writes: FTS5
// costs about half as much per row in a batch of hundreds as in a request's group commit, and the request's
// transaction stays small. A search first indexes whatever is still behind, so it sees every committed email.
// The index itself is the watermark (emails are indexed in id order, and its newest rowid is the last one
// done), so a rolled-back batch, a crash or a second connection on the file never skips or repeats a row.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import type { GroupCommit } from './group-commit.js';

/** How long new rows wait to be indexed together (ms), and the most indexed in one transaction. */
const DELAY_MS = 50;
const CHUNK = 500;

const NEWEST_INDEXED = 'coalesce((SELECT rowid FROM emails_fts ORDER BY rowid DESC LIMIT 1), 0)';

export class SearchIndexer {
  private readonly indexNext: Statement;
  private readonly behind: Statement;
  private timer?: NodeJS.Timeout;

  constructor(private readonly db: Db, private readonly writes: GroupCommit) {
    this.indexNext = db.prepare(`INSERT INTO emails_fts(rowid, subject, addresses)
      SELECT id, subject, from_address || ' ' || to_addresses FROM emails WHERE id > ${NEWEST_INDEXED} ORDER BY id LIMIT ${CHUNK}`);
    this.behind = db.prepare(`SELECT coalesce(max(id), 0) > ${NEWEST_INDEXED} FROM emails`).pluck();
    this.catchUp();
  }

  /** A new email committed: index it with the others soon. */
  added(): void {
    this.timer ??= setTimeout(() => {
      void this.writes.run(() => this.step()).then(
        (n) => this.stepped(n),
        () => this.stepped(0), // the batch failed: the rows wait for the next email or search
      );
    }, DELAY_MS).unref();
  }

  /** Indexes everything committed so far (before a search, before retention deletes, and at open). */
  catchUp(): void {
    while (this.behind.get() && this.db.transaction(() => this.step()).immediate() > 0);
  }

  /** At close: no timer left, and nothing for the next open to index. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      this.catchUp();
    } catch {
      // left for the next open to index
    }
  }

  /** Indexes up to CHUNK rows past the newest indexed one, inside the caller's transaction; how many. */
  private step(): number {
    return this.indexNext.run().changes;
  }

  private stepped(n: number): void {
    this.timer = undefined;
    if (n === CHUNK) this.added();
  }
}
