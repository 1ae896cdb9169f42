// Which PostgreSQL client errors mean "no database now" (down, restarting, connection cut) rather than a bad
// query. Driver-free, so the HTTP error handler can ask without loading the client in SQLite mode.
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const CLIENT = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);
// admin_shutdown (pg_terminate_backend, fast shutdown), crash_shutdown, cannot_connect_now (starting, recovering)
const SERVER = new Set(['57P01', '57P02', '57P03']);

export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return NETWORK.has(code) || CLIENT.has(code) || SERVER.has(code) || code.startsWith('08');
}
