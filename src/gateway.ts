// Wires the parts: config, store, providers, breaker, metrics, routing, dispatch, queue, retention, HTTP app.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Settings } from './settings.js';
import type { ConfigStore } from './config/store.js';
import { cleanErrorText, collectSecrets, scrub } from './config/secrets.js';
import type { Stores } from './store/stores.js';
import { Retention } from './store/retention.js';
import { ProviderPool } from './providers/pool.js';
import { CircuitBreaker } from './routing/breaker.js';
import { RoutingEngine } from './routing/engine.js';
import { Metrics } from './metrics.js';
import { Dispatcher } from './dispatch.js';
import { QueueWorker } from './queue/worker.js';
import { buildApp } from './http/app.js';
import { observabilityRoutes } from './http/routes/observability.js';
import { eventRoutes } from './http/routes/events.js';
import { USER_AGENT } from './version.js';
import { Credentials } from './auth/credentials.js';
import { undiciClient } from './core/http-client.js';

/** Something started beside the HTTP server and stopped with it. */
export interface Service {
  start(): Promise<void>;
  /** stop intake, let in-flight work finish (bounded), release resources */
  stop(): Promise<void>;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly dispatcher: Dispatcher;
  /** AUTH_TOKEN and API keys, shared by HTTP and SMTP */
  readonly credentials: Credentials;
  /** queue worker and retention; started once HTTP listens */
  readonly services: Service[];
}

export async function createGateway(settings: Settings, config: ConfigStore, stores: Stores, logger: FastifyBaseLogger, webRoot?: string): Promise<Gateway> {
  const pool = new ProviderPool({ fetch: undiciClient, userAgent: USER_AGENT });
  const breaker = new CircuitBreaker({
    threshold: settings.breakerThreshold,
    cooldownMs: settings.breakerCooldownMs,
    scrub: (text) => scrub(text, collectSecrets(config.current())),
  });
  const metrics = new Metrics(stores.queue, stores.changes, breaker, () => config.current().providers);
  const engine = new RoutingEngine(
    (c) => pool.get(c),
    {
      onAttempt(provider, receipt, durationMs) {
        breaker.onAttempt(provider, receipt);
        metrics.onAttempt(provider, receipt, durationMs);
      },
    },
    (text) => cleanErrorText(text, collectSecrets(config.current())),
  );
  // Everything this instance works on (sends, claims, in-flight idempotency keys) is held under this lease.
  const lease = { owner: settings.instanceId, ms: settings.queueLeaseMs };
  const dispatcher = new Dispatcher({ config, log: stores.log, queue: stores.queue, engine, lease, random: Math.random, health: breaker });
  const queue = new QueueWorker(stores.queue, stores.changes, dispatcher, lease, logger, { retryDelaysMs: settings.retryDelaysMs, graceMs: settings.shutdownGraceMs });
  const retention = new Retention(stores, logger, { retentionDays: settings.retentionDays, maxRows: settings.maxRows });

  const credentials = new Credentials(settings.authToken, stores.apiKeys);
  const app = await buildApp({
    config,
    stores,
    lease,
    dispatcher,
    pool,
    logger,
    authToken: settings.authToken,
    credentials,
    keys: stores.apiKeys,
    corsOrigins: settings.corsOrigins,
    requestTimeoutMs: settings.requestTimeoutMs,
    headersTimeoutMs: settings.headersTimeoutMs,
    webRoot,
    plugins: [(a) => observabilityRoutes(a, config, breaker, metrics, settings.instanceId), (a) => eventRoutes(a, stores.changes, settings.eventsMaxClients)],
  });
  return { app, dispatcher, credentials, services: [queue, retention] };
}
