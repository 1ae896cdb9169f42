// Numbered schema migrations, applied in order inside a transaction; `user_version` records the last one.

const counterDelta = (sign: '+' | '-', row: 'NEW' | 'OLD') => `
  INSERT INTO counters(key, value) VALUES ('total', ${sign}1), ('status:' || ${row}.status, ${sign}1)
    ON CONFLICT(key) DO UPDATE SET value = value + excluded.value;
  INSERT INTO counters(key, value)
    SELECT 'time_sum', ${sign}${row}.processing_time_ms WHERE ${row}.processing_time_ms IS NOT NULL AND ${row}.status IN ('success','failed','sandbox')
    UNION ALL SELECT 'time_n', ${sign}1 WHERE ${row}.processing_time_ms IS NOT NULL AND ${row}.status IN ('success','failed','sandbox')
    UNION ALL SELECT 'sent:' || ${row}.provider_name, ${sign}1 WHERE ${row}.status = 'success' AND ${row}.provider_name IS NOT NULL
    UNION ALL SELECT 'failed:' || ${row}.provider_name, ${sign}1 WHERE ${row}.status = 'failed' AND ${row}.provider_name IS NOT NULL
    ON CONFLICT(key) DO UPDATE SET value = value + excluded.value;`;

/** One statement moving the counters from OLD to NEW: only the keys that change (no `total` −1/+1). */
const TIMED = `IN ('success','failed','sandbox')`;
const counterChange = `
  INSERT INTO counters(key, value)
    SELECT 'status:' || OLD.status, -1 WHERE OLD.status IS NOT NEW.status
    UNION ALL SELECT 'status:' || NEW.status, 1 WHERE OLD.status IS NOT NEW.status
    UNION ALL SELECT 'time_sum', -OLD.processing_time_ms WHERE OLD.processing_time_ms IS NOT NULL AND OLD.status ${TIMED}
    UNION ALL SELECT 'time_n', -1 WHERE OLD.processing_time_ms IS NOT NULL AND OLD.status ${TIMED}
    UNION ALL SELECT 'time_sum', NEW.processing_time_ms WHERE NEW.processing_time_ms IS NOT NULL AND NEW.status ${TIMED}
    UNION ALL SELECT 'time_n', 1 WHERE NEW.processing_time_ms IS NOT NULL AND NEW.status ${TIMED}
    UNION ALL SELECT 'sent:' || OLD.provider_name, -1 WHERE OLD.status = 'success' AND OLD.provider_name IS NOT NULL
    UNION ALL SELECT 'sent:' || NEW.provider_name, 1 WHERE NEW.status = 'success' AND NEW.provider_name IS NOT NULL
    UNION ALL SELECT 'failed:' || OLD.provider_name, -1 WHERE OLD.status = 'failed' AND OLD.provider_name IS NOT NULL
    UNION ALL SELECT 'failed:' || NEW.provider_name, 1 WHERE NEW.status = 'failed' AND NEW.provider_name IS NOT NULL
    ON CONFLICT(key) DO UPDATE SET value = value + excluded.value;`;

/**
 * The search index rows for `emails` (subject; sender and recipients), written by the store in the
 * same transaction as the row, not by a trigger; also how migration 3 indexes the rows already there.
 */
export const INDEX_EXISTING_EMAILS = `INSERT INTO emails_fts(rowid, subject, addresses)
  SELECT id, subject, from_address || ' ' || to_addresses FROM emails`;

