// Real PostgreSQL for tests: one fresh database per test run (random name), dropped afterwards, so helpers and
// CI runs on one server never see each other's rows. Where no server answers, tests skip LOUDLY (node:test
// skip with the reason, and a SKIPPED line on stderr) — never a silent pass.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** The server to create test databases on: TEST_DATABASE_URL, else PGHOST/PGPORT/PGUSER, else local postgres. */
export function adminUrl(): string {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const host = process.env.PGHOST || '127.0.0.1';
  const port = process.env.PGPORT || '5432';
  const user = process.env.PGUSER || 'postgres';
  return `postgres://${encodeURIComponent(user)}@${host}:${port}/postgres`;
}

export interface TestDatabase {
  /** DATABASE_URL for the new database */
  readonly url: string;
  readonly name: string;
  /** terminates what is still connected and drops the database */
  drop(): Promise<void>;
}

let probe: Promise<string | null> | undefined;

/** null when PostgreSQL is usable, else why not (cached per process). */
export function postgresUnavailable(): Promise<string | null> {
  return (probe ??= (async () => {
    const sql = postgres(adminUrl(), { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`SELECT 1`;
      return null;
    } catch (err) {
      const e = err as Error & { code?: string };
      return `no PostgreSQL at ${redacted(adminUrl())} (${e.code ?? e.message}); run .ci/run or set TEST_DATABASE_URL`;
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  })());
}

/**
 * For `test(name, await pgSkip(name), fn)`: `{ skip: reason }` when there is no server (printed as SKIPPED on
 * stderr so a run without PostgreSQL says so), `{}` otherwise.
 */
export async function pgSkip(what: string): Promise<{ skip?: string }> {
  const why = await postgresUnavailable();
  if (!why) return {};
  process.stderr.write(`\n*** SKIPPED (PostgreSQL): ${what} — ${why}\n`);
  return { skip: `SKIPPED: needs PostgreSQL — ${why}` };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `protopost_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl(), { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const a = postgres(adminUrl(), { max: 1, connect_timeout: 5, onnotice: () => {} });
      try {
        await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end({ timeout: 1 });
      }
    },
  };
}

function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'TEST_DATABASE_URL';
  }
}
