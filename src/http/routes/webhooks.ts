// Outbound webhooks (SPEC section 12): endpoints the application registers, and their recent deliveries.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Webhooks, WebhookDeliveries } from '../../store/webhooks.js';
import { OUTBOUND_EVENTS, type WebhookSender } from '../../webhooks/outbound/sender.js';
import { checkDestination, type Resolver } from '../../webhooks/outbound/destination.js';
import { ErrorBody, ValidationErrorBody } from '../schemas.js';
import { NotFoundError } from '../errors.js';
import { RequestValidationError } from '../validation.js';

const EventName = Type.Union(OUTBOUND_EVENTS.map((e) => Type.Literal(e)));
const WebhookSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
});
const CreateBody = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  events: Type.Array(EventName, { minItems: 1, maxItems: OUTBOUND_EVENTS.length, uniqueItems: true }),
  description: Type.Optional(Type.String({ maxLength: 500 })),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const AttemptSchema = Type.Object({
  event: Type.String(),
  msg_id: Type.String({ description: 'the webhook-id header, the same on every retry' }),
  attempted_at: Type.String({ format: 'date-time' }),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  duration_ms: Type.Number(),
  error: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Union([Type.Literal('delivered'), Type.Literal('retrying'), Type.Literal('failed')]),
});

export interface WebhookRouteDeps {
  readonly webhooks: Webhooks;
  readonly deliveries: WebhookDeliveries;
  readonly sender: WebhookSender;
  readonly allowPrivate: boolean;
  readonly resolve?: Resolver;
}

export function webhookRoutes(app: FastifyInstance, d: WebhookRouteDeps): void {
  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/webhooks',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Register an endpoint for delivery events (the signing secret is shown once)',
        body: CreateBody,
        response: { 201: Type.Object({ webhook: WebhookSchema, secret: Type.String() }), 422: ValidationErrorBody },
      },
    },
    async (req, reply) => {
      const check = await checkDestination(req.body.url, d.allowPrivate, d.resolve);
      if (!check.ok) throw new RequestValidationError([{ loc: ['body', 'url'], msg: check.reason, type: 'url_refused' }]);
      const webhook = { id: `wh_${randomUUID().replace(/-/g, '').slice(0, 20)}`, url: check.url.href, events: req.body.events, description: req.body.description ?? null, created_at: new Date().toISOString() };
      const secret = `whsec_${randomBytes(24).toString('base64')}`;
      await d.webhooks.create({ ...webhook, secret });
      d.sender.invalidate();
      return reply.code(201).send({ webhook, secret });
    },
  );

  app.get('/api/webhooks', { config: { scope: 'read' }, schema: { tags: ['webhooks'], summary: 'Registered endpoints (never their secrets)', response: { 200: Type.Object({ webhooks: Type.Array(WebhookSchema) }) } } }, async () => ({
    webhooks: await d.webhooks.list(),
  }));

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/webhooks/:id',
    { config: { scope: 'admin' }, schema: { tags: ['webhooks'], summary: 'Remove an endpoint and its pending deliveries', params: IdParams, response: { 200: Type.Object({ message: Type.String() }), 404: ErrorBody } } },
    async (req) => {
      if (!(await d.webhooks.delete(req.params.id))) throw new NotFoundError('Webhook not found');
      d.sender.invalidate();
      return { message: 'Webhook deleted' };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/webhooks/:id/deliveries',
    { config: { scope: 'read' }, schema: { tags: ['webhooks'], summary: 'Recent delivery attempts to an endpoint, newest first', params: IdParams, response: { 200: Type.Object({ deliveries: Type.Array(AttemptSchema) }), 404: ErrorBody } } },
    async (req) => {
      if (!(await d.webhooks.get(req.params.id))) throw new NotFoundError('Webhook not found');
      return { deliveries: await d.deliveries.recent(req.params.id, 100) };
    },
  );
}
