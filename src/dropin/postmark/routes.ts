// The Postmark drop-in: POST /email and POST /email/batch with `X-Postmark-Server-Token`, answering
// `{To, SubmittedAt, MessageID, ErrorCode: 0, Message: "OK"}` and errors `{ErrorCode, Message}`
// (https://postmarkapp.com/developer/api/overview#error-codes; postmark.js src/client/errors/ErrorHandler.ts).
// MessageID is ProtoPost's log id. A batch answers one entry per message, as Postmark's does.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { createMessage } from '../../core/message.js';
import { failureSummary, type DispatchResult } from '../../dispatch.js';
import { submitBatch } from '../../dispatch-batch.js';
import { MAX_BATCH } from '../../http/routes/send-batch.js';
import { callerOf, dropinConfig, INTERNAL_MESSAGE, invalid, registerDropin, schemaProblems, sendFailure, shapeChecker, suppressedFailure, type Dialect, type DropinDeps, type Failure, type Problem } from '../edge.js';
import { fromPostmark, PostmarkMessage } from './translate.js';

const error = (status: number, ErrorCode: number, Message: string) => ({ status, body: { ErrorCode, Message } });

const describe = (problems: readonly Problem[]) => `Invalid email request: ${problems.map((p) => (p.field ? `${p.field}: ${p.msg}` : p.msg)).join('; ')}`;

/** Postmark's error codes used here: 10 bad token, 300 invalid request, 402 invalid JSON, 409 JSON required, 410 too many batch messages. */
export const postmarkDialect: Dialect = {
  source: 'postmark',
  credential(req: FastifyRequest) {
    const v = req.headers['x-postmark-server-token'];
    return typeof v === 'string' && v.length <= 4096 ? v.trim() : undefined;
  },
  render(f: Failure) {
    switch (f.kind) {
      case 'unauthorized':
        return error(401, 10, 'The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token.');
      case 'forbidden':
        return error(403, 10, f.msg);
      case 'invalid':
        return error(422, f.problems.some((p) => p.field === 'batch') ? 410 : 300, describe(f.problems));
      case 'malformed':
        return /Content-Type/.test(f.msg) ? error(422, 409, `JSON required: ${f.msg}`) : error(422, 402, `Received invalid JSON input: ${f.msg}`);
      case 'too_large':
        return error(413, 300, 'Request body too large: the limit is 10485760 bytes (10 MiB)');
      case 'conflict':
        return error(409, 300, f.msg);
      case 'not_found':
        return error(404, 301, f.msg);
      case 'unavailable':
        return error(503, 0, f.msg);
      case 'delivery_failed':
        return error(500, 0, f.msg);
      case 'internal':
        return error(500, 0, INTERNAL_MESSAGE);
    }
  },
};

/** A batch entry is checked on its own (the route's schema only says "a list"), so one bad entry fails alone. */
const checkMessage = shapeChecker(PostmarkMessage);

const NO_PROVIDERS = 'No active email providers configured behind this gateway';

/** One accepted message as Postmark answers it, or its failure as an entry (batch) / error (single). */
function entryOf(r: DispatchResult, to: string): { ok: true; body: unknown } | { ok: false; failure: Failure } {
  if (r.kind === 'unavailable') return { ok: false, failure: { kind: 'unavailable', msg: NO_PROVIDERS } };
  if (r.kind === 'suppressed') return { ok: false, failure: suppressedFailure(r)! };
  if (r.kind === 'failed') return { ok: false, failure: { kind: 'delivery_failed', msg: `All email providers failed (log ${r.logId}): ${failureSummary(r.errors)}` } };
  return { ok: true, body: { To: to, SubmittedAt: new Date().toISOString(), MessageID: String(r.logId), ErrorCode: 0, Message: 'OK' } };
}

export function postmarkRoutes(app: FastifyInstance, deps: DropinDeps): void {
  registerDropin(app, deps, postmarkDialect, (scope) => {
    scope.post<{ Body: PostmarkMessage }>('/email', { config: dropinConfig(), schema: { tags: ['drop-in: postmark'], summary: 'Postmark: send an email', body: PostmarkMessage }, attachValidation: true }, async (req, reply) => {
      const problems = schemaProblems(req);
      if (problems.length) throw invalid(problems);
      const t = fromPostmark(req.body);
      if (t.problems.length) throw invalid(t.problems);
      const e = entryOf(await deps.dispatcher.submit(createMessage(t.input), { source: 'postmark', apiKey: callerOf(req) }), req.body.To);
      if (!e.ok) return sendFailure(reply, postmarkDialect, e.failure);
      return reply.code(200).send(e.body);
    });

    scope.post<{ Body: unknown[] }>(
      '/email/batch',
      { config: dropinConfig(), schema: { tags: ['drop-in: postmark'], summary: 'Postmark: send up to 100 emails, one result each', body: Type.Array(Type.Unknown()) }, attachValidation: true },
      async (req, reply) => {
        const problems = schemaProblems(req);
        if (problems.length) throw invalid(problems);
        if (req.body.length === 0 || req.body.length > MAX_BATCH) throw invalid([{ field: 'batch', msg: `A batch holds 1 to ${MAX_BATCH} messages`, type: 'value_error' }]);
        // Each message on its own, as Postmark's batch does: an invalid one is an entry with ErrorCode 300.
        const checked = req.body.map((m) => {
          const shape = checkMessage(m);
          if (shape.length) return { problems: shape };
          const t = fromPostmark(m as PostmarkMessage);
          return { problems: t.problems, input: t.input, to: (m as PostmarkMessage).To };
        });
        const valid = checked.filter((c) => !c.problems.length);
        const results = await submitBatch(deps.dispatcher, valid.map((c) => ({ message: createMessage(c.input!) })), { source: 'postmark', apiKey: callerOf(req) });
        if (results === 'unavailable') return sendFailure(reply, postmarkDialect, { kind: 'unavailable', msg: NO_PROVIDERS });
        let next = 0;
        return reply.code(200).send(
          checked.map((c) => {
            if (c.problems.length) return postmarkDialect.render({ kind: 'invalid', problems: c.problems }).body;
            const e = entryOf(results[next++], c.to!);
            return e.ok ? e.body : postmarkDialect.render(e.failure).body;
          }),
        );
      },
    );
  });
}
