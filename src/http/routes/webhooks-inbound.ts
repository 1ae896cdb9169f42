// POST /webhooks/{provider_id}: provider delivery events. Outside /api and without the bearer token: the
// provider's signature authenticates. The raw bytes are kept for verification whatever the content type
// (SNS posts JSON as text/plain), and bodies are capped at 1 MiB.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { EventIntake } from '../../webhooks/inbound/intake.js';
import { ErrorBody } from '../schemas.js';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

const Params = Type.Object({ provider_id: Type.String({ minLength: 1, maxLength: 200 }) });

export function inboundWebhookRoutes(app: FastifyInstance, intake: EventIntake): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((error: { code?: string; statusCode?: number }, req, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ detail: { message: `Webhook body too large: the limit is ${WEBHOOK_BODY_LIMIT} bytes (1 MiB)` } });
      if (error.statusCode && error.statusCode < 500) return reply.code(error.statusCode).send({ detail: { message: 'Bad webhook request' } });
      req.log.error({ err: error }, 'webhook intake failed');
      // 5xx: the provider retries later, so nothing is lost.
      return reply.code(500).send({ detail: { message: 'Internal server error. Check server logs for details.' } });
    });
    scope.post<{ Params: Static<typeof Params> }>(
      '/webhooks/:provider_id',
      {
        config: { scope: 'public' },
        bodyLimit: WEBHOOK_BODY_LIMIT,
        schema: {
          tags: ['webhooks'],
          summary: "Receive a provider's delivery events (verified by that provider's signature scheme)",
          params: Params,
          response: { 200: Type.Object({}, { additionalProperties: true }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody },
        },
      },
      async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const answer = await intake.receive(req.params.provider_id, { headers: req.headers, body });
        return reply.code(answer.status).send(answer.body);
      },
    );
  });
}
