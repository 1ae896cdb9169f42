// GET /api/providers/health (circuit state per provider) and GET /metrics (Prometheus text).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ConfigStore } from '../../config/store.js';
import type { CircuitBreaker } from '../../routing/breaker.js';
import type { Metrics } from '../../metrics.js';

const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);
const HealthList = Type.Object({
  providers: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      type: Type.String(),
      state: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half_open')]),
      consecutive_failures: Type.Integer(),
      last_error: Nullable(Type.String()),
      last_success_at: Nullable(Type.String({ format: 'date-time' })),
      last_failure_at: Nullable(Type.String({ format: 'date-time' })),
    }),
  ),
  /** the circuit breaker is per instance (SPEC 11): which one answered */
  instance: Type.String(),
});

export function observabilityRoutes(app: FastifyInstance, config: ConfigStore, breaker: CircuitBreaker, metrics: Metrics, instance: string): void {
  app.get(
    '/api/providers/health',
    { config: { scope: 'read' }, schema: { tags: ['health'], summary: 'Circuit breaker state, failures and last error per provider', response: { 200: HealthList } } },
    () => ({ providers: breaker.health(config.current().providers), instance }),
  );

  app.get(
    '/metrics',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format)',
        response: { 200: { description: 'Prometheus text', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
