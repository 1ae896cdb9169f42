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
import type { Presence } from './queue/presence.js';
import { QueueWorker } from './queue/worker.js';
import { Handover } from './queue/handover.js';
import { buildApp } from './http/app.js';
import { observabilityRoutes } from './http/routes/observability.js';
import { eventRoutes } from './http/routes/events.js';
import { USER_AGENT } from './version.js';
import { Credentials } from './auth/credentials.js';
import { undiciClient } from './core/http-client.js';
import { EventIntake } from './webhooks/inbound/intake.js';
import { inboundWebhookRoutes } from './http/routes/webhooks-inbound.js';
import { suppressionRoutes } from './http/routes/suppressions.js';
import { webhookRoutes } from './http/routes/webhooks.js';
import { WebhookSender } from './webhooks/outbound/sender.js';
import { outboundObserver, publishOutcomes } from './webhooks/outbound/events.js';

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

export async function createGateway(settings: Settings, config: ConfigStore, stores: Stores, logger: FastifyBaseLogger, webRoot?: string, presence?: Presence): Promise<Gateway> {
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
  const { events: deliveryEvents, suppressions, webhooks, webhookDeliveries } = stores;
  const sender = new WebhookSender(webhooks, webhookDeliveries, { retryDelaysMs: settings.webhookRetryDelaysMs, allowPrivate: settings.webhookAllowPrivate, logger, owner: lease.owner });
  publishOutcomes(stores.changes, sender, logger);
  const intake = new EventIntake(config, deliveryEvents, suppressions, { now: Date.now, fetch: undiciClient, snsCertHosts: settings.snsCertHosts }, [
    metrics.intake,
    outboundObserver(sender, logger),
  ]);
  const dispatcher = new Dispatcher({
    config,
    log: stores.log,
    queue: stores.queue,
    engine,
    lease,
    random: Math.random,
    health: breaker,
    suppressions,
    // an uncertain email with on_uncertain `retry` waits the queue's first delay
    uncertainRetryMs: settings.retryDelaysMs[0],
  });
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
    plugins: [
      (a) => observabilityRoutes(a, config, breaker, metrics, settings.instanceId),
      (a) => eventRoutes(a, stores.changes, settings.eventsMaxClients),
      (a) => inboundWebhookRoutes(a, intake),
      (a) => suppressionRoutes(a, suppressions),
      (a) => webhookRoutes(a, { webhooks, deliveries: webhookDeliveries, sender, allowPrivate: settings.webhookAllowPrivate }),
    ],
  });
  const handover =
    presence &&
    new Handover(stores, presence, settings.instanceId, logger, (taken) => {
      if (taken.emails) queue.poke();
      if (taken.webhooks) sender.wake();
    });
  return { app, dispatcher, credentials, services: [queue, retention, sender, ...(handover ? [handover] : [])] };
}