export const migrations: readonly string[] = [
  // 1: emails, attempts, and counters kept by triggers so /api/stats never scans.
  `
  CREATE TABLE emails (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    from_address TEXT NOT NULL,
    to_addresses TEXT NOT NULL,
    subject TEXT NOT NULL,
    provider_id TEXT,
    provider_name TEXT,
    provider_type TEXT,
    processing_time_ms REAL,
    message_id TEXT,
    error_message TEXT,
    attempt_count INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL,
    raw BLOB,
    idempotency_key TEXT,
    next_attempt_at INTEGER,
    delivery_rounds INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX emails_status ON emails(status, id);
  CREATE INDEX emails_provider ON emails(provider_id, id);
  CREATE INDEX emails_due ON emails(next_attempt_at) WHERE status IN ('queued', 'sending');
  CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    email_id INTEGER NOT NULL REFERENCES emails(id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    provider_type TEXT NOT NULL,
    started_at TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    ok INTEGER NOT NULL,
    error TEXT,
    error_class TEXT
  );
  CREATE INDEX attempts_email ON attempts(email_id);
  CREATE TABLE counters (key TEXT PRIMARY KEY, value REAL NOT NULL DEFAULT 0) WITHOUT ROWID;
  CREATE TRIGGER emails_count_insert AFTER INSERT ON emails BEGIN ${counterDelta('+', 'NEW')} END;
  CREATE TRIGGER emails_count_delete AFTER DELETE ON emails BEGIN ${counterDelta('-', 'OLD')} END;
  CREATE TRIGGER emails_count_update AFTER UPDATE OF status, processing_time_ms, provider_name ON emails
  BEGIN ${counterDelta('-', 'OLD')} ${counterDelta('+', 'NEW')} END;
  `,
  // 2: the key providers deduplicate on (client's Idempotency-Key or a random one), and idempotent request replay.
  `
  ALTER TABLE emails ADD COLUMN delivery_key TEXT;
  CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    log_id INTEGER,
    status_code INTEGER,
    response TEXT
  );
  CREATE INDEX idempotency_created ON idempotency(created_at);
  `,
  // 3: API keys (only the secret's SHA-256 is kept) and the credential that submitted each email.
  `
  CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT
  );
  ALTER TABLE emails ADD COLUMN api_key TEXT;
  CREATE INDEX emails_api_key ON emails(api_key, id);
  `,
  // 4: full-text search over subject and addresses (GET /api/logs?q=). Contentless: the text lives in
  // `emails` already; contentless_delete lets retention delete index rows by rowid (= emails.id).
  `
  CREATE VIRTUAL TABLE emails_fts USING fts5(subject, addresses, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
  ${INDEX_EXISTING_EMAILS};
  `,
  // 5: leases: who works on an email / holds an in-flight idempotency key, and until when (epoch ms). A `sending`
  // email or unanswered key without a lease (written before leases existed) counts as orphaned.
  `
  ALTER TABLE emails ADD COLUMN lease_owner TEXT;
  ALTER TABLE emails ADD COLUMN lease_until INTEGER;
  CREATE INDEX emails_lease ON emails(lease_until) WHERE status = 'sending';
  ALTER TABLE idempotency ADD COLUMN lease_owner TEXT;
  ALTER TABLE idempotency ADD COLUMN lease_until INTEGER;
  `,
  // 6: provider delivery events on their emails, the suppression list, and outbound webhooks (SPEC section 12).
  // message_key is the message id as providers' events name it (no angle brackets), indexed for matching.
  `
  ALTER TABLE emails ADD COLUMN message_key TEXT GENERATED ALWAYS AS (
    CASE WHEN trim(message_id) LIKE '<%>' THEN trim(substr(trim(message_id), 2, length(trim(message_id)) - 2)) ELSE trim(message_id) END
  ) VIRTUAL;
  CREATE INDEX emails_message_key ON emails(message_key) WHERE message_key IS NOT NULL;
  ALTER TABLE emails ADD COLUMN delivery_status TEXT;
  ALTER TABLE emails ADD COLUMN delivery_status_at TEXT;
  ALTER TABLE emails ADD COLUMN suppressed TEXT;
  ALTER TABLE emails ADD COLUMN pinned_provider TEXT;
  CREATE INDEX emails_delivery_status ON emails(delivery_status, id) WHERE delivery_status IS NOT NULL;
  CREATE TABLE delivery_events (
    id INTEGER PRIMARY KEY,
    email_id INTEGER NOT NULL REFERENCES emails(id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
    type TEXT NOT NULL,
    bounce_type TEXT,
    recipient TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    detail TEXT,
    url TEXT,
    dedupe_key TEXT NOT NULL,
    UNIQUE (provider_id, dedupe_key)
  );
  CREATE INDEX delivery_events_email ON delivery_events(email_id, occurred_at);
  CREATE TABLE suppressions (
    email_key TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    reason TEXT NOT NULL,
    provider_id TEXT,
    log_id INTEGER,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    msg_id TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    lease_owner TEXT,
    lease_until INTEGER,
    created_at TEXT NOT NULL
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
  CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    webhook_id TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    status_code INTEGER,
    duration_ms REAL NOT NULL,
    error TEXT,
    outcome TEXT NOT NULL
  );
  CREATE INDEX webhook_attempts_hook ON webhook_attempts(webhook_id, id);
  CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
  `,
  // 7: scheduled sends (`send_at`): they wait as `scheduled` and the queue claims them when due.
  `
  ALTER TABLE emails ADD COLUMN send_at TEXT;
  DROP INDEX emails_due;
  CREATE INDEX emails_due ON emails(next_attempt_at) WHERE status IN ('queued', 'sending', 'scheduled');
  `,
  // 8: new emails are counted by the store, per group commit (counters.ts), instead of a trigger per row; the
  // provider and API-key indexes skip the rows without one (every sandbox and queued email, every email when no
  // keys are in use), so an insert writes two index entries fewer. `provider_id = ?` still uses them.
  `
  DROP TRIGGER emails_count_insert;
  DROP TRIGGER emails_count_update;
  CREATE TRIGGER emails_count_update AFTER UPDATE OF status, processing_time_ms, provider_name ON emails
  WHEN OLD.status IS NOT NEW.status OR OLD.processing_time_ms IS NOT NEW.processing_time_ms OR OLD.provider_name IS NOT NEW.provider_name
  BEGIN ${counterChange} END;
  DROP INDEX emails_provider;
  CREATE INDEX emails_provider ON emails(provider_id, id) WHERE provider_id IS NOT NULL;
  DROP INDEX emails_api_key;
  CREATE INDEX emails_api_key ON emails(api_key, id) WHERE api_key IS NOT NULL;
  `,
];

/** Recomputes every counter from the rows (for databases filled without the store, e.g. benchmarks). */
export const RECOUNT = `DELETE FROM counters;
  INSERT INTO counters(key, value)
    SELECT 'total', count(*) FROM emails
    UNION ALL SELECT 'status:' || status, count(*) FROM emails GROUP BY status
    UNION ALL SELECT 'time_sum', coalesce(sum(processing_time_ms), 0) FROM emails WHERE processing_time_ms IS NOT NULL AND status IN ('success','failed','sandbox')
    UNION ALL SELECT 'time_n', count(*) FROM emails WHERE processing_time_ms IS NOT NULL AND status IN ('success','failed','sandbox')
    UNION ALL SELECT 'sent:' || provider_name, count(*) FROM emails WHERE status = 'success' AND provider_name IS NOT NULL GROUP BY provider_name
    UNION ALL SELECT 'failed:' || provider_name, count(*) FROM emails WHERE status = 'failed' AND provider_name IS NOT NULL GROUP BY provider_name;`;
