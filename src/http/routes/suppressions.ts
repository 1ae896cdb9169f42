// The suppression list (SPEC section 12): list/search, add by hand, remove.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { SUPPRESSION_REASONS, type Suppressions } from '../../store/suppressions.js';
import { parseAddress } from '../../core/message.js';
import { ErrorBody, ValidationErrorBody } from '../schemas.js';
import { NotFoundError } from '../errors.js';
import { RequestValidationError } from '../validation.js';

const SuppressionSchema = Type.Object({
  email: Type.String(),
  reason: Type.Union(SUPPRESSION_REASONS.map((r) => Type.Literal(r))),
  provider_id: Type.Union([Type.String(), Type.Null()]),
  log_id: Type.Union([Type.Integer(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
});

const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'part of the address' })),
});

const AddBody = Type.Object({
  email: Type.String({ minLength: 3, maxLength: 320 }),
  reason: Type.Optional(Type.Union(SUPPRESSION_REASONS.map((r) => Type.Literal(r)))),
});

const EmailParams = Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }) });

export function suppressionRoutes(app: FastifyInstance, suppressions: Suppressions): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/suppressions',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['suppressions'],
        summary: 'Suppressed addresses, newest first',
        querystring: ListQuery,
        response: { 200: Type.Object({ suppressions: Type.Array(SuppressionSchema), total: Type.Integer() }) },
      },
    },
    (req) => suppressions.list({ limit: req.query.limit, offset: req.query.offset, q: req.query.q || undefined }),
  );

  app.post<{ Body: Static<typeof AddBody> }>(
    '/api/suppressions',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['suppressions'],
        summary: 'Suppress an address (no email goes to it through any provider)',
        body: AddBody,
        response: { 201: Type.Object({ suppression: SuppressionSchema, created: Type.Boolean() }), 422: ValidationErrorBody },
      },
    },
    async (req, reply) => {
      const parsed = parseAddress(req.body.email);
      if (!parsed || parsed.name) throw new RequestValidationError([{ loc: ['body', 'email'], msg: 'Input should be an address addr@domain', type: 'value_error' }]);
      const created = await suppressions.add({ email: parsed.address, reason: req.body.reason ?? 'manual', provider_id: null, log_id: null });
      const suppression = await suppressions.get(parsed.address);
      return reply.code(201).send({ suppression, created });
    },
  );

  app.delete<{ Params: Static<typeof EmailParams> }>(
    '/api/suppressions/:email',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['suppressions'],
        summary: 'Remove an address from the suppression list',
        params: EmailParams,
        response: { 200: Type.Object({ message: Type.String() }), 404: ErrorBody },
      },
    },
    async (req) => {
      if (!(await suppressions.remove(req.params.email))) throw new NotFoundError('Address is not suppressed');
      return { message: 'Removed from the suppression list' };
    },
  );
}
