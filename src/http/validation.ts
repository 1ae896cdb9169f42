// Request validation: Ajv compiled from the route schemas (the same ones OpenAPI is built from), and
// its errors turned into the 422 `detail` list of SPEC section 2 (`loc` names the field).
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { MAX_ADDRESS_LENGTH, parseAddress } from '../core/message.js';
import { isBase64 } from '../core/base64.js';
import { HEADER_SAFE } from '../core/header-safe.js';
import type { FieldError } from '../config/types.js';
import { bounded } from './bounded-schema.js';

export const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";

const PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** A 422 lists at most this many problems. */
export const MAX_PROBLEMS = 100;

const formats: Options['formats'] = {
  // The length is checked here too, so no caller of the format can feed the parser an unbounded string.
  mailbox: { type: 'string', validate: (s: string) => s.length <= MAX_ADDRESS_LENGTH && parseAddress(s) !== undefined },
  base64: { type: 'string', validate: isBase64 },
};

const common: Options = { allErrors: true, formats, strict: false, useDefaults: true };
// Bodies are typed strictly (a string is not a list); query strings and path params arrive as text.
const bodyAjv = new Ajv({ ...common, coerceTypes: false, removeAdditional: false });
const textAjv = new Ajv({ ...common, coerceTypes: 'array', removeAdditional: false });

export class RequestValidationError extends Error {
  readonly statusCode = 422;
  readonly detail: FieldError[];
  constructor(detail: FieldError[], options?: ErrorOptions) {
    super('validation failed', options);
    this.detail = detail.slice(0, MAX_PROBLEMS);
  }
}

/** A validator and, after a call, its errors: what Ajv's compiled function offers, compiled when first used. */
export type BodyCheck = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/**
 * A body validator outside a route (drop-ins check their translated input against the native schema). Like the
 * route validators it compiles at its first use: compiling every schema at start was ~30 % of start-up.
 */
export function compileBodySchema(schema: object): BodyCheck {
  let validate: ValidateFunction | undefined;
  const check: BodyCheck = (data) => {
    validate ??= bodyAjv.compile(bounded(schema) as object);
    const ok = validate(data) as boolean;
    check.errors = validate.errors;
    return ok;
  };
  return check;
}

/** The answer when validation itself failed: the request is refused, never let through unchecked. */
export const unvalidated = (part: string, cause?: unknown) =>
  new RequestValidationError([{ loc: [PART[part] ?? part], msg: 'The request could not be validated', type: 'validation_error' }], { cause });

/** What a route that attaches validation errors must refuse: the problems, or "could not be validated" (fail closed). */
export function problemsOf(failed: Error): FieldError[] {
  if (failed instanceof RequestValidationError && failed.detail.length) return failed.detail;
  return unvalidated('body', failed).detail;
}

/**
 * Ajv compiled from the route schema with every limit guarding the rest (bounded-schema.ts). A failed check
 * comes back as a RequestValidationError already in the SPEC's shape; a validator that throws refuses the
 * request with one too (fail closed).
 */
export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart = 'body' }) => {
  // Compiled at the route's first request, not at start (see compileBodySchema). Outside the try below: a schema
  // that does not compile is our bug, a 500, not the client's 422.
  let compiled: ValidateFunction | undefined;
  const validator = () => (compiled ??= httpPart === 'body' ? bodyAjv.compile(bounded(schema) as object) : textAjv.compile(schema as object));
  const check = (data: unknown, context?: object) => {
    const validate = validator();
    try {
      if (validate(data, context as any)) return true;
      return { error: new RequestValidationError(toFieldErrors(validate.errors ?? [], httpPart)) };
    } catch (err) {
      return { error: unvalidated(httpPart, err) };
    }
  };
  // Fastify passes the parent object to validators that have one, so Ajv can coerce a root value in place.
  return Object.defineProperty(check, 'schemaEnv', { get: () => validator().schemaEnv });
};

function describe(e: ErrorObject): { msg: string; type: string; extra?: string | number } {
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'required':
      return { msg: 'Field required', type: 'missing', extra: p.missingProperty };
    case 'additionalProperties':
      return { msg: 'Extra inputs are not permitted (or the name is not allowed here)', type: 'extra_forbidden', extra: p.additionalProperty };
    case 'format':
      if (p.format === 'mailbox') return { msg: 'Not a valid email address: expected addr@domain or Name <addr@domain>', type: 'value_error' };
      if (p.format === 'base64') return { msg: 'Attachment content must be valid base64', type: 'value_error' };
      return { msg: `Must be a valid ${p.format}`, type: 'value_error' };
    case 'pattern':
      if (p.pattern === HEADER_SAFE) return { msg: 'Must not contain control characters (CR, LF, NUL, …); only TAB is allowed', type: 'value_error' };
      if (p.pattern === HEADER_NAME) return { msg: "Header names are letters, digits and !#$%&'*+.^_`|~- only", type: 'value_error' };
      return { msg: `String should match pattern '${p.pattern}'`, type: 'string_pattern_mismatch' };
    case 'type':
      return { msg: `Input should be a valid ${p.type === 'array' ? 'list' : p.type === 'object' ? 'object' : p.type}`, type: `${p.type}_type` };
    case 'minItems':
      return { msg: `List should have at least ${p.limit} item${p.limit === 1 ? '' : 's'}`, type: 'too_short' };
    case 'maxItems':
      return { msg: `List should have at most ${p.limit} items`, type: 'too_long' };
    case 'maxProperties':
      return { msg: `Object should have at most ${p.limit} entries`, type: 'too_long' };
    case 'minLength':
      return { msg: `String should have at least ${p.limit} character${p.limit === 1 ? '' : 's'}`, type: 'string_too_short' };
    case 'maxLength':
      return { msg: `String should have at most ${p.limit} characters`, type: 'string_too_long' };
    case 'minimum':
    case 'maximum':
      return { msg: `Input should be ${e.keyword === 'minimum' ? 'greater than or equal to' : 'less than or equal to'} ${p.limit}`, type: e.keyword === 'minimum' ? 'greater_than_equal' : 'less_than_equal' };
    case 'enum':
      return { msg: `Input should be one of: ${(p.allowedValues as unknown[]).join(', ')}`, type: 'enum' };
    default:
      return { msg: e.message ?? 'Invalid value', type: e.keyword };
  }
}

/** Ajv errors → `[{loc, msg, type}]`, one per problem, at most MAX_PROBLEMS. */
export function toFieldErrors(errors: readonly ErrorObject[], httpPart: string): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    if (out.length >= MAX_PROBLEMS) break;
    // `if` only says which branch ran; `propertyNames` repeats the error found in the name, reported below.
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue;
    const { msg, type, extra } = describe(e);
    const path = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    // An error inside `propertyNames` is about the key itself: it names the key.
    const key = (e as { propertyName?: string }).propertyName;
    const named = key !== undefined ? key : extra;
    const loc = [PART[httpPart] ?? httpPart, ...path, ...(named !== undefined ? [named] : [])];
    const id = JSON.stringify(loc) + type;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ loc, msg, type });
  }
  return out;
}
