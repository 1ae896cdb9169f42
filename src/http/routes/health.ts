// GET /api/health: never protected, so load balancers and the dashboard can always read it.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ConfigStore } from '../../config/store.js';
import type { EmailStore } from '../../store/email-store.js';
import { VERSION } from '../../version.js';

const Health = Type.Object({
  status: Type.String(),
  version: Type.String(),
  db_connected: Type.Boolean(),
  config_error: Type.Union([Type.String(), Type.Null()]),
  timestamp: Type.String({ format: 'date-time' }),
});

export function healthRoutes(app: FastifyInstance, config: ConfigStore, store: EmailStore): void {
  app.get('/api/health', { config: { scope: 'public' }, schema: { tags: ['health'], summary: 'Liveness, database and config state', response: { 200: Health } } }, () => {
    let db = false;
    try {
      db = store.db.open && store.db.prepare('SELECT 1').pluck().get() === 1;
    } catch {
      db = false;
    }
    return { status: db ? 'ok' : 'degraded', version: VERSION, db_connected: db, config_error: config.configError(), timestamp: new Date().toISOString() };
  });
}
