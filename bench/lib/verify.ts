// After a run: is every acknowledged (200) email in SQLite? Opened read-only once the server has stopped.
import Database from 'better-sqlite3';

export interface AckCheck {
  readonly acknowledged: number;
  readonly missing: number;
  readonly missingIds: number[];
  /** rows in the database (acknowledged + stored-but-unanswered, e.g. in flight at a kill) */
  readonly rows: number;
  readonly wrongStatus: number;
}

export function checkAcknowledged(databasePath: string, ids: Iterable<number>, expectStatus?: string): AckCheck {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const stored = new Map<number, string>();
    for (const r of db.prepare('SELECT id, status FROM emails').iterate() as Iterable<{ id: number; status: string }>) stored.set(r.id, r.status);
    const missingIds: number[] = [];
    let acknowledged = 0;
    let wrongStatus = 0;
    for (const id of ids) {
      acknowledged++;
      const status = stored.get(id);
      if (status === undefined) missingIds.push(id);
      else if (expectStatus && status !== expectStatus) wrongStatus++;
    }
    return { acknowledged, missing: missingIds.length, missingIds: missingIds.slice(0, 20), rows: stored.size, wrongStatus };
  } finally {
    db.close();
  }
}
