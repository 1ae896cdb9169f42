// The read side of the send log: list, detail, raw source, stats, and release of captured mail.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { SendLog } from '../../store/send-log.js';
import { SOURCES } from '../../core/email-log.js';
import { MAX_QUERY_LENGTH } from '../../store/search.js';
import type { Dispatcher } from '../../dispatch.js';
import { toRfc822 } from '../../core/rfc822.js';
import type { DeliveryEvents } from '../../store/delivery-events.js';
import { DELIVERY_STATUSES } from '../../core/delivery-event.js';
import { AttemptSchema, DeliveryEventSchema, ErrorBody } from '../schemas.js';
import { toHttpAnswer } from '../send-response.js';
import { NotFoundError, ConflictError } from '../errors.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Status = Type.Union(['queued', 'sending', 'success', 'failed', 'sandbox', 'scheduled', 'canceled'].map((s) => Type.Literal(s)));

export const LogSummarySchema = Type.Object({
  id: Type.Integer(),
  timestamp: Type.String({ format: 'date-time' }),
  from_address: Type.String(),
  to_addresses: Type.Array(Type.String()),
  subject: Type.String(),
  provider_id: Nullable(Type.String()),
  provider_name: Nullable(Type.String()),
  provider_type: Nullable(Type.String()),
  status: Status,
  processing_time_ms: Type.Union([Type.Number(), Type.Null()]),
  message_id: Nullable(Type.String()),
  error_message: Nullable(Type.String()),
  source: Type.Union(SOURCES.map((s) => Type.Literal(s))),
  attempt_count: Type.Integer(),
  delivery_status: Type.Union([...DELIVERY_STATUSES.map((s) => Type.Literal(s)), Type.Null()]),
  api_key: Type.Union([Type.String(), Type.Null()], { description: 'what submitted it: the API key\'s name, "AUTH_TOKEN", or null when no auth is configured' }),
  send_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when a scheduled email is (or was) due' }),
});

const LogDetailSchema = Type.Composite([
  LogSummarySchema,
  Type.Object({
    cc: Type.Array(Type.String()),
    bcc: Type.Array(Type.String()),
    reply_to: Nullable(Type.String()),
    body_text: Nullable(Type.String()),
    body_html: Nullable(Type.String()),
    headers: Type.Record(Type.String(), Type.String()),
    tags: Type.Record(Type.String(), Type.String()),
    attachments: Type.Array(Type.Object({ filename: Type.String(), content_type: Type.String(), size: Type.Integer() })),
    attempts: Type.Array(AttemptSchema),
    suppressed: Type.Array(Type.String(), { description: 'recipients removed before routing: on the suppression list' }),
    events: Type.Array(DeliveryEventSchema, { description: "provider delivery events, in order of the provider's occurred_at" }),
  }),
]);

const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
  status: Type.Optional(Type.String({ maxLength: 20 })),
  provider: Type.Optional(Type.String({ maxLength: 200, description: 'a provider id' })),
  q: Type.Optional(Type.String({ maxLength: MAX_QUERY_LENGTH, description: 'full-text search over subject and addresses (whole words, ANDed); total counts at most the newest 1 000 matches' })),
  source: Type.Optional(Type.String({ maxLength: 10 })),
  delivery_status: Type.Optional(Type.String({ maxLength: 20, description: 'delivered, deferred, bounced, complained or rejected' })),
  api_key: Type.Optional(Type.String({ maxLength: 100, description: 'an API key name, or AUTH_TOKEN' })),
});

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

const StatsSchema = Type.Object({
  total: Type.Integer(),
  total_sent: Type.Integer(),
  total_failed: Type.Integer(),
  total_sandbox: Type.Integer(),
  total_queued: Type.Integer(),
  total_scheduled: Type.Integer({ description: 'emails scheduled now (waiting for their send_at)' }),
  avg_processing_time_ms: Type.Number(),
  by_provider: Type.Record(Type.String(), Type.Object({ sent: Type.Integer(), failed: Type.Integer() })),
});

const notFound = () => new NotFoundError('Log entry not found');

export function logRoutes(app: FastifyInstance, store: SendLog, dispatcher: Dispatcher, events: DeliveryEvents): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/logs',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['logs'],
        summary: 'List logged emails, newest first',
        querystring: ListQuery,
        response: { 200: Type.Object({ logs: Type.Array(LogSummarySchema), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }) },
      },
    },
    async (req) => {
      const { limit, offset, status, provider, q, source, api_key, delivery_status } = req.query;
      const { logs, total } = await store.list({
        limit,
        offset,
        status: status || undefined,
        provider: provider || undefined,
        q: q || undefined,
        source: source || undefined,
        apiKey: api_key || undefined,
        delivery_status: delivery_status || undefined,
      });
      return { logs, total, limit, offset };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/logs/:id',
    { config: { scope: 'read' }, schema: { tags: ['logs'], summary: 'One email with its attempts and delivery events', params: IdParams, response: { 200: LogDetailSchema, 404: ErrorBody } } },
    async (req) => {
      const detail = await store.get(req.params.id);
      if (!detail) throw notFound();
      return { ...detail, events: await events.forEmail(req.params.id) };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/logs/:id/raw',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['logs'],
        summary: 'The email as RFC 5322 source (message/rfc822)',
        params: IdParams,
        response: { 200: { description: 'message/rfc822 source', content: { 'message/rfc822': { schema: { type: 'string' } } } }, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const stored = await store.message(req.params.id);
      if (!stored) throw notFound();
      const source = stored.message.raw ?? (await toRfc822(stored.message));
      return reply.type('message/rfc822').header('content-disposition', `inline; filename="email-${req.params.id}.eml"`).send(source);
    },
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/api/logs/:id/release',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['logs'],
        summary: 'Send a sandbox-captured email for real through the current routing (sandbox ignored)',
        description: 'Answers like POST /api/send (200 success, 502 all failed, 503 no provider); 409 when the email is not a captured one.',
        params: IdParams,
        response: { 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const result = await dispatcher.release(req.params.id);
      if (result === 'not_found') throw notFound();
      if (result === 'not_sandbox') throw new ConflictError('Only emails captured by sandbox mode can be released');
      const answer = toHttpAnswer(result);
      return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
    },
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/api/logs/:id/cancel',
    {
      config: { scope: 'send' },
      schema: {
        tags: ['logs'],
        summary: 'Cancel a scheduled email before it is sent',
        description: '200 with the log summary, now `canceled`; 409 when the email is not `scheduled` (already sent, sending, canceled, or never scheduled).',
        params: IdParams,
        response: { 200: LogSummarySchema, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const result = await dispatcher.cancel(req.params.id);
      if (result === 'not_found') throw notFound();
      if (result === 'not_scheduled') throw new ConflictError('Only scheduled emails can be canceled');
      return (await store.summary(req.params.id)) ?? Promise.reject(notFound());
    },
  );

  app.get('/api/stats', { config: { scope: 'read' }, schema: { tags: ['logs'], summary: 'Totals, kept incrementally', response: { 200: StatsSchema } } }, () => store.stats());
}
