// buildApp(deps): the Fastify instance with every plugin and route, not listening. main.ts listens.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { existsSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import type { ConfigStore } from '../config/store.js';
import type { Stores } from '../store/stores.js';
import type { Lease } from '../store/lease.js';
import type { Dispatcher } from '../dispatch.js';
import type { ProviderPool } from '../providers/pool.js';
import { VERSION } from '../version.js';
import { validatorCompiler } from './validation.js';
import { BODY_LIMIT } from './too-large.js';
import { installJsonParser } from './json-body.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './errors.js';
import { installHostGuard } from './guards.js';
import { installAuth } from './auth.js';
import { installCsrfGuard } from './csrf.js';
import type { Credentials } from '../auth/credentials.js';
import type { ApiKeyStore } from '../store/api-keys.js';
import { keyRoutes } from './routes/keys.js';
import { whoamiRoutes } from './routes/whoami.js';
import { DASHBOARD_CSP, DOCS_CSP } from './csp.js';
import { sendRoutes } from './routes/send.js';
import { sendBatchRoutes } from './routes/send-batch.js';
import { logRoutes } from './routes/logs.js';
import { configRoutes } from './routes/config.js';
import { healthRoutes } from './routes/health.js';
import { dropinRoutes } from '../dropin/routes.js';

export interface AppDeps {
  readonly config: ConfigStore;
  readonly stores: Stores;
  /** this instance's lease (owner = instance id): in-flight idempotency keys are held under it */
  readonly lease: Lease;
  readonly dispatcher: Dispatcher;
  readonly pool: ProviderPool;
  readonly logger: FastifyBaseLogger;
  readonly authToken?: string;
  readonly credentials: Credentials;
  readonly keys: ApiKeyStore;
  readonly corsOrigins?: readonly string[];
  /** the built dashboard (dist/web); absent = no dashboard */
  readonly webRoot?: string;
  /** HTTP timeouts (408): the whole request, and its headers; defaults as in settings.ts */
  readonly requestTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  /** extra route groups (events, metrics, provider health) registered by later layers */
  readonly plugins?: readonly ((app: FastifyInstance) => void)[];
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const requestTimeout = deps.requestTimeoutMs ?? 30_000;
  // Node refuses a headers timeout above the request timeout.
  const headersTimeout = Math.min(deps.headersTimeoutMs ?? 10_000, requestTimeout);
  const app = Fastify({
    loggerInstance: deps.logger,
    // One debug line per request (below) instead of Fastify's two info lines: the send path stays quiet at info.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    requestTimeout,
    // Node looks for overdue requests every connectionsCheckingInterval (30 s by default): often enough to keep its word.
    http: { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout) },
    clientErrorHandler,
    frameworkErrors,
  });
  app.setValidatorCompiler(validatorCompiler);
  // JSON only: any other body type is a 415, not a parsed string.
  app.removeContentTypeParser('text/plain');
  installJsonParser(app);
  app.addHook('onResponse', (req, reply, done) => {
    if (req.log.level === 'debug' || req.log.level === 'trace') {
      req.log.debug({ method: req.method, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request');
    }
    done();
  });
  installErrorHandling(app);
  installHostGuard(app, deps.authToken);
  installCsrfGuard(app, deps.corsOrigins);
  installAuth(app, deps.credentials);
  if (deps.corsOrigins?.length) {
    await app.register(cors, { origin: [...deps.corsOrigins], allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'prefer', 'x-postmark-server-token'], methods: ['GET', 'POST', 'PUT', 'DELETE'] });
  }
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    done(null, payload);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'ProtoPost', version: VERSION, description: 'Email gateway: routing, failover, sandbox and logs in front of email providers.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: deps.authToken ? [{ bearer: [] }] : [],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null } as any, staticCSP: DOCS_CSP });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  healthRoutes(app, deps.config, deps.stores, deps.lease.owner);
  sendRoutes(app, deps.dispatcher, deps.stores.idempotency, deps.lease);
  sendBatchRoutes(app, deps.dispatcher, deps.stores.idempotency, deps.lease);
  logRoutes(app, deps.stores.log, deps.dispatcher, deps.stores.events);
  configRoutes(app, deps.config, deps.pool);
  dropinRoutes(app, { dispatcher: deps.dispatcher, log: deps.stores.log, idempotency: deps.stores.idempotency, lease: deps.lease, credentials: deps.credentials });
  keyRoutes(app, deps.keys, deps.credentials);
  whoamiRoutes(app, deps.credentials);
  for (const plugin of deps.plugins ?? []) plugin(app);

  if (deps.webRoot && existsSync(deps.webRoot)) {
    await app.register(fastifyStatic, {
      root: deps.webRoot,
      prefix: '/',
      wildcard: false,
      setHeaders: (res) => res.setHeader('content-security-policy', DASHBOARD_CSP),
    });
  } else {
    app.get('/', { schema: { hide: true } }, (_req, reply) =>
      reply.type('text/plain').send('ProtoPost is running. The dashboard is not built: run `npm run build`. API docs: /docs'),
    );
  }
  return app;
}
