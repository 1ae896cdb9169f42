// What the three drop-in APIs (Resend, SendGrid, Postmark) share: each is an encapsulated Fastify scope with
// its own credential header and its own error shape; a request is translated into the native send input,
// checked by the native validation (same limits, same header rules), and goes through the one dispatch path.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FieldError } from '../config/types.js';
import type { DispatchResult, Dispatcher } from '../dispatch.js';
import type { Source } from '../core/email-log.js';
import type { SendLog } from '../store/send-log.js';
import type { IdempotencyKeys } from '../store/idempotency-keys.js';
import type { Lease } from '../store/lease.js';
import { allows, principalName, scopeRefusal, type Credentials, type Principal, type RouteScope } from '../auth/credentials.js';
import { ConflictError, HttpError } from '../http/errors.js';
import { compileBodySchema, problemsOf, RequestValidationError, toFieldErrors } from '../http/validation.js';
import { sendInputProblems } from '../http/routes/send.js';
import type { SendInput } from '../core/message.js';

export interface DropinDeps {
  readonly dispatcher: Dispatcher;
  readonly log: SendLog;
  readonly idempotency: IdempotencyKeys;
  /** this instance's lease, held on an Idempotency-Key while its request runs */
  readonly lease: Lease;
  readonly credentials: Credentials;
}

/** A problem in the provider's terms: the field as that API names it. */
export interface Problem {
  readonly field: string;
  readonly msg: string;
  /** the native problem type (`missing`, `value_error`, …), for APIs that name error kinds */
  readonly type: string;
}

export type Failure =
  | { readonly kind: 'unauthorized'; readonly presented: boolean }
  | { readonly kind: 'forbidden'; readonly msg: string }
  | { readonly kind: 'invalid'; readonly problems: readonly Problem[] }
  | { readonly kind: 'malformed'; readonly msg: string }
  | { readonly kind: 'too_large' }
  | { readonly kind: 'conflict'; readonly msg: string }
  | { readonly kind: 'not_found'; readonly msg: string }
  | { readonly kind: 'unavailable'; readonly msg: string }
  | { readonly kind: 'delivery_failed'; readonly msg: string }
  | { readonly kind: 'internal' };

export interface Dialect {
  readonly source: Source;
  /** where this API's SDK puts its key */
  credential(req: FastifyRequest): string | undefined;
  /** the API's own status and error body */
  render(f: Failure): { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> };
}

/** Thrown by a translator: answered in the dialect's shape by the scope's error handler. */
export class DropinFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.kind);
  }
}

export const invalid = (problems: readonly Problem[]) => new DropinFailure({ kind: 'invalid', problems });

export const INTERNAL_MESSAGE = 'Internal server error. Check the gateway logs for details.';

/** Native field errors (`loc` from `body`) named the way the provider names its fields. */
export function renameProblems(errors: readonly FieldError[], name: (loc: readonly (string | number)[]) => string): Problem[] {
  return errors.map((e) => ({ field: name(e.loc.slice(1)), msg: e.msg, type: e.type }));
}

/** The native rules for one translated email, in the provider's field names. */
export const nativeProblems = (input: SendInput & { send_at?: string }, name: (loc: readonly (string | number)[]) => string): Problem[] =>
  renameProblems(sendInputProblems(input), name);

/** A loc as `a.b[0].c`, the way the SDKs' docs write field paths. */
export const dotted = (loc: readonly (string | number)[]) =>
  loc.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');

function failureOf(error: FastifyError | Error): Failure | undefined {
  if (error instanceof DropinFailure) return error.failure;
  if (error instanceof RequestValidationError) {
    return { kind: 'invalid', problems: renameProblems(error.detail, dotted) };
  }
  if (error instanceof ConflictError) return { kind: 'conflict', msg: error.message };
  if (error instanceof HttpError && error.statusCode === 404) return { kind: 'not_found', msg: error.message };
  const e = error as FastifyError;
  if (e.validation) return { kind: 'invalid', problems: renameProblems(toFieldErrors(e.validation as any, 'body'), dotted) };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { kind: 'too_large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { kind: 'malformed', msg: 'Unsupported Content-Type: send application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { kind: 'malformed', msg: 'The request body is empty: send a JSON body' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { kind: 'malformed', msg: 'Content-Length does not match the body' };
  }
  if (error instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return { kind: 'malformed', msg: `The body is not valid JSON: ${error.message}` };
  return undefined;
}

export function sendFailure(reply: FastifyReply, dialect: Dialect, f: Failure): FastifyReply {
  const { status, body, headers } = dialect.render(f);
  if (headers) reply.headers(headers);
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/**
 * Registers one drop-in API as its own scope: its credential check (ProtoPost's token where the SDK puts
 * its key), its error shapes for everything that can go wrong (auth, JSON, size, validation, 5xx).
 */
export function registerDropin(app: FastifyInstance, deps: DropinDeps, dialect: Dialect, routes: (scope: FastifyInstance) => void): void {
  app.register(async (scope) => {
    // ProtoPost's token or an API key, where this SDK sends its key; each route declares its scope
    // (`config.scope`: `send`, or `read` for look-ups; `ownAuth` keeps the shared hook out), answered in this
    // API's error shape.
    scope.addHook('onRequest', async (req, reply) => {
      if (!deps.credentials.required) return;
      const presented = dialect.credential(req);
      const principal = await deps.credentials.resolve(presented);
      if (!principal) return sendFailure(reply, dialect, { kind: 'unauthorized', presented: presented !== undefined });
      const needed: RouteScope = req.routeOptions.config?.scope ?? 'send';
      if (!allows(principal, needed)) return sendFailure(reply, dialect, { kind: 'forbidden', msg: scopeRefusal(principal) });
      (req as { dropinPrincipal?: Principal }).dropinPrincipal = principal;
    });
    scope.setErrorHandler((error: FastifyError, req, reply) => {
      const f = failureOf(error);
      if (f) return sendFailure(reply, dialect, f);
      req.log.error({ err: error, source: dialect.source }, 'unhandled error in a drop-in API');
      return sendFailure(reply, dialect, { kind: 'internal' });
    });
    routes(scope);
  });
}

/** A validator for part of a request (one batch entry), with problems named as `schemaProblems` names them. */
export function shapeChecker(schema: object): (value: unknown) => Problem[] {
  const check = compileBodySchema(schema);
  return (value) => (check(value) ? [] : renameProblems(toFieldErrors(check.errors ?? [], 'body'), dotted));
}

/**
 * Route config for a drop-in route: its real scope (so OpenAPI shows what it needs), checked by the
 * drop-in's own hook in that API's error shape; `ownAuth` tells the shared auth hook to leave it alone.
 */
export const dropinConfig = (scope: 'send' | 'read' = 'send') => ({ scope, ownAuth: true });

/** The name of the credential that made the request (recorded on the log as `api_key`). */
export const callerOf = (req: FastifyRequest): string | null => principalName((req as { dropinPrincipal?: Principal }).dropinPrincipal);

/** Fastify's schema errors (attachValidation) in the provider's field names; empty when the body passed. */
export function schemaProblems(req: FastifyRequest): Problem[] {
  const failed = req.validationError;
  return failed ? renameProblems(problemsOf(failed), dotted) : [];
}

/** Every recipient is on the suppression list: a validation failure in each API's own shape, nothing stored. */
export const suppressedFailure = (r: DispatchResult): Failure | undefined =>
  r.kind === 'suppressed' ? { kind: 'invalid', problems: [{ field: 'to', msg: `Every recipient is on the suppression list: ${r.suppressed.join(', ')}`, type: 'suppressed' }] } : undefined;
