// POST /api/send: validate → Message → dispatch → SPEC answer.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { createMessage } from '../../core/message.js';
import { parseSendAt } from '../../core/schedule.js';
import type { FieldError } from '../../config/types.js';
import type { Dispatcher } from '../../dispatch.js';
import { AttemptSchema, ErrorBody, ProviderRefSchema, SendBody, ValidationErrorBody } from '../schemas.js';
import { compileBodySchema, problemsOf, RequestValidationError, toFieldErrors } from '../validation.js';
import { toHttpAnswer, type HttpAnswer } from '../send-response.js';
import { idempotencyKeyOf, withIdempotency } from '../idempotency.js';
import type { IdempotencyKeys } from '../../store/idempotency-keys.js';
import type { Lease } from '../../store/lease.js';
import { principalName } from '../../auth/credentials.js';

/** Headers a caller may not set through `headers`: the message's own fields and MIME structure. */
const RESERVED_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'reply-to', 'sender', 'return-path', 'content-type', 'content-transfer-encoding', 'mime-version']);

type SendInput = Static<typeof SendBody>;

/** Rules JSON Schema cannot say clearly. Runs even when the schema failed, so every problem is reported at once. */
export function checkSendInput(b: Partial<SendInput>): FieldError[] {
  const errors: FieldError[] = [];
  if (!b || typeof b !== 'object' || Array.isArray(b)) return errors;
  if (!b.body_text && !b.body_html) {
    errors.push({ loc: ['body', 'body_text'], msg: 'At least one of body_text and body_html is required and non-empty', type: 'missing' });
  }
  if (typeof b.send_at === 'string') {
    const when = parseSendAt(b.send_at);
    if (!when.ok) errors.push({ loc: ['body', 'send_at'], msg: when.msg, type: 'value_error' });
  }
  const headers = b.headers && typeof b.headers === 'object' ? b.headers : {};
  for (const name of Object.keys(headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      errors.push({ loc: ['body', 'headers', name], msg: `Header ${name} cannot be set through headers; use the message field instead`, type: 'value_error' });
    }
  }
  return errors;
}

const validSendBody = compileBodySchema(SendBody);

/** Every problem with one email in the native shape, `loc` from `body`: the schema's and the rules beyond it. */
export function sendInputProblems(input: unknown): FieldError[] {
  const schemaProblems = validSendBody(input) ? [] : toFieldErrors(validSendBody.errors ?? [], 'body');
  return [...schemaProblems, ...checkSendInput(input as Partial<SendInput>)];
}

/** The scheduled time of an already-validated email, if it has one. */
export const sendAtOf = (input: { send_at?: string }): Date | undefined => (input.send_at ? new Date(input.send_at) : undefined);

/** `Prefer: respond-async` */
export const prefersAsync = (prefer: string | string[] | undefined) => /\brespond-async\b/i.test(String(prefer ?? ''));

const SendSuccess = Type.Object({
  status: Type.Literal('success'),
  message: Type.String(),
  provider: ProviderRefSchema,
  log_id: Type.Integer(),
  processing_time_ms: Type.Number(),
  message_id: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Array(AttemptSchema),
});
const SendSandbox = Type.Object({ status: Type.Literal('sandbox'), message: Type.String(), log_id: Type.Integer(), processing_time_ms: Type.Number() });
const SendQueued = Type.Object({ status: Type.Literal('queued'), log_id: Type.Integer() });
const SendScheduled = Type.Object({ status: Type.Literal('scheduled'), log_id: Type.Integer(), send_at: Type.String({ format: 'date-time' }) });
const SendFailed = Type.Object({
  detail: Type.Object({
    message: Type.String(),
    log_id: Type.Integer(),
    processing_time_ms: Type.Number(),
    errors: Type.Array(Type.Object({ provider_id: Type.String(), provider_name: Type.String(), error: Type.String() })),
    attempts: Type.Array(AttemptSchema),
  }),
});

export const sendSchema = {
  tags: ['send'],
  summary: 'Send an email through the configured providers',
  description:
    'Headers: `Idempotency-Key` (≤255 chars) replays the first answer for the same body within 24 h; `Prefer: respond-async` answers 202 once the email is stored and delivers it from the queue.',
  body: SendBody,
  response: {
    200: Type.Union([SendSuccess, SendSandbox], { description: 'Delivered, or captured by sandbox mode' }),
    202: Type.Union([SendQueued, SendScheduled], { description: 'Queued (`Prefer: respond-async`) or scheduled (`send_at`)' }),
    401: ErrorBody,
    409: ErrorBody,
    413: ErrorBody,
    415: ErrorBody,
    422: ValidationErrorBody,
    502: SendFailed,
    503: ErrorBody,
    500: ErrorBody,
  },
};

export function sendRoutes(app: FastifyInstance, dispatcher: Dispatcher, idempotency: IdempotencyKeys, lease: Lease): void {
  app.post<{ Body: SendInput }>('/api/send', { config: { scope: 'send' }, schema: sendSchema, attachValidation: true }, async (req, reply) => {
    const failed = req.validationError;
    const problems = [...(failed ? problemsOf(failed) : []), ...checkSendInput(req.body)];
    if (problems.length) throw new RequestValidationError(problems, { cause: failed?.cause });
    const idempotencyKey = idempotencyKeyOf(req.headers['idempotency-key']);
    const async = prefersAsync(req.headers.prefer);
    const sendAt = sendAtOf(req.body);
    const send = async (onStored?: (logId: number) => void): Promise<HttpAnswer> =>
      toHttpAnswer(await dispatcher.submit(createMessage(req.body), { source: 'api', apiKey: principalName(req.principal), async, sendAt, idempotencyKey, onStored }));
    const onAttachError = (err: unknown) => req.log.error({ err }, 'idempotency key could not be linked to its email');
    const answer = idempotencyKey ? await withIdempotency(idempotency, lease, idempotencyKey, req.body, send, onAttachError) : await send();
    return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
  });
}
