// The SQLite backend (DATABASE_PATH): one file, one connection per process for the stores (plus the WAL
// checkpointer's, on its own thread), the Stores set over it.
import type { Stores } from '../stores.js';
import { openDatabase, type Db } from './database.js';
import { Checkpointer, type CheckpointerOptions } from './checkpointer.js';
import { GroupCommit } from './group-commit.js';
import { NewEmailCounters } from './counters.js';
import { SearchIndexer } from './search-index.js';
import { Announcer } from './announcer.js';
import { SqliteSendLog } from './send-log.js';
import { SqliteDeliveryQueue } from './delivery-queue.js';
import { SqliteIdempotencyKeys } from './idempotency-keys.js';
import { SqliteLogRetention } from './log-retention.js';
import { SqliteApiKeyStore } from './api-key-store.js';
import { SqliteDeliveryEvents } from './delivery-events.js';
import { SqliteSuppressions } from './suppressions.js';
import { SqliteWebhookDeliveries, SqliteWebhooks } from './webhooks.js';

export interface SqliteOptions extends CheckpointerOptions {
  /** false: no checkpoint thread, SQLite checkpoints inside commits as by default (benchmarks compare) */
  readonly offThreadCheckpoints?: boolean;
}

/** Throws (ENOENT, EACCES, SQLITE_NOTADB …) when the file cannot be used: main.ts turns that into one line. */
export function openSqliteStores(path: string, options: SqliteOptions = {}): Stores {
  return storesOver(openDatabase(path), options);
}

/** The stores over a connection already opened (benchmarks tune its pragmas first); close() closes it. */
export function storesOver(db: Db, options: SqliteOptions = {}): Stores {
  const checkpoints = options.offThreadCheckpoints !== false && !db.memory && !db.readonly ? new Checkpointer(db, options) : undefined;
  const writes = new GroupCommit(db);
  const counters = new NewEmailCounters(db);
  writes.around(counters);
  const search = new SearchIndexer(db, writes);
  const changes = new Announcer(db);
  const log = new SqliteSendLog(db, writes, changes, counters, search);
  const ping = db.prepare('SELECT 1').pluck();
  return {
    backend: 'sqlite',
    log,
    queue: new SqliteDeliveryQueue(db, log, changes),
    idempotency: new SqliteIdempotencyKeys(db),
    retention: new SqliteLogRetention(db, search),
    apiKeys: new SqliteApiKeyStore(db),
    changes: changes.feed,
    events: new SqliteDeliveryEvents(db, (id) => void log.changed(id)),
    suppressions: new SqliteSuppressions(db),
    webhooks: new SqliteWebhooks(db),
    webhookDeliveries: new SqliteWebhookDeliveries(db),
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
      search.stop();
      await checkpoints?.close();
      db.close();
    },
  };
}
