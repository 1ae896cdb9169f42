// Request validation: Ajv compiled from the route schemas (the same ones OpenAPI is built from), and
// its errors turned into the 422 `detail` list of SPEC section 2 (`loc` names the field).
import { Ajv, type ErrorObject, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { parseAddress } from '../core/message.js';
import type { FieldError } from '../config/types.js';

export const NO_CRLF = '^[^\\r\\n]*$';
export const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const formats: Options['formats'] = {
  mailbox: { type: 'string', validate: (s: string) => parseAddress(s) !== undefined },
  base64: { type: 'string', validate: (s: string) => BASE64.test(s.replace(/\s+/g, '')) },
};

const common: Options = { allErrors: true, formats, strict: false, useDefaults: true };
// Bodies are typed strictly (a string is not a list); query strings and path params arrive as text.
const bodyAjv = new Ajv({ ...common, coerceTypes: false, removeAdditional: false });
const textAjv = new Ajv({ ...common, coerceTypes: 'array', removeAdditional: false });

/** A body validator outside a route (drop-ins check their translated input against the native schema). */
export const compileBodySchema = (schema: object) => bodyAjv.compile(schema);

export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object) as any;

const PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

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
      if (p.pattern === NO_CRLF) return { msg: 'Must not contain CR or LF characters', type: 'value_error' };
      return { msg: `String should match pattern '${p.pattern}'`, type: 'string_pattern_mismatch' };
    case 'type':
      return { msg: `Input should be a valid ${p.type === 'array' ? 'list' : p.type === 'object' ? 'object' : p.type}`, type: `${p.type}_type` };
    case 'minItems':
      return { msg: `List should have at least ${p.limit} item${p.limit === 1 ? '' : 's'}`, type: 'too_short' };
    case 'maxItems':
      return { msg: `List should have at most ${p.limit} items`, type: 'too_long' };
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

/** Ajv errors → `[{loc, msg, type}]`, one per problem. */
export function toFieldErrors(errors: readonly ErrorObject[], httpPart: string): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const { msg, type, extra } = describe(e);
    const path = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const loc = [PART[httpPart] ?? httpPart, ...path, ...(extra !== undefined ? [extra] : [])];
    const key = JSON.stringify(loc) + type;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ loc, msg, type });
  }
  return out;
}

export class RequestValidationError extends Error {
  readonly statusCode = 422;
  constructor(readonly detail: FieldError[]) {
    super('validation failed');
  }
}
