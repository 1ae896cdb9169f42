// The SQLite backend (DATABASE_PATH): one file, one connection per process, the Stores set over it.
import type { Stores } from '../stores.js';
import { openDatabase, type Db } from './database.js';
import { GroupCommit } from './group-commit.js';
import { Announcer } from './announcer.js';
import { SqliteSendLog } from './send-log.js';
import { SqliteDeliveryQueue } from './delivery-queue.js';
import { SqliteIdempotencyKeys } from './idempotency-keys.js';
import { SqliteLogRetention } from './log-retention.js';
import { SqliteApiKeyStore } from './api-key-store.js';

/** Throws (ENOENT, EACCES, SQLITE_NOTADB …) when the file cannot be used: main.ts turns that into one line. */
export function openSqliteStores(path: string): Stores {
  return storesOver(openDatabase(path));
}

/** The stores over a connection already opened (benchmarks tune its pragmas first); close() closes it. */
export function storesOver(db: Db): Stores {
  const writes = new GroupCommit(db);
  const changes = new Announcer(db);
  const log = new SqliteSendLog(db, writes, changes);
  const ping = db.prepare('SELECT 1').pluck();
  return {
    backend: 'sqlite',
    log,
    queue: new SqliteDeliveryQueue(db, log, changes),
    idempotency: new SqliteIdempotencyKeys(db),
    retention: new SqliteLogRetention(db),
    apiKeys: new SqliteApiKeyStore(db),
    changes: changes.feed,
    // One process per file: it always runs the background work.
    leads: async () => true,
    async ping() {
      try {
        return db.open && ping.get() === 1;
      } catch {
        return false;
      }
    },
    async close() {
      if (!db.open) return;
      await writes.idle();
      db.close();
    },
  };
}
