// GET /api/health: never protected, so load balancers and the dashboard can always read it.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ConfigStore } from '../../config/store.js';
import type { Stores } from '../../store/stores.js';
import { VERSION } from '../../version.js';

const Health = Type.Object({
  status: Type.String(),
  version: Type.String(),
  db_connected: Type.Boolean(),
  config_error: Type.Union([Type.String(), Type.Null()]),
  timestamp: Type.String({ format: 'date-time' }),
  database: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
  /** which instance answered (INSTANCE_ID or generated per process) */
  instance: Type.String(),
});

export function healthRoutes(app: FastifyInstance, config: ConfigStore, stores: Pick<Stores, 'ping' | 'backend'>, instance: string): void {
  app.get('/api/health', { config: { scope: 'public' }, schema: { tags: ['health'], summary: 'Liveness, database and config state', response: { 200: Health, 503: Health } } }, async (_req, reply) => {
    const db = await stores.ping();
    // SPEC 11: without its database an instance answers 503, so a load balancer's health check takes it out.
    if (!db) reply.code(503);
    return {
      status: db ? 'ok' : 'degraded',
      version: VERSION,
      db_connected: db,
      config_error: config.configError(),
      timestamp: new Date().toISOString(),
      database: stores.backend,
      instance,
    };
  });
}
