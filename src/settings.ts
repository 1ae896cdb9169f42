// Environment variables → settings, checked once at start (a bad value is a one-line startup error).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

export interface Settings {
  readonly host: string;
  readonly port: number;
  /** null = SMTP ingress off */
  readonly smtpPort: number | null;
  readonly smtpMaxBytes: number;
  /** concurrent SMTP sessions; the next one gets 421 */
  readonly smtpMaxClients: number;
  /** RCPT TO per message; the next one gets 452 */
  readonly smtpMaxRecipients: number;
  /** an SMTP session silent this long is closed (421) */
  readonly smtpIdleTimeoutMs: number;
  readonly smtpTlsCert?: string;
  readonly smtpTlsKey?: string;
  readonly configPath: string;
  readonly databasePath: string;
  /** postgres://… selects PostgreSQL (SPEC section 11); absent = SQLite at databasePath */
  readonly databaseUrl?: string;
  /** SQLite: past this many bytes of WAL the checkpointer rewinds it (WAL_MAX_BYTES; unset = 64 MiB) */
  readonly walMaxBytes?: number;
  /** this process among instances (INSTANCE_ID, else host-pid-random): owner of its leases, shown by /api/health */
  readonly instanceId: string;
  /** how long a claim or an in-flight send is held without renewal before another instance may take it */
  readonly queueLeaseMs: number;
  readonly authToken?: string;
  readonly corsOrigins: string[];
  readonly logLevel: string;
  readonly retentionDays?: number;
  readonly maxRows?: number;
  /** queue retry delays in ms between delivery rounds (QUEUE_RETRY_DELAYS_MS, comma-separated) */
  readonly retryDelaysMs: number[];
  /** circuit breaker: consecutive failures to open, and how long it stays open */
  readonly breakerThreshold: number;
  readonly breakerCooldownMs: number;
  /** how long SIGTERM waits for in-flight sends */
  readonly shutdownGraceMs: number;
  /** host[:port] entries SNS certificates and SubscribeURLs may come from besides sns.<region>.amazonaws.com */
  readonly snsCertHosts: string[];
  /** waits between outbound webhook attempts (WEBHOOK_RETRY_DELAYS_MS): N waits = N + 1 attempts */
  readonly webhookRetryDelaysMs: number[];
  /** WEBHOOK_ALLOW_PRIVATE=1: outbound webhooks may go to loopback and private addresses */
  readonly webhookAllowPrivate: boolean;
  /** HTTP: the whole request (headers and body) must arrive within this (408 otherwise) */
  readonly requestTimeoutMs: number;
  /** HTTP: the request headers must arrive within this (408 otherwise) */
  readonly headersTimeoutMs: number;
  /** concurrent `GET /api/events` streams; one more is a 503 */
  readonly eventsMaxClients: number;
}

export class SettingsError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new SettingsError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

const optionalInt = (env: NodeJS.ProcessEnv, name: string, min: number) => (env[name] ? int(env, name, 0, min) : undefined);

/** Default: 5 delivery rounds over about 15 minutes (30 s, 2 min, 4 min, 8 min between them). */
export const DEFAULT_RETRY_DELAYS_MS = [30_000, 120_000, 240_000, 480_000];

/** Default: 5 webhook attempts over about an hour (1 min, 5 min, 15 min, 40 min between them). */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS = [60_000, 300_000, 900_000, 2_400_000];

function delayList(env: NodeJS.ProcessEnv, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (!raw) return fallback;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.length > 100 || list.some((n) => !Number.isFinite(n) || n < 0)) throw new SettingsError(`${name} must be comma-separated milliseconds, got "${raw}"`);
  return list;
}

function databaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const url = env.DATABASE_URL;
  if (!url) return undefined;
  // The URL may hold a password: never echo it back.
  if (url.length > 2048 || !/^postgres(ql)?:\/\//.test(url)) throw new SettingsError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  return url;
}

function instanceId(env: NodeJS.ProcessEnv): string {
  const id = env.INSTANCE_ID;
  if (!id) return `${hostname().slice(0, 64)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (id.length > 128 || !/^[A-Za-z0-9._:-]+$/.test(id)) throw new SettingsError('INSTANCE_ID must be 1–128 characters of letters, digits and . _ : -');
  return id;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const smtp = env.SMTP_LISTEN_PORT;
  const delays = env.QUEUE_RETRY_DELAYS_MS;
  const retryDelaysMs = delays ? delays.split(',').map((s) => Number(s.trim())) : DEFAULT_RETRY_DELAYS_MS;
  if (retryDelaysMs.some((n) => !Number.isFinite(n) || n < 0)) throw new SettingsError(`QUEUE_RETRY_DELAYS_MS must be comma-separated milliseconds, got "${delays}"`);
  return {
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 8000, 0, 65535),
    smtpPort: smtp === 'off' ? null : int(env, 'SMTP_LISTEN_PORT', 2525, 0, 65535),
    smtpMaxBytes: int(env, 'SMTP_LISTEN_MAX_BYTES', 25 * 1024 * 1024, 1),
    smtpMaxClients: int(env, 'SMTP_LISTEN_MAX_CLIENTS', 100, 1),
    smtpMaxRecipients: int(env, 'SMTP_LISTEN_MAX_RECIPIENTS', 100, 1),
    smtpIdleTimeoutMs: int(env, 'SMTP_LISTEN_IDLE_TIMEOUT_MS', 60_000, 1000),
    smtpTlsCert: env.SMTP_LISTEN_TLS_CERT || undefined,
    smtpTlsKey: env.SMTP_LISTEN_TLS_KEY || undefined,
    configPath: resolve(env.CONFIG_PATH || './config.json'),
    databasePath: resolve(env.DATABASE_PATH || './emails.db'),
    databaseUrl: databaseUrl(env),
    walMaxBytes: optionalInt(env, 'WAL_MAX_BYTES', 1024 * 1024),
    instanceId: instanceId(env),
    queueLeaseMs: int(env, 'QUEUE_LEASE_MS', 30_000, 100, 3_600_000),
    authToken: env.AUTH_TOKEN || undefined,
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: env.LOG_LEVEL || 'info',
    retentionDays: optionalInt(env, 'LOG_RETENTION_DAYS', 1),
    maxRows: optionalInt(env, 'LOG_MAX_ROWS', 1),
    retryDelaysMs,
    breakerThreshold: int(env, 'BREAKER_THRESHOLD', 3, 1),
    breakerCooldownMs: int(env, 'BREAKER_COOLDOWN_MS', 30_000, 0),
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000, 0),
    snsCertHosts: (env.SNS_CERT_HOSTS ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
    webhookRetryDelaysMs: delayList(env, 'WEBHOOK_RETRY_DELAYS_MS', DEFAULT_WEBHOOK_RETRY_DELAYS_MS),
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE === '1',
    requestTimeoutMs: int(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 1),
    headersTimeoutMs: int(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 1),
    eventsMaxClients: int(env, 'EVENTS_MAX_CLIENTS', 100, 1),
  };
}
