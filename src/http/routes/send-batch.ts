// POST /api/send/batch: 1–100 emails of the /api/send shape, validated whole, then each routed on its own.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { createMessage } from '../../core/message.js';
import { principalName } from '../../auth/credentials.js';
import type { Dispatcher } from '../../dispatch.js';
import { submitBatch } from '../../dispatch-batch.js';
import type { FieldError } from '../../config/types.js';
import type { IdempotencyKeys } from '../../store/idempotency-keys.js';
import type { Lease } from '../../store/lease.js';
import { ErrorBody, SendBody, ValidationErrorBody } from '../schemas.js';
import { problemsOf, RequestValidationError } from '../validation.js';
import { NO_PROVIDERS, toBatchResult, type HttpAnswer } from '../send-response.js';
import { idempotencyKeyOf, withIdempotency } from '../idempotency.js';
import { checkSendInput, prefersAsync, sendAtOf } from './send.js';

export const MAX_BATCH = 100;

const BatchBody = Type.Object({ emails: Type.Array(SendBody, { minItems: 1, maxItems: MAX_BATCH }) }, { additionalProperties: false });
type BatchInput = Static<typeof BatchBody>;

const BatchResults = Type.Object({ results: Type.Array(Type.Unknown(), { description: 'one per email, in order: its own send body, or {status:"failed",log_id,errors}' }) });

/** The rules beyond the schema, per email, `loc` under `["body","emails",i]`. */
function batchRuleProblems(body: Partial<BatchInput> | undefined): FieldError[] {
  const emails = body && Array.isArray(body.emails) ? body.emails.slice(0, MAX_BATCH) : [];
  return emails.flatMap((e, i) => checkSendInput(e).map((p) => ({ ...p, loc: ['body', 'emails', i, ...p.loc.slice(1)] })));
}

export function sendBatchRoutes(app: FastifyInstance, dispatcher: Dispatcher, idempotency: IdempotencyKeys, lease: Lease): void {
  app.post<{ Body: BatchInput }>(
    '/api/send/batch',
    {
      config: { scope: 'send' },
      schema: {
        tags: ['send'],
        summary: 'Send 1–100 emails, each routed on its own',
        description:
          'Validated whole: any problem is a 422 naming `["body","emails",i,…]` and nothing is stored. 200 when every email was handled now; 202 with `Prefer: respond-async` or when any email has `send_at`.',
        body: BatchBody,
        response: { 200: BatchResults, 202: BatchResults, 401: ErrorBody, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ValidationErrorBody, 503: ErrorBody },
      },
      attachValidation: true,
    },
    async (req, reply) => {
      const failed = req.validationError;
      const problems = [...(failed ? problemsOf(failed) : []), ...batchRuleProblems(req.body)];
      if (problems.length) throw new RequestValidationError(problems);
      const idempotencyKey = idempotencyKeyOf(req.headers['idempotency-key']);
      const async = prefersAsync(req.headers.prefer);
      const items = req.body.emails.map((e) => ({ message: createMessage(e), sendAt: sendAtOf(e) }));
      const deferred = async || items.some((it) => it.sendAt);
      const send = async (): Promise<HttpAnswer> => {
        const results = await submitBatch(dispatcher, items, { source: 'api', apiKey: principalName(req.principal), async, idempotencyKey });
        if (results === 'unavailable') return { status: 503, body: JSON.stringify({ detail: { message: NO_PROVIDERS } }) };
        return { status: deferred ? 202 : 200, body: JSON.stringify({ results: results.map(toBatchResult) }) };
      };
      const answer = idempotencyKey ? await withIdempotency(idempotency, lease, idempotencyKey, req.body, send, (err) => req.log.error({ err }, 'idempotency key could not be linked to its email')) : await send();
      return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
    },
  );
}
