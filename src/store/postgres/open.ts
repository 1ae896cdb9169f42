// PostgreSQL backend entry point (DATABASE_URL): one pool, migrations under an advisory lock, LISTEN for the
// other instances' changes, and the Stores set over them — every store SQLite has, section 12's included
// (delivery events, suppressions, outbound webhooks and their leased deliveries), shared by all instances.
import type { StoreSettings, Stores } from '../stores.js';
import { openPool, redactUrl } from './connect.js';
import { isConnectionError } from './errors.js';
import { migrate } from './migrate.js';
import { Changes } from './changes.js';
import { PgSendLog } from './send-log.js';
import { PgDeliveryQueue } from './delivery-queue.js';
import { PgIdempotencyKeys } from './idempotency-keys.js';
import { PgLogRetention } from './log-retention.js';
import { PgConfigRecords } from './config-records.js';
import { Singletons } from './singletons.js';
import { PgApiKeys } from './api-keys.js';
import { PgDeliveryEvents } from './delivery-events.js';
import { PgSuppressions } from './suppressions.js';
import { PgWebhookDeliveries, PgWebhooks } from './webhooks.js';

const PING_TIMEOUT_MS = 2000;

/** Why the database cannot be used, in one line without the password. */
export class DatabaseUnavailableError extends Error {}

export async function openPostgresStores(settings: StoreSettings): Promise<Stores> {
  const url = settings.databaseUrl!;
  const sql = openPool(url);
  try {
    await migrate(sql);
  } catch (err) {
    await sql.end({ timeout: 0 }).catch(() => {});
    const e = err as Error & { code?: string };
    const why = isConnectionError(err) ? `not reachable (${e.code ?? e.message})` : e.message;
    throw new DatabaseUnavailableError(`cannot open the PostgreSQL database ${redactUrl(url)}: ${why}`);
  }
  const changes = new Changes(sql);
  await changes.listen();
  const log = new PgSendLog(sql, changes);
  const singletons = new Singletons(sql);
  return {
    backend: 'postgres',
    log,
    queue: new PgDeliveryQueue(sql, log, changes),
    idempotency: new PgIdempotencyKeys(sql),
    retention: new PgLogRetention(sql),
    changes: changes.feed,
    config: new PgConfigRecords(sql),
    apiKeys: new PgApiKeys(sql),
    // Section 12: shared by every instance; an email an event changed is announced to all of them.
    events: new PgDeliveryEvents(sql, (ids) => log.changedMany(ids)),
    suppressions: new PgSuppressions(sql),
    webhooks: new PgWebhooks(sql),
    webhookDeliveries: new PgWebhookDeliveries(sql),
    leads: (task) => singletons.leads(task),
    async ping() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS)));
      const query = sql`SELECT 1 AS one`.then((r) => r[0]?.one === 1).catch(() => false);
      try {
        return await Promise.race([query, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await changes.flush();
      changes.stop();
      singletons.close();
      await sql.end({ timeout: 5 });
    },
  };
}
