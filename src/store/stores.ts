// The set of stores one backend provides. Everything outside src/store/ talks to these interfaces only.
import type { ApiKeyStore } from './api-keys.js';
import type { ChangeFeed } from './change-feed.js';
import type { ConfigRecords } from './config-records.js';
import type { DeliveryQueue } from './delivery-queue.js';
import type { IdempotencyKeys } from './idempotency-keys.js';
import type { LogRetention } from './log-retention.js';
import type { SendLog } from './send-log.js';
import type { DeliveryEvents } from './delivery-events.js';
import type { Suppressions } from './suppressions.js';
import type { WebhookDeliveries, Webhooks } from './webhooks.js';

export type Backend = 'sqlite' | 'postgres';

/** Background work that must run on one instance at a time. */
export type SingletonTask = 'retention' | 'scheduled';

export interface Stores {
  readonly backend: Backend;
  readonly log: SendLog;
  readonly queue: DeliveryQueue;
  readonly idempotency: IdempotencyKeys;
  readonly retention: LogRetention;
  /** API keys (SPEC 9.1): shared by every instance, looked up on every authenticated request */
  readonly apiKeys: ApiKeyStore;
  readonly changes: ChangeFeed;
  /** provider delivery events on their emails (SPEC section 12) */
  readonly events: DeliveryEvents;
  /** the one suppression list across providers */
  readonly suppressions: Suppressions;
  /** outbound webhook endpoints, and the deliveries queued to them */
  readonly webhooks: Webhooks;
  readonly webhookDeliveries: WebhookDeliveries;
  /** present in PostgreSQL mode only; file mode keeps config.json */
  readonly config?: ConfigRecords;
  /**
   * Whether this instance is the one to run `task` now (PostgreSQL: a session advisory lock, taken over when its
   * holder dies). Asked before each run; SQLite (one process per file) always says yes.
   */
  leads(task: SingletonTask): Promise<boolean>;
  /** For /api/health: true when the database answers a query now. Never throws. */
  ping(): Promise<boolean>;
  /** Waits for pending writes, then closes connections. */
  close(): Promise<void>;
}

/** What a backend needs to open (a subset of Settings). */
export interface StoreSettings {
  /** SQLite file (DATABASE_PATH), used when databaseUrl is absent */
  readonly databasePath: string;
  /** postgres://… or postgresql://… (DATABASE_URL) selects PostgreSQL */
  readonly databaseUrl?: string;
  /** SQLite: the WAL size past which its checkpointer rewinds it (WAL_MAX_BYTES, default 64 MiB) */
  readonly walMaxBytes?: number;
}

/** How a backend reports trouble it recovers from by itself (main.ts passes the logger's warn). */
export type StoreWarning = (details: Record<string, unknown>, message: string) => void;
