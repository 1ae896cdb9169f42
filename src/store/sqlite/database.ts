// Opens the SQLite file: WAL, pragmas, migrations. One connection per process for the stores (tests open a second
// one to race it; open.ts adds the WAL checkpointer's on its own thread).
import Database, { type Statement } from 'better-sqlite3';
import { migrations } from './migrations.js';

export type Db = Database.Database;

/**
 * WAL with synchronous=NORMAL: a committed transaction survives a process crash (kill -9); surviving
 * power loss as well would need synchronous=FULL (an fsync per commit).
 */
export function openDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -16000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  // IMMEDIATE and re-read inside: two processes opening a fresh file at once apply each migration once.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < migrations.length; v++) db.exec(migrations[v]);
    if (current < migrations.length) db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}

/** Prepares each SQL text once per connection. */
export function statementCache(db: Db): (sql: string) => Statement {
  const statements = new Map<string, Statement>();
  return (sql) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
}
