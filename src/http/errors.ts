// One error handler: every error becomes the SPEC's `{"detail": …}` shape; 5xx never show internals.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConfigConflictError, ConfigValidationError } from '../config/store.js';
import { RequestValidationError, toFieldErrors } from './validation.js';
import { isStoreUnavailable } from '../store/unavailable.js';
import { discardRest, TOO_LARGE } from './too-large.js';

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}
export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, message);
  }
}
export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}

const INTERNAL = 'Internal server error. Check server logs for details.';

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a malformed percent-escape in the path,
 * an over-long parameter) would otherwise be answered in Fastify's own shape instead of `{"detail": …}`.
 */
export function frameworkErrors(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  reply.code(status).send({ detail: { message: error.code === 'FST_ERR_BAD_URL' ? `Malformed URL: ${error.message}` : error.message } });
}

/**
 * Fastify's `clientErrorHandler`: errors Node raises on the connection before there is a request to answer
 * (the request or headers timeout, oversized headers, unparsable HTTP), answered in the `{"detail": …}` shape.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request timeout: the request did not arrive in time (HTTP_REQUEST_TIMEOUT_MS, HTTP_HEADERS_TIMEOUT_MS)']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request headers too large']
        : [400, 'Malformed HTTP request'];
  // An answer already under way on this socket must not be corrupted by a second one.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify({ detail: { message } });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    // end() flushes the answer first; a peer that never reads does not hold the socket.
    setTimeout(() => socket.destroy(), 1000).unref();
  } else socket.destroy();
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ detail: { message: `Not found: ${req.method} ${req.url.split('?')[0]}` } });
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error instanceof RequestValidationError) {
      // A validator that threw: refused (fail closed), and worth a look.
      if (error.cause) req.log.error({ err: error.cause, url: req.url.split('?')[0] }, 'validation failed with an error; request refused');
      return reply.code(422).send({ detail: error.detail });
    }
    if (error instanceof ConfigValidationError) {
      return reply.code(422).send({ detail: error.errors.map((e) => ({ ...e, loc: ['body', ...e.loc] })) });
    }
    if (error instanceof ConfigConflictError) return reply.code(409).send({ detail: { message: error.message } });
    if (error instanceof HttpError) return reply.code(error.statusCode).send({ detail: { message: error.message } });
    if (error.validation) {
      return reply.code(422).send({ detail: toFieldErrors(error.validation as any, error.validationContext ?? 'body') });
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.code(415).send({ detail: { message: `Unsupported Content-Type ${req.headers['content-type'] ?? '(none)'}: send application/json` } });
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return discardRest(req.raw).then(() => {
          reply.code(413).header('connection', 'close').send(TOO_LARGE);
        });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.code(422).send({ detail: [{ loc: ['body'], msg: 'Field required: the JSON body is empty', type: 'missing' }] });
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return reply.code(400).send({ detail: { message: 'Content-Length does not match the body' } });
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return reply.code(422).send({ detail: [{ loc: ['body'], msg: `JSON decode error: ${error.message}`, type: 'json_invalid' }] });
    }
    if (isStoreUnavailable(error)) {
      req.log.warn({ err: { code: (error as { code?: string }).code } }, 'database unavailable');
      return reply.code(503).header('retry-after', '1').send({ detail: { message: 'Database unavailable; nothing was stored. Retry shortly.' } });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ detail: { message: error.message } });
    req.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ detail: { message: INTERNAL } });
  });
}
