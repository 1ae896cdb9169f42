// One pool per process (postgres.js): automatic prepared statements, pipelining, LISTEN with reconnection.
// Every connection commits synchronously, so a resolved write is durable before any acknowledgement.
import postgres from 'postgres';

export type Sql = postgres.Sql<{ int8: number }>;

export interface PoolOptions {
  /** connections in the pool (PG_POOL_MAX, default 10) */
  readonly max?: number;
  /** seconds to wait for a connection before a query fails (the database is down) */
  readonly connectTimeoutS?: number;
}

export function openPool(url: string, o: PoolOptions = {}): Sql {
  return postgres(url, {
    max: o.max ?? 10,
    connect_timeout: o.connectTimeoutS ?? 5,
    // Ids and counters are bigint; they stay far below 2^53, so numbers rather than strings.
    types: { int8: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) } },
    onnotice: () => {},
    connection: { application_name: 'protopost', synchronous_commit: 'on' },
  }) as unknown as Sql;
}

/** The URL without its password, for log lines and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}
