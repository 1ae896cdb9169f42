// The JSON body parser: strict UTF-8, a bounded shape, then Fastify's own prototype-poisoning-safe parse.
// The shape is bounded *before* JSON.parse, because parsing is what costs: 10 MiB of `[1,1,1,…]` is five
// million array slots (~80 MB) before any schema can say "at most 50".
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import { RequestValidationError } from './validation.js';

/** Deeper than any route's schema goes; deep enough for any config. */
export const MAX_JSON_DEPTH = 32;
/** Array items plus object members in the whole body; the largest real request (a 100-message batch) is far below. */
export const MAX_JSON_VALUES = 100_000;
/**
 * Object members in the whole body. Distinct property names are what JSON.parse pays most for (99 000 keys cost
 * ~25 times what 99 000 array items do), and no real request has more than a few thousand.
 */
export const MAX_JSON_MEMBERS = 10_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;

/** One pass over the bytes (UTF-8 continuation bytes are never ASCII, so structure is found byte by byte). */
export function jsonShapeProblem(body: Buffer): string | undefined {
  const inObject = new Uint8Array(MAX_JSON_DEPTH + 1);
  let depth = 0;
  let values = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > MAX_JSON_DEPTH) return `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
      inObject[depth] = c === OPEN_OBJECT ? 1 : 0;
      if (++values > MAX_JSON_VALUES) return `JSON holds more than ${MAX_JSON_VALUES} values`;
      if (c === OPEN_OBJECT && ++members > MAX_JSON_MEMBERS) return `JSON objects hold more than ${MAX_JSON_MEMBERS} members`;
    } else if (c === 0x5d || c === 0x7d) depth = Math.max(0, depth - 1);
    else if (c === 0x2c) {
      if (++values > MAX_JSON_VALUES) return `JSON holds more than ${MAX_JSON_VALUES} values`;
      if (inObject[depth] && ++members > MAX_JSON_MEMBERS) return `JSON objects hold more than ${MAX_JSON_MEMBERS} members`;
    }
  }
  return undefined;
}

export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req: FastifyRequest, body: Buffer, done) => {
    // A decoder would turn bad bytes into U+FFFD and store them as if the client had sent them.
    if (!isUtf8(body)) return done(new HttpError(400, 'The body is not valid UTF-8'), undefined);
    const problem = jsonShapeProblem(body);
    if (problem) return done(new RequestValidationError([{ loc: ['body'], msg: problem, type: 'too_complex' }]), undefined);
    parse(req, body.toString('utf8'), done);
  });
}
