// API keys (SPEC 9.1): create (the secret shown once), list, delete. Only AUTH_TOKEN may manage them.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { hashSecret, newSecret, type Credentials } from '../../auth/credentials.js';
import { KEY_SCOPES, type ApiKeyStore } from '../../store/api-keys.js';
import { ErrorBody, ValidationErrorBody } from '../schemas.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { RequestValidationError } from '../validation.js';

/** Names end up in log records and the dashboard: no control characters. */
const KEY_NAME = '^[^\\u0000-\\u001f\\u007f]+$';

export const ApiKeySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  scope: Type.Union(KEY_SCOPES.map((s) => Type.Literal(s))),
  prefix: Type.String({ description: "the secret's first 8 characters" }),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'updated at most once a minute' }),
});

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: KEY_NAME, description: 'unique; names the key in every log record it submits' }),
    scope: Type.Union(KEY_SCOPES.map((s) => Type.Literal(s)), { description: '`send`: the send endpoints and SMTP; `read`: every GET; `admin`: everything but keys' }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const tokenOnly = { scope: 'token' } as const;

export function keyRoutes(app: FastifyInstance, keys: ApiKeyStore, credentials: Credentials): void {
  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/keys',
    {
      config: tokenOnly,
      schema: {
        tags: ['keys'],
        summary: 'Create an API key; the secret is in this answer only',
        body: CreateBody,
        response: { 201: Type.Object({ key: ApiKeySchema, secret: Type.String({ description: '`pp_…`, shown once' }) }), 409: ErrorBody, 422: ValidationErrorBody },
      },
    },
    async (req, reply) => {
      // Without a token nothing is checked, so a key would guard nothing and anyone could mint one.
      if (!credentials.required) throw new ConflictError('API keys need AUTH_TOKEN: set AUTH_TOKEN first');
      // Log records name the token "AUTH_TOKEN": a key of that name would be indistinguishable from it.
      if (req.body.name === 'AUTH_TOKEN') throw new RequestValidationError([{ loc: ['body', 'name'], msg: 'AUTH_TOKEN names the token itself: choose another name', type: 'value_error' }]);
      const secret = newSecret();
      const key = await keys.create({ name: req.body.name, scope: req.body.scope, prefix: secret.slice(0, 8), hash: hashSecret(secret) });
      if (key === 'duplicate_name') throw new ConflictError(`A key named ${req.body.name} already exists`);
      return reply.code(201).send({ key, secret });
    },
  );

  app.get(
    '/api/keys',
    { config: tokenOnly, schema: { tags: ['keys'], summary: 'List API keys (never their secrets)', response: { 200: Type.Object({ keys: Type.Array(ApiKeySchema) }) } } },
    async () => ({ keys: await keys.list() }),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/keys/:id',
    {
      config: tokenOnly,
      schema: { tags: ['keys'], summary: 'Revoke an API key: it fails at once', params: IdParams, response: { 200: Type.Object({ message: Type.String() }), 404: ErrorBody } },
    },
    async (req) => {
      if (!(await keys.delete(req.params.id))) throw new NotFoundError(`API key not found: ${req.params.id}`);
      credentials.forget(req.params.id);
      return { message: `API key ${req.params.id} deleted` };
    },
  );
}
