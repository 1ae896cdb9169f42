// Applies the numbered migrations once. The transaction-scoped advisory lock makes instances that start
// together on an empty database wait for each other: the first applies, the rest find nothing to do.
import type { Sql } from './connect.js';
import { migrations } from './migrations.js';

const MIGRATION_LOCK = 7_260_011; // any constant shared by every instance

export async function migrate(sql: Sql): Promise<number> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const [{ v }] = await tx<{ v: number }[]>`SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations`;
    for (let i = v; i < migrations.length; i++) {
      await tx.unsafe(migrations[i].sql);
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${i + 1}, ${migrations[i].name})`;
    }
    return migrations.length - v;
  });
}
