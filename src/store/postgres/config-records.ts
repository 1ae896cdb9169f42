// ConfigRecords on PostgreSQL: one row, compare-and-set on its version, and a NOTIFY in the same statement so
// every instance hears of a write once it commits. A periodic version check covers a lost notification
// (LISTEN reconnecting after the database was away).
import type { ConfigRecords, StoredConfig } from '../config-records.js';
import type { Sql } from './connect.js';

export const CONFIG_CHANNEL = 'protopost_config';

export class PgConfigRecords implements ConfigRecords {
  constructor(
    private readonly sql: Sql,
    private readonly pollMs = 1000,
  ) {}

  async load(): Promise<StoredConfig | undefined> {
    const [row] = await this.sql<StoredConfig[]>`SELECT json, version FROM config WHERE id = 1`;
    return row && { json: row.json, version: row.version };
  }

  async save(next: StoredConfig, previous: number | null): Promise<boolean> {
    const rows =
      previous === null
        ? await this.sql`WITH w AS (INSERT INTO config (id, json, version) VALUES (1, ${next.json}, ${next.version})
            ON CONFLICT (id) DO NOTHING RETURNING version)
            SELECT pg_notify(${CONFIG_CHANNEL}, version::text) FROM w`
        : await this.sql`WITH w AS (UPDATE config SET json = ${next.json}, version = ${next.version}, updated_at = now()
            WHERE id = 1 AND version = ${previous} RETURNING version)
            SELECT pg_notify(${CONFIG_CHANNEL}, version::text) FROM w`;
    return rows.length === 1;
  }

  watch(onChange: () => void): () => void {
    let stopped = false;
    let seen: number | undefined;
    const check = async () => {
      try {
        const [row] = await this.sql<{ version: number }[]>`SELECT version FROM config WHERE id = 1`;
        if (!stopped && row && seen !== undefined && row.version !== seen) onChange();
        if (row) seen = row.version;
      } catch {
        // database away: the next check (or the reconnected LISTEN) catches up
      }
    };
    void check();
    const timer = setInterval(() => void check(), this.pollMs);
    timer.unref();
    const listening = this.sql.listen(CONFIG_CHANNEL, (payload) => {
      seen = Number(payload);
      if (!stopped) onChange();
    });
    listening.catch(() => {});
    return () => {
      stopped = true;
      clearInterval(timer);
      void listening.then((l) => l.unlisten()).catch(() => {});
    };
  }
}
