// buildApp(deps): the Fastify instance with every plugin and route, not listening. main.ts listens.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { existsSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import type { ConfigStore } from '../config/store.js';
import type { EmailStore } from '../store/email-store.js';
import type { Dispatcher } from '../dispatch.js';
import type { ProviderPool } from '../providers/pool.js';
import type { IdempotencyStore } from '../store/idempotency-store.js';
import { VERSION } from '../version.js';
import { validatorCompiler } from './validation.js';
import { frameworkErrors, installErrorHandling } from './errors.js';
import { installAuth, installHostGuard } from './guards.js';
import { sendRoutes } from './routes/send.js';
import { sendBatchRoutes } from './routes/send-batch.js';
import { logRoutes } from './routes/logs.js';
import { configRoutes } from './routes/config.js';
import { healthRoutes } from './routes/health.js';
import { dropinRoutes } from '../dropin/routes.js';

export const BODY_LIMIT = 10 * 1024 * 1024;

export interface AppDeps {
  readonly config: ConfigStore;
  readonly store: EmailStore;
  readonly dispatcher: Dispatcher;
  readonly pool: ProviderPool;
  readonly idempotency: IdempotencyStore;
  readonly logger: FastifyBaseLogger;
  readonly authToken?: string;
  readonly corsOrigins?: readonly string[];
  /** the built dashboard (dist/web); absent = no dashboard */
  readonly webRoot?: string;
  /** extra route groups (events, metrics, provider health) registered by later layers */
  readonly plugins?: readonly ((app: FastifyInstance) => void)[];
}

/** Strict CSP for the dashboard: own scripts only; email HTML is shown only in sandboxed iframes. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self' about: data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // One debug line per request (below) instead of Fastify's two info lines: the send path stays quiet at info.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    frameworkErrors,
  });
  app.setValidatorCompiler(validatorCompiler);
  // JSON only: any other body type is a 415, not a parsed string.
  app.removeContentTypeParser('text/plain');
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request');
  });
  installErrorHandling(app);
  installHostGuard(app, deps.authToken);
  installAuth(app, deps.authToken);
  if (deps.corsOrigins?.length) {
    await app.register(cors, { origin: [...deps.corsOrigins], allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'prefer', 'x-postmark-server-token'], methods: ['GET', 'POST', 'PUT', 'DELETE'] });
  }
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'ProtoPost', version: VERSION, description: 'Email gateway: routing, failover, sandbox and logs in front of email providers.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: deps.authToken ? [{ bearer: [] }] : [],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null } as any });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  healthRoutes(app, deps.config, deps.store);
  sendRoutes(app, deps.dispatcher, deps.idempotency);
  sendBatchRoutes(app, deps.dispatcher, deps.idempotency);
  logRoutes(app, deps.store, deps.dispatcher);
  configRoutes(app, deps.config, deps.pool);
  dropinRoutes(app, { dispatcher: deps.dispatcher, store: deps.store, idempotency: deps.idempotency, authToken: deps.authToken });
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
