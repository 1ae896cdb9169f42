// Numbered schema migrations for PostgreSQL, applied in order under an advisory lock (see migrate.ts).
// Kept as a TypeScript list so the build carries them without copying files.

/** Counter shards: a connection adds to shard pg_backend_pid() % SHARDS, so writers rarely share a row. */
export const COUNTER_SHARDS = 64;

export const migrations: readonly { readonly name: string; readonly sql: string }[] = [
  {
    name: '001_emails',
    sql: `
    CREATE TABLE emails (
      id bigserial PRIMARY KEY,
      created_at timestamptz NOT NULL DEFAULT now(),
      source text NOT NULL,
      status text NOT NULL,
      from_address text NOT NULL,
      to_addresses text NOT NULL,
      subject text NOT NULL,
      provider_id text,
      provider_name text,
      provider_type text,
      processing_time_ms double precision,
      message_id text,
      error_message text,
      attempt_count integer NOT NULL DEFAULT 0,
      message text NOT NULL,
      raw bytea,
      idempotency_key text,
      delivery_key text,
      next_attempt_at bigint,
      delivery_rounds integer NOT NULL DEFAULT 0,
      lease_owner text,
      lease_until bigint
    );
    CREATE INDEX emails_status ON emails (status, id);
    CREATE INDEX emails_provider ON emails (provider_id, id);
    CREATE INDEX emails_source ON emails (source, id);
    CREATE INDEX emails_queued ON emails (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX emails_leased ON emails (lease_until) WHERE status = 'sending';
    -- Retention by age: a BRIN index costs next to nothing per insert on an append-mostly table.
    CREATE INDEX emails_created ON emails USING brin (created_at);

    CREATE TABLE attempts (
      id bigserial PRIMARY KEY,
      email_id bigint NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
      provider_id text NOT NULL,
      provider_name text NOT NULL,
      provider_type text NOT NULL,
      started_at text NOT NULL,
      duration_ms double precision NOT NULL,
      ok boolean NOT NULL,
      error text,
      error_class text
    );
    CREATE INDEX attempts_email ON attempts (email_id);

    -- Stats without a hot row: each key is split over shards (the writing connection's pid picks one) and
    -- summed on read. Kept by statement triggers over transition tables: one upsert per statement, net deltas.
    CREATE TABLE counters (
      shard integer NOT NULL,
      key text NOT NULL,
      value double precision NOT NULL DEFAULT 0,
      PRIMARY KEY (key, shard)
    );

    CREATE FUNCTION email_counter_deltas(e emails, sign integer) RETURNS TABLE (key text, value double precision)
    LANGUAGE sql IMMUTABLE AS $$
      SELECT 'total', sign::double precision
      UNION ALL SELECT 'status:' || e.status, sign
      UNION ALL SELECT 'time_sum', sign * e.processing_time_ms
        WHERE e.processing_time_ms IS NOT NULL AND e.status IN ('success', 'failed', 'sandbox')
      UNION ALL SELECT 'time_n', sign
        WHERE e.processing_time_ms IS NOT NULL AND e.status IN ('success', 'failed', 'sandbox')
      UNION ALL SELECT 'sent:' || e.provider_name, sign WHERE e.status = 'success' AND e.provider_name IS NOT NULL
      UNION ALL SELECT 'failed:' || e.provider_name, sign WHERE e.status = 'failed' AND e.provider_name IS NOT NULL
    $$;

    CREATE FUNCTION emails_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO counters (shard, key, value)
        SELECT pg_backend_pid() % ${COUNTER_SHARDS}, d.key, sum(d.value)
        FROM new_rows n, email_counter_deltas(n, 1) d GROUP BY d.key
      ON CONFLICT (key, shard) DO UPDATE SET value = counters.value + excluded.value;
      RETURN NULL;
    END $$;

    CREATE FUNCTION emails_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO counters (shard, key, value)
        SELECT pg_backend_pid() % ${COUNTER_SHARDS}, d.key, sum(d.value)
        FROM old_rows o, email_counter_deltas(o, -1) d GROUP BY d.key
      ON CONFLICT (key, shard) DO UPDATE SET value = counters.value + excluded.value;
      RETURN NULL;
    END $$;

    -- Lease renewals and claims that keep the counted fields add nothing: the net delta is zero and skipped.
    CREATE FUNCTION emails_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO counters (shard, key, value)
        SELECT pg_backend_pid() % ${COUNTER_SHARDS}, d.key, sum(d.value)
        FROM (
          SELECT x.* FROM new_rows n, email_counter_deltas(n, 1) x
          UNION ALL SELECT x.* FROM old_rows o, email_counter_deltas(o, -1) x
        ) d
        GROUP BY d.key HAVING sum(d.value) <> 0
      ON CONFLICT (key, shard) DO UPDATE SET value = counters.value + excluded.value;
      RETURN NULL;
    END $$;

    CREATE TRIGGER emails_count_insert AFTER INSERT ON emails REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION emails_count_insert();
    CREATE TRIGGER emails_count_delete AFTER DELETE ON emails REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION emails_count_delete();
    CREATE TRIGGER emails_count_update AFTER UPDATE ON emails REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION emails_count_update();
    `,
  },
  {
    name: '002_idempotency_config',
    sql: `
    CREATE TABLE idempotency (
      key text PRIMARY KEY,
      request_hash text NOT NULL,
      created_at bigint NOT NULL,
      log_id bigint,
      status_code integer,
      response text,
      lease_owner text,
      lease_until bigint
    );
    CREATE INDEX idempotency_created ON idempotency (created_at);

    -- One row: the config document and its version (compare-and-set on version serializes writers).
    CREATE TABLE config (
      id integer PRIMARY KEY CHECK (id = 1),
      json text NOT NULL,
      version integer NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    `,
  },
  {
    name: '003_api_keys',
    sql: `
    CREATE TABLE api_keys (
      id bigserial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      scope text NOT NULL,
      prefix text NOT NULL,
      hash text NOT NULL UNIQUE,
      created_at text NOT NULL,
      last_used_at text
    );
    -- which API key sent each email (SPEC 9.1)
    ALTER TABLE emails ADD COLUMN api_key text;
    CREATE INDEX emails_api_key ON emails (api_key, id);
    `,
  },
  {
    // SPEC section 12 on the send log (as SQLite migration 6): delivery status, suppressed recipients, the
    // on_uncertain retry pin. The events, suppression and webhook tables follow in 006.
    name: '004_section12_log',
    sql: `
    ALTER TABLE emails ADD COLUMN delivery_status text;
    ALTER TABLE emails ADD COLUMN delivery_status_at text;
    ALTER TABLE emails ADD COLUMN suppressed text;
    ALTER TABLE emails ADD COLUMN pinned_provider text;
    CREATE INDEX emails_delivery_status ON emails (delivery_status, id) WHERE delivery_status IS NOT NULL;
    `,
  },
  {
    name: '005_scheduled_sends',
    sql: `
    -- scheduled sends (SPEC 13): they wait as 'scheduled' (next_attempt_at = send_at) and the queue claims them when due
    ALTER TABLE emails ADD COLUMN send_at text;
    DROP INDEX emails_queued;
    CREATE INDEX emails_queued ON emails (next_attempt_at) WHERE status IN ('queued', 'scheduled');
    `,
  },
  {
    // SPEC section 12 stores (as SQLite migration 6): provider delivery events on their emails, the suppression
    // list, outbound webhooks and their leased deliveries. Timestamps are ISO text and epoch-ms bigints as in
    // SQLite, so both backends share their row mappers (src/store/event-rows.ts).
    name: '006_section12_stores',
    sql: `
    -- A provider message id as events name it: trimmed, angle brackets stripped (core messageKey(), SQLite's
    -- generated message_key column). An expression index matches events to emails without rewriting the table.
    CREATE FUNCTION message_key(id text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT CASE WHEN btrim(id) LIKE '<%>' THEN btrim(substr(btrim(id), 2, length(btrim(id)) - 2)) ELSE btrim(id) END
    $$;
    CREATE INDEX emails_message_key ON emails (message_key(message_id), provider_id, id) WHERE message_id IS NOT NULL;

    -- The unique key makes the dedupe atomic: a provider's retry, on any instance, inserts nothing.
    CREATE TABLE delivery_events (
      id bigserial PRIMARY KEY,
      email_id bigint NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
      provider_id text NOT NULL,
      type text NOT NULL,
      bounce_type text,
      recipient text NOT NULL,
      occurred_at text NOT NULL,
      detail text,
      url text,
      dedupe_key text NOT NULL,
      UNIQUE (provider_id, dedupe_key)
    );
    CREATE INDEX delivery_events_email ON delivery_events (email_id, occurred_at);

    CREATE TABLE suppressions (
      email_key text PRIMARY KEY,
      email text NOT NULL,
      reason text NOT NULL,
      provider_id text,
      log_id bigint,
      created_at text NOT NULL
    );
    CREATE INDEX suppressions_created ON suppressions (created_at DESC, email_key);

    CREATE TABLE webhooks (
      id text PRIMARY KEY,
      url text NOT NULL,
      events text NOT NULL,
      description text,
      secret text NOT NULL,
      created_at text NOT NULL
    );

    CREATE TABLE webhook_deliveries (
      id bigserial PRIMARY KEY,
      webhook_id text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
      msg_id text NOT NULL,
      event text NOT NULL,
      payload text NOT NULL,
      status text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at bigint,
      lease_owner text,
      lease_until bigint,
      created_at text NOT NULL
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id);

    CREATE TABLE webhook_attempts (
      id bigserial PRIMARY KEY,
      delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
      webhook_id text NOT NULL,
      attempted_at text NOT NULL,
      status_code integer,
      duration_ms double precision NOT NULL,
      error text,
      outcome text NOT NULL
    );
    CREATE INDEX webhook_attempts_hook ON webhook_attempts (webhook_id, id);
    CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
    `,
  },
  {
    // As SQLite's migration 8: most emails have no API key, and none has a provider until it is sent, so these
    // indexes skip them (a filter on either column implies IS NOT NULL, so they still answer it).
    name: '007_partial_indexes',
    sql: `
    DROP INDEX emails_provider;
    CREATE INDEX emails_provider ON emails (provider_id, id) WHERE provider_id IS NOT NULL;
    DROP INDEX emails_api_key;
    CREATE INDEX emails_api_key ON emails (api_key, id) WHERE api_key IS NOT NULL;
    `,
  },
];
